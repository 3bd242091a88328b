package sdk_test

import (
	"context"
	"encoding/json"

	"github.com/turbocode/switchboard/sdk"
)

// echo is the smallest connector: it accepts every delivery.
type echo struct{}

func (echo) Info() sdk.Info {
	return sdk.Info{Name: "echo", Version: "0.1.0", ConfigSchema: json.RawMessage(`{"type":"object"}`)}
}

func (echo) ValidateConfig(json.RawMessage) []sdk.Diagnostic { return nil }

func (echo) Configure(context.Context, sdk.InstanceConfig) (sdk.Instance, error) { return echo{}, nil }

func (echo) Deliver(context.Context, *sdk.DeliveryRequest) sdk.Result { return sdk.Delivered(0, "") }

func (echo) Health(context.Context) sdk.Health { return sdk.Health{OK: true} }

func (echo) Close() error { return nil }

// A plugin's main function is one call. Built as switchboard-connector-echo
// and put in plugins.dir, the plugin serves blocks with type: plugin and
// plugin: echo.
func ExampleServe() {
	sdk.Serve(echo{})
}
