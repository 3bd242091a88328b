// Package testplugin is a small connector for the plugin host's own tests:
// it posts each delivery's first event to a configured URL, and a route
// target's `mode` parameter makes a delivery misbehave on purpose (panic,
// crash the process, or wait until its deadline), so that tests can drive
// the host's panic, crash and timeout handling. It is not shipped.
package testplugin

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
	"github.com/turbocode/switchboard/sdk/netguard"
)

// Name is the connector type the plugin serves.
const Name = "testhook"

// The values of the `mode` target parameter.
const (
	ModePanic = "panic" // Deliver panics
	ModeCrash = "crash" // the process exits with status 2, as a crash would
	ModeSlow  = "slow"  // Deliver waits for its context to end
)

// schema is the config's JSON Schema.
const schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "url": {"type": "string", "pattern": "^https?://"},
    "token": {"type": "string", "minLength": 6}
  },
  "required": ["url"],
  "additionalProperties": false
}`

type config struct {
	URL   string     `json:"url"`
	Token sdk.Secret `json:"token"`
}

// Connector is the testhook connector kind.
type Connector struct{}

var _ sdk.Connector = Connector{}

// New returns the connector.
func New() Connector { return Connector{} }

// Info implements sdk.Connector.
func (Connector) Info() sdk.Info {
	return sdk.Info{
		Name:         Name,
		Version:      "0.1.0",
		Description:  "posts events to a URL; for the plugin host's tests",
		ConfigSchema: json.RawMessage(schema),
		SecretPaths:  []string{"token"},
		Markup:       sdk.MarkupJSON,
		TargetParams: []sdk.ParamSpec{{Name: "mode", Description: "panic, crash or slow, to misbehave on purpose"}},
	}
}

// ValidateConfig implements sdk.Connector.
func (Connector) ValidateConfig(raw json.RawMessage) []sdk.Diagnostic {
	var cfg config
	diagnostics := sdk.DecodeConfig(raw, &cfg)
	if cfg.URL == "" {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "url", Message: "missing; set the URL to post events to"})
	}
	return diagnostics
}

// Configure implements sdk.Connector.
func (c Connector) Configure(_ context.Context, ic sdk.InstanceConfig) (sdk.Instance, error) {
	var cfg config
	if diagnostics := c.ValidateConfig(ic.Config); len(diagnostics) > 0 {
		return nil, sdk.DiagnosticsError(diagnostics)
	}
	sdk.DecodeConfig(ic.Config, &cfg)
	ic = ic.WithDefaults()
	client := netguard.NewTrustedHTTPClient(netguard.Options{})
	return &instance{cfg: cfg, client: client, clock: ic.Clock, log: ic.Logger}, nil
}

type instance struct {
	cfg    config
	client *http.Client
	clock  sdk.Clock
	log    interface{ Debug(string, ...any) }
}

func (i *instance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	switch req.Target.String("mode") {
	case ModePanic:
		panic("testhook: mode panic")
	case ModeCrash:
		os.Exit(2)
	case ModeSlow:
		<-ctx.Done()
		return sdk.Retry("testhook: mode slow: "+ctx.Err().Error(), 0)
	}

	body := []byte("{}")
	if len(req.Events) > 0 {
		body = req.Events[0].Envelope
	}
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, i.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return sdk.Permanent("testhook: build the request: " + err.Error())
	}
	httpReq.Header.Set("Content-Type", "application/json")
	httpReq.Header.Set("X-Delivery-Id", req.DeliveryID)
	if !i.cfg.Token.IsZero() {
		httpReq.Header.Set("Authorization", "Bearer "+i.cfg.Token.Reveal())
	}
	i.log.Debug("posting", "delivery_id", req.DeliveryID, "attempt", req.Attempt)

	resp, err := i.client.Do(httpReq)
	if err != nil {
		return httpresult.ClassifyError(err)
	}
	return httpresult.ClassifyResponse(resp, i.clock.Now())
}

func (i *instance) Health(context.Context) sdk.Health { return sdk.Health{OK: true} }

func (i *instance) Close() error {
	i.client.CloseIdleConnections()
	return nil
}

// SlowTimeout is a delivery timeout for tests of ModeSlow.
const SlowTimeout = 200 * time.Millisecond
