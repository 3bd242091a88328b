// Package pluginv1 is version 1 of the protocol between Switchboard and its
// connector plugins: the gRPC service generated from connector.proto, and the
// handshake values that both sides of hashicorp/go-plugin must agree on.
//
// Run `make proto` after changing connector.proto; the generated files are
// committed.
package pluginv1

import (
	"encoding/json"

	"github.com/hashicorp/go-plugin"
)

// ProtocolVersion is the plugin protocol this package implements. The host and
// a plugin each list the versions they speak, and go-plugin picks the highest
// one both know.
const ProtocolVersion = 1

// PluginName is the name under which a plugin process serves its connector in
// go-plugin's plugin set.
const PluginName = "connector"

// Handshake is the cookie that tells a plugin executable it was started by a
// Switchboard host. The value is fixed for the project: changing it breaks
// every plugin built before, so a breaking change raises ProtocolVersion
// instead.
var Handshake = plugin.HandshakeConfig{
	MagicCookieKey:   "SWITCHBOARD_PLUGIN_COOKIE",
	MagicCookieValue: "4d1c0b6e-switchboard-connector-9f27a3e8",
}

// MaxMessageBytes bounds one gRPC message in either direction: a digest of
// many events can pass gRPC's default of 4 MiB.
const MaxMessageBytes = 16 << 20

// ExecutablePrefix starts the file name of every plugin executable:
// switchboard-connector-<name>.
const ExecutablePrefix = "switchboard-connector-"

// LogLevelEnv names the environment variable with the host's log level
// (debug, info, warn or error), below which a plugin need not write logs.
const LogLevelEnv = "SWITCHBOARD_PLUGIN_LOG_LEVEL"

// DescribeFlag makes a plugin executable print its description as JSON and
// exit, without the handshake.
const DescribeFlag = "--describe"

// Description is what a plugin prints for DescribeFlag.
type Description struct {
	Name             string          `json:"name"`
	Version          string          `json:"version"`
	Description      string          `json:"description,omitempty"`
	ProtocolVersions []int           `json:"protocol_versions"`
	SDKVersion       string          `json:"sdk_version,omitempty"`
	ConfigSchema     json.RawMessage `json:"config_schema,omitempty"`
	SecretPaths      []string        `json:"secret_paths,omitempty"`
}
