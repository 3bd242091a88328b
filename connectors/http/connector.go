// Package http is the generic webhook connector: it POSTs each delivery to a URL
// as JSON (Switchboard's envelope, or Turbo's native webhook shape), optionally
// signed with Standard Webhooks or Turbo's X-Webhook-Signature, and classifies
// the response with sdk/httpresult.
//
// An instance config looks like this:
//
//	type: http
//	url: https://hooks.example.com/turbo
//	method: POST                  # POST (default), PUT or PATCH
//	headers: {Authorization: "Bearer ${HOOK_TOKEN}"}
//	content_type: application/json
//	format: envelope              # envelope (default) or turbo
//	signing:
//	  scheme: standard-webhooks   # standard-webhooks, turbo or none (default)
//	  secrets: ["${HOOK_SECRET}", "${HOOK_SECRET_PREVIOUS}"]
//
// A route target may set url and headers; a url rendered from a template goes
// through the network guard unless the connector sets allow_private.
package http

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

// Version is the Switchboard version sent in the User-Agent header
// ("Switchboard/<Version>"). The binary sets it at start, before Configure.
var Version = "dev"

// Connector is the "http" connector kind.
type Connector struct{}

var _ sdk.Connector = (*Connector)(nil)

// New returns the http connector kind.
func New() *Connector { return &Connector{} }

// Info describes the connector to the host.
func (*Connector) Info() sdk.Info {
	return sdk.Info{
		Name:        "http",
		Version:     Version,
		Description: "POSTs events as JSON to a webhook URL, optionally signed (Standard Webhooks or Turbo)",
		SecretPaths: []string{"signing.secret", "signing.secrets", "headers"},
		Markup:      sdk.MarkupJSON,
		TargetParams: []sdk.ParamSpec{
			{Name: "url", Description: "the URL to send to, instead of the connector's url", Kind: sdk.ParamString},
			{Name: "headers", Description: "extra request headers, added to the connector's headers", Kind: sdk.ParamMap},
		},
		DestinationParams: []string{"url"},
		Capabilities:      sdk.Capabilities{Ordered: false},
	}
}

// ValidateConfig checks an instance config and returns every problem found.
func (*Connector) ValidateConfig(raw json.RawMessage) []sdk.Diagnostic {
	_, diagnostics := parseConfig(raw)
	return diagnostics
}

// Configure builds an instance from a config that passed ValidateConfig.
func (*Connector) Configure(_ context.Context, instance sdk.InstanceConfig) (sdk.Instance, error) {
	cfg, diagnostics := parseConfig(instance.Config)
	if len(diagnostics) > 0 {
		return nil, fmt.Errorf("configure http connector %s: %w", instance.Name, sdk.DiagnosticsError(diagnostics))
	}
	in, err := newInstance(cfg, instance.WithDefaults())
	if err != nil {
		return nil, err
	}
	return in, nil
}
