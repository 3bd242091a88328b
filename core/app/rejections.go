package app

import (
	"context"

	"github.com/turbocode/switchboard/sdk"
)

// rejectionsOf describes the destinations the connector's instance does not
// send to after a rejection; nil when it keeps none.
func (a *App) rejectionsOf(connector string) []string {
	conn, ok := a.current.Load().Connector(connector)
	if !ok {
		return nil
	}
	keeper, ok := conn.Instance.(sdk.RejectionKeeper)
	if !ok {
		return nil
	}
	return keeper.Rejections()
}

// forgetRejections makes the instances of connectors send again to the
// destinations they stopped sending to after a rejection, because an
// operator retries or tests them: otherwise the operator's action would fail
// without sending anything.
func (a *App) forgetRejections(connectors map[string]bool) {
	rt := a.current.Load()
	for name := range connectors {
		conn, ok := rt.Connector(name)
		if !ok {
			continue
		}
		if keeper, ok := conn.Instance.(sdk.RejectionKeeper); ok {
			keeper.ForgetRejections()
		}
	}
}

// connectorsOf returns the connectors of the deliveries ids; ids it cannot
// read are left out, because the retry itself reports them.
func (a *App) connectorsOf(ctx context.Context, ids []int64) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids {
		if d, err := a.store.Delivery(ctx, id); err == nil {
			out[d.Connector] = true
		}
	}
	return out
}
