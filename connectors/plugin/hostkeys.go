package plugin

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/turbocode/switchboard/sdk"
)

// The keys of a `type: plugin` block that the host reads itself; the plugin
// receives every other key of the block as its config.
const (
	keyPlugin = "plugin"
	keySHA256 = "sha256"
)

// sha256Syntax is a SHA-256 checksum as sha256sum prints it.
var sha256Syntax = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// hostKeys are a block's plugin name and optional checksum pin.
type hostKeys struct {
	Plugin string
	SHA256 string
}

// readHostKeys reads the host's keys from a block's options and reports
// their problems at their paths.
func readHostKeys(options map[string]any) (hostKeys, []sdk.Diagnostic) {
	var keys hostKeys
	var diagnostics []sdk.Diagnostic

	switch name := options[keyPlugin].(type) {
	case string:
		keys.Plugin = name
	case nil:
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: keyPlugin,
			Message: "missing; name the plugin, the <name> of an executable switchboard-connector-<name> in plugins.dir"})
	default:
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: keyPlugin, Message: "want a plugin name as a string"})
	}

	switch sum := options[keySHA256].(type) {
	case nil:
	case string:
		if !sha256Syntax.MatchString(sum) {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: keySHA256,
				Message: "want 64 hexadecimal digits, as `sha256sum FILE` prints them"})
		}
		keys.SHA256 = sum
	default:
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: keySHA256, Message: "want 64 hexadecimal digits as a string; put the value in quotes"})
	}
	return keys, diagnostics
}

// splitConfig reads the host's keys from a block's options as JSON and
// returns the rest, which is the plugin's own config.
func splitConfig(raw json.RawMessage) (hostKeys, json.RawMessage, []sdk.Diagnostic) {
	var options map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &options); err != nil {
			return hostKeys{}, nil, []sdk.Diagnostic{{Message: "the config is not a JSON object"}}
		}
	}
	keys, diagnostics := readHostKeys(options)
	delete(options, keyPlugin)
	delete(options, keySHA256)
	if options == nil {
		options = map[string]any{}
	}
	rest, err := json.Marshal(options)
	if err != nil {
		return keys, nil, append(diagnostics, sdk.Diagnostic{Message: fmt.Sprintf("encode the plugin's config: %v", err)})
	}
	return keys, rest, diagnostics
}
