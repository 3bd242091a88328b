package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
)

// fakeConnector is a connector kind whose ValidateConfig runs a function over the
// decoded options, so that tests can check how diagnostics map to positions.
type fakeConnector struct {
	info     sdk.Info
	validate func(options map[string]any) []sdk.Diagnostic
}

var _ sdk.Connector = (*fakeConnector)(nil)

func (f *fakeConnector) Info() sdk.Info { return f.info }

func (f *fakeConnector) ValidateConfig(raw json.RawMessage) []sdk.Diagnostic {
	var options map[string]any
	if err := json.Unmarshal(raw, &options); err != nil {
		return []sdk.Diagnostic{{Message: "options are not a JSON object: " + err.Error()}}
	}
	if f.validate == nil {
		return nil
	}
	return f.validate(options)
}

func (f *fakeConnector) Configure(context.Context, sdk.InstanceConfig) (sdk.Instance, error) {
	return nil, errors.New("fake connector: config tests never configure an instance")
}

// fakeCatalog maps a type name to its connector kind.
type fakeCatalog map[string]sdk.Connector

func (c fakeCatalog) Connector(typeName string) (sdk.Connector, bool) {
	connector, ok := c[typeName]
	return connector, ok
}

func (c fakeCatalog) Types() []string {
	types := make([]string, 0, len(c))
	for name := range c {
		types = append(types, name)
	}
	sort.Strings(types)
	return types
}

// testCatalog has three kinds: http (options url, signing, headers), file
// (option path, no target parameters) and chat (target parameter channel required).
func testCatalog() fakeCatalog {
	return fakeCatalog{
		"http": &fakeConnector{
			info: sdk.Info{Name: "http", SecretPaths: []string{"signing.secret", "headers"}, TargetParams: []sdk.ParamSpec{
				{Name: "url"},
				{Name: "headers", Kind: sdk.ParamMap},
			}},
			validate: validateFakeHTTP,
		},
		"file": &fakeConnector{
			info:     sdk.Info{Name: "file"},
			validate: validateFakeFile,
		},
		"chat": &fakeConnector{
			info: sdk.Info{Name: "chat", TargetParams: []sdk.ParamSpec{
				{Name: "channel", Required: true},
				{Name: "mention", Kind: sdk.ParamList},
			}},
		},
	}
}

func validateFakeHTTP(options map[string]any) []sdk.Diagnostic {
	var diags []sdk.Diagnostic
	if u, ok := options["url"].(string); !ok {
		diags = append(diags, sdk.Diagnostic{Path: "url", Message: "missing url; set the address to send events to"})
	} else if diag, bad := checkFakeURL(u); bad {
		diags = append(diags, diag)
	}
	if signing, ok := options["signing"].(map[string]any); ok {
		if secret, _ := signing["secret"].(string); len(secret) < 24 {
			diags = append(diags, sdk.Diagnostic{Path: "signing.secret", Message: "the signing secret is too short; use at least 24 characters"})
		}
	}
	headers, _ := options["headers"].(map[string]any)
	for _, name := range sortedKeys(headers) {
		if value, _ := headers[name].(string); strings.ContainsAny(value, "\r\n") {
			diags = append(diags, sdk.Diagnostic{Path: "headers." + name, Message: "a header value must not contain a line break"})
		}
	}
	if options["fail_block"] == true {
		diags = append(diags, sdk.Diagnostic{Message: "the block is rejected as a whole"})
	}
	return diags
}

// checkFakeURL rejects a URL that is not http or https, showing it redacted as
// the real http connector does, because a connector receives only the expanded
// value, which may contain a credential.
func checkFakeURL(raw string) (sdk.Diagnostic, bool) {
	u, err := url.Parse(raw)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return sdk.Diagnostic{}, false
	}
	scheme := ""
	if err == nil {
		scheme = u.Scheme
	}
	return sdk.Diagnostic{Path: "url", Message: fmt.Sprintf("URL %s has scheme %q; use http or https", httpresult.RedactURL(raw), scheme)}, true
}

// validateFakeFile quotes a wrong mode in its message, as connectors quote
// the values they reject, so that tests see whether the loader redacts it.
func validateFakeFile(options map[string]any) []sdk.Diagnostic {
	if _, ok := options["path"].(string); !ok {
		return []sdk.Diagnostic{{Path: "path", Message: "missing path; set the file to append events to"}}
	}
	if mode, ok := options["mode"].(string); ok && mode != "append" {
		return []sdk.Diagnostic{{Path: "mode", Message: fmt.Sprintf("unknown mode %q; use append", mode)}}
	}
	return nil
}

// testEnv is the environment every testdata file is parsed with.
var testEnv = map[string]string{
	"TURBO_WEBHOOK_SECRET":    "turbo-webhook-secret-0123456789",
	"HOOK_SECRET":             "hook-secret-0123456789abcdefghij",
	"ADMIN_TOKEN":             "admin-token-0123456789",
	"SWITCHBOARD_ADMIN_TOKEN": "switchboard-admin-token-0123456789",
	"TURBO_API_TOKEN":         "turbo-api-token-0123456789",
	"EMPTY":                   "",
	"WORKERS":                 "16",
	"ZERO_CONNS":              "0",
	"WORD_CONNS":              "abc",
	"TEAM":                    "platform",
	"NOT_A_URL":               "not a url from the environment",
}

// envOf returns an Env that looks names up in vars.
func envOf(vars map[string]string) Env {
	return func(name string) (string, bool) {
		value, ok := vars[name]
		return value, ok
	}
}
