// Package file is the file connector: it appends one JSON line per delivery to a
// local file, an audit trail of what Switchboard delivered. Each line holds the
// delivery's id, attempt, route, connector, time, target parameters, rendered
// message and the events' envelopes:
//
//	{"delivery_id":"dlv_x_1","attempt":1,"route":"urgent","connector":"audit",
//	 "delivered_at":"2026-12-01T16:05:00Z","target":{},"events":[{...}]}
//
// An instance config looks like this:
//
//	type: file
//	path: /var/log/switchboard/deliveries.jsonl   # the file to append to
//	dir: /var/log/switchboard/teams               # where route targets' path values go
//	sync: true                                    # fsync after each line (default true)
//	mode: 0640                                    # permissions of new files (default 0640)
//
// Delivery is at least once: a failed fsync is retried, which may write the line
// again, so readers deduplicate on delivery_id.
package file

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

// Connector is the "file" connector kind.
type Connector struct{}

var _ sdk.Connector = (*Connector)(nil)

// New returns the file connector kind.
func New() *Connector { return &Connector{} }

// Info describes the connector to the host.
func (*Connector) Info() sdk.Info {
	return sdk.Info{
		Name:        "file",
		Description: "appends one JSON line per delivery to a local file",
		Markup:      sdk.MarkupJSON,
		TargetParams: []sdk.ParamSpec{{
			Name:        "path",
			Description: "a file inside the connector's dir to append to, instead of the connector's path",
			Kind:        sdk.ParamString,
		}},
	}
}

// ValidateConfig checks an instance config and returns every problem found. It
// touches no file.
func (*Connector) ValidateConfig(raw json.RawMessage) []sdk.Diagnostic {
	_, diagnostics := parseConfig(raw)
	return diagnostics
}

// Configure builds an instance and creates dir when the config sets one. The
// file in path is opened at the first delivery, so that a permission problem
// shows in the delivery log.
func (*Connector) Configure(_ context.Context, ic sdk.InstanceConfig) (sdk.Instance, error) {
	cfg, diagnostics := parseConfig(ic.Config)
	if len(diagnostics) > 0 {
		return nil, fmt.Errorf("configure file connector %s: %w", ic.Name, sdk.DiagnosticsError(diagnostics))
	}
	in, err := newInstance(cfg, ic.WithDefaults())
	if err != nil {
		return nil, fmt.Errorf("configure file connector %s: %w", ic.Name, err)
	}
	return in, nil
}
