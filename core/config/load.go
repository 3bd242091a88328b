package config

import (
	"fmt"
	"os"

	"github.com/turbocode/switchboard/sdk"
)

// Catalog is the set of connector kinds available to this binary. cmd/switchboard
// builds it from the built-in connectors and the plugins it found, so that core
// imports no connector package.
type Catalog interface {
	// Connector returns the connector kind written as `type: typeName`.
	Connector(typeName string) (sdk.Connector, bool)
	// Types returns the names of every kind in the catalog.
	Types() []string
}

// Env looks up an environment variable the way os.LookupEnv does: the value, and
// whether the variable is set at all.
type Env func(name string) (string, bool)

// Load reads the config file at path and parses it with Parse, taking ${NAME}
// values from the process environment. The error is Errors when the file was read
// but is invalid (with a partial Config, as Parse says), and a wrapped
// *fs.PathError when it cannot be read.
func Load(path string, catalog Catalog) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, catalog, os.LookupEnv)
}

// Parse decodes and validates a config file's content. name is the file's path: it
// starts every error message, and relative ${file:PATH} references are read from
// its directory. A nil catalog skips the checks that need connector kinds (known
// types, ValidateConfig, target parameters). A nil env has no variables set.
//
// The error, when there is one, is Errors: every problem found, sorted by position.
// When the file is valid YAML the returned Config is not nil even with errors,
// so that later checks (routes) can add their problems to the same list; it
// must not be used for anything else.
func Parse(name string, data []byte, catalog Catalog, env Env) (*Config, error) {
	d := newDecoder(name, catalog, env)
	root, ok := d.readDocument(data)
	if !ok {
		return nil, d.errs.Sorted()
	}

	cfg := defaults(name)
	if root != nil {
		d.decodeRoot(root, cfg)
	}
	d.applyDerivedDefaults(cfg)
	d.validate(cfg)
	if len(d.expanded) > 0 {
		cfg.expanded = d.expanded
	}

	if len(d.errs) > 0 {
		return cfg, cfg.MaskErrors(d.errs).Sorted()
	}
	return cfg, nil
}
