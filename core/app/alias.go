package app

import (
	"context"
	"fmt"

	"github.com/turbocode/switchboard/core/route"
)

// resolveEntity replaces a planned delivery's entity key by the key it is an
// alias of, for a connector that keeps entity state, and keys its ordering on
// that entity. Events about both sides of a link (a Turbo issue and the
// GitHub issue it is synced with) then share one state and one order.
func (a *App) resolveEntity(ctx context.Context, rt *runtime, p *route.Planned) error {
	if p.EntityKey == "" || !rt.plan.Infos[p.Connector].Capabilities.State {
		return nil
	}
	key, err := a.store.ResolveEntityKey(ctx, p.Connector, p.EntityKey)
	if err != nil {
		return fmt.Errorf("resolve entity key %s of connector %s: %w", p.EntityKey, p.Connector, err)
	}
	if key == p.EntityKey {
		return nil
	}
	p.EntityKey = key
	if p.OrderingKey != "" {
		p.OrderingKey = p.Connector + "|" + key
	}
	return nil
}
