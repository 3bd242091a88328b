package sdk

import "encoding/json"

// ConfigSetValidator is implemented by connectors whose instances must agree
// with each other, such as github connectors, two of which must not sync one
// Turbo project with different repositories. The config loader calls it once
// with every instance config of the connector's type that passed
// ValidateConfig.
type ConfigSetValidator interface {
	// ValidateConfigSet returns the problems across instances, each reported
	// at one instance. It must be fast and free of side effects, like
	// ValidateConfig.
	ValidateConfigSet(configs []NamedConfig) []InstanceDiagnostic
}

// NamedConfig is one instance config: the block's name and its options.
type NamedConfig struct {
	Name   string
	Config json.RawMessage
}

// InstanceDiagnostic is a Diagnostic of the instance named Instance.
type InstanceDiagnostic struct {
	Instance string
	Diagnostic
}
