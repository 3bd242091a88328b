// Package pager is the smallest complete Switchboard connector plugin: it
// posts each delivery to a paging service's HTTP API. The README's "Write a
// connector" section walks through it.
package pager

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
	"github.com/turbocode/switchboard/sdk/netguard"
)

type config struct {
	URL   string     `json:"url"`
	Token sdk.Secret `json:"token"` // prints as <secret>
}

// Connector is the pager connector kind.
type Connector struct{}

// New returns the connector; main passes it to sdk.Serve.
func New() *Connector { return &Connector{} }

// Info names the connector and describes its config.
func (*Connector) Info() sdk.Info {
	return sdk.Info{Name: "pager", Version: "0.1.0", Markup: sdk.MarkupJSON, SecretPaths: []string{"token"},
		ConfigSchema: json.RawMessage(`{"type": "object", "required": ["url"], "additionalProperties": false,
			"properties": {"url": {"type": "string"}, "token": {"type": "string"}}}`)}
}

// ValidateConfig returns every problem of a config, each with its path.
func (*Connector) ValidateConfig(raw json.RawMessage) []sdk.Diagnostic {
	var cfg config
	diagnostics := sdk.DecodeConfig(raw, &cfg) // unknown keys and wrong types, with their paths
	if !strings.HasPrefix(cfg.URL, "https://") && !strings.HasPrefix(cfg.URL, "http://") {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "url", Message: "missing or not http(s); set the pager's API URL"})
	}
	return diagnostics
}

// Configure builds an instance from a valid config.
func (c *Connector) Configure(_ context.Context, ic sdk.InstanceConfig) (sdk.Instance, error) {
	var cfg config
	if diagnostics := c.ValidateConfig(ic.Config); len(diagnostics) > 0 {
		return nil, sdk.DiagnosticsError(diagnostics)
	}
	sdk.DecodeConfig(ic.Config, &cfg)
	return &instance{cfg: cfg, clock: ic.WithDefaults().Clock,
		client: netguard.NewTrustedHTTPClient(netguard.Options{Resolver: ic.Resolver})}, nil // the URL is the operator's: trusted
}

type instance struct {
	cfg    config
	clock  sdk.Clock
	client *http.Client
}

// Deliver sends one delivery and returns its outcome; it never returns an
// error for the host to interpret.
func (in *instance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	body := req.Message // the route template's output, escaped as JSON strings...
	if body == "" {
		body = string(req.Events[0].Envelope) // ...or the event itself
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, in.cfg.URL, strings.NewReader(body))
	if err != nil {
		return sdk.Permanent("build the request: " + httpresult.ClassifyError(err).Reason)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+in.cfg.Token.Reveal())
	r.Header.Set("Idempotency-Key", req.DeliveryID) // the same on every attempt
	resp, err := in.client.Do(r)
	if err != nil {
		return httpresult.ClassifyError(err) // timeouts and refused connections: retry
	}
	return httpresult.ClassifyResponse(resp, in.clock.Now()) // 2xx, 5xx/429 + Retry-After, other 4xx
}

func (*instance) Health(context.Context) sdk.Health { return sdk.Health{OK: true} }
func (*instance) Close() error                      { return nil }
