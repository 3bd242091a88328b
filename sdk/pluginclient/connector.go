package pluginclient

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// Connector wraps one Process as an sdk.Connector, without restarts: when the
// process dies, every later call fails. sdk/plugintest drives plugins through
// it; the host in connectors/plugin adds restarts and crash accounting.
type Connector struct {
	Process *Process
}

var _ sdk.Connector = Connector{}

// Info implements sdk.Connector.
func (c Connector) Info() sdk.Info { return c.Process.Info() }

// ValidateConfig implements sdk.Connector, with the schema check of
// Process.ValidateConfig. A call that fails is one diagnostic.
func (c Connector) ValidateConfig(cfg json.RawMessage) []sdk.Diagnostic {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	diagnostics, err := c.Process.ValidateConfig(ctx, cfg)
	if err != nil {
		return []sdk.Diagnostic{{Message: err.Error()}}
	}
	return diagnostics
}

// Configure implements sdk.Connector.
func (c Connector) Configure(ctx context.Context, cfg sdk.InstanceConfig) (sdk.Instance, error) {
	id, err := c.Process.Configure(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &remoteInstance{process: c.Process, id: id}, nil
}

// remoteInstance is an instance configured in a plugin process.
type remoteInstance struct {
	process *Process
	id      string
}

func (r *remoteInstance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	res, err := r.process.Deliver(ctx, r.id, req)
	if err != nil {
		return TransportResult(r.process.Name(), err)
	}
	return res
}

func (r *remoteInstance) Health(ctx context.Context) sdk.Health {
	h, err := r.process.Health(ctx, r.id)
	if err != nil {
		return sdk.Health{Message: fmt.Sprintf("plugin %s did not answer: %v", r.process.Name(), err)}
	}
	return h
}

func (r *remoteInstance) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return r.process.CloseInstance(ctx, r.id)
}

// TransportResult turns a failed call into a retry: the attempt did not run to
// an outcome, so it is tried again with the same delivery id.
func TransportResult(plugin string, err error) sdk.Result {
	return sdk.Retry(fmt.Sprintf("plugin %s: the call failed: %v", plugin, err), 0)
}
