// Package command is a Switchboard connector, shipped as the example plugin
// switchboard-connector-command, that runs a local program for each
// delivery with the event's JSON envelope on its standard input.
//
// Exit code 0 is delivered; a code listed in retry_exit_codes (75 by default,
// EX_TEMPFAIL) asks for another attempt; any other code is a permanent
// failure. The connector's timeout bounds each run: when it passes, or the
// delivery is cancelled, the program's whole process group is killed and the
// attempt is retried. The end of the program's output (stdout and stderr
// together, bounded by max_output_bytes) goes to the delivery log.
//
// An instance config looks like this:
//
//	type: plugin
//	plugin: command
//	timeout: 10m                          # the host's key: bounds each run
//	command: ["/usr/local/bin/triage", "--reply"]
//	dir: /srv/triage                      # optional working directory
//	env: {TURBO_API_TOKEN: "${TURBO_API_TOKEN}"}
//	retry_exit_codes: [75]
//	max_output_bytes: 16384
//
// With a route template, the template's output replaces the envelope on
// standard input. The program also finds the delivery in its environment:
// SWITCHBOARD_DELIVERY_ID (the same on every attempt, so a program can make
// its work idempotent), SWITCHBOARD_ATTEMPT, SWITCHBOARD_ROUTE,
// SWITCHBOARD_ENTITY_KEY, SWITCHBOARD_EVENT_ID, SWITCHBOARD_EVENT_TYPE and
// SWITCHBOARD_EVENT_COUNT.
package command

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

// Version is the plugin's version, reported to the host. The build sets it
// with -ldflags "-X ...command.Version=".
var Version = "0.1.0"

// Connector is the "command" connector kind.
type Connector struct{}

var _ sdk.Connector = (*Connector)(nil)

// New returns the command connector kind.
func New() *Connector { return &Connector{} }

// Info describes the connector to the host.
func (*Connector) Info() sdk.Info {
	return sdk.Info{
		Name:         "command",
		Version:      Version,
		Description:  "runs a local program with the event's JSON on its standard input",
		ConfigSchema: configSchema,
		SecretPaths:  []string{"env"},
		Markup:       sdk.MarkupText,
	}
}

// ValidateConfig checks an instance config and returns every problem found.
// It reads the file system to check the program and the directory, and
// changes nothing.
func (*Connector) ValidateConfig(raw json.RawMessage) []sdk.Diagnostic {
	_, diagnostics := parseConfig(raw)
	return diagnostics
}

// Configure builds an instance from a config that passed ValidateConfig.
func (*Connector) Configure(_ context.Context, ic sdk.InstanceConfig) (sdk.Instance, error) {
	cfg, diagnostics := parseConfig(ic.Config)
	if len(diagnostics) > 0 {
		return nil, fmt.Errorf("configure command connector %s: %w", ic.Name, sdk.DiagnosticsError(diagnostics))
	}
	return newInstance(cfg, ic.WithDefaults())
}

// configSchema is the JSON Schema of an instance config, which the host
// checks before ValidateConfig.
var configSchema = json.RawMessage(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["command"],
  "properties": {
    "command": {
      "type": "array",
      "items": {"type": "string"},
      "minItems": 1,
      "description": "The program and its arguments, run without a shell."
    },
    "dir": {"type": "string", "description": "The working directory. Default: the plugin's."},
    "env": {
      "type": "object",
      "additionalProperties": {"type": "string"},
      "description": "Variables added to the program's environment; their values are secrets."
    },
    "retry_exit_codes": {
      "type": "array",
      "items": {"type": "integer", "minimum": 1, "maximum": 255},
      "default": [75],
      "description": "Exit codes that ask for another attempt."
    },
    "max_output_bytes": {
      "type": "integer",
      "minimum": 1024,
      "maximum": 16777216,
      "default": 16384,
      "description": "The output kept of one run, stdout and stderr together; the end is kept."
    }
  }
}`)
