package sdk

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

type decodeTestSigning struct {
	Scheme  string   `json:"scheme"`
	Secret  Secret   `json:"secret"`
	Secrets []Secret `json:"secrets"`
}

type decodeTestConfig struct {
	URL     string             `json:"url"`
	Retries int                `json:"retries"`
	Sync    *bool              `json:"sync"`
	Headers map[string]string  `json:"headers"`
	Signing *decodeTestSigning `json:"signing"`
	Mode    decodeTestMode     `json:"mode"`
	ignored string
}

// decodeTestMode decodes itself and rejects values above 0o777.
type decodeTestMode uint32

func (m *decodeTestMode) UnmarshalJSON(raw []byte) error {
	var n uint32
	if err := json.Unmarshal(raw, &n); err != nil || n > 0o777 {
		return errors.New("want a permission mode such as 0640")
	}
	*m = decodeTestMode(n)
	return nil
}

func TestDecodeConfigValid(t *testing.T) {
	raw := `{"url":"https://hooks.example/x","retries":3,"sync":false,"headers":{"X-Team":"core"},
		"signing":{"scheme":"turbo","secret":"0123456789abcdef","secrets":["a","b"]},"mode":416}`
	cfg := decodeTestConfig{Retries: 1}

	diags := DecodeConfig(json.RawMessage(raw), &cfg)

	if len(diags) != 0 {
		t.Fatalf("diagnostics = %v, want none", diags)
	}
	want := decodeTestConfig{
		URL: "https://hooks.example/x", Retries: 3, Sync: new(bool),
		Headers: map[string]string{"X-Team": "core"},
		Signing: &decodeTestSigning{Scheme: "turbo", Secret: "0123456789abcdef", Secrets: []Secret{"a", "b"}},
		Mode:    0o640,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("decoded %+v, want %+v", cfg, want)
	}
}

func TestDecodeConfigKeepsDefaults(t *testing.T) {
	cfg := decodeTestConfig{Retries: 5, URL: "https://default.example"}

	if diags := DecodeConfig(json.RawMessage(`{"url":null}`), &cfg); len(diags) != 0 {
		t.Fatalf("diagnostics = %v, want none", diags)
	}
	if cfg.Retries != 5 || cfg.URL != "https://default.example" {
		t.Errorf("defaults lost: %+v", cfg)
	}
}

func TestDecodeConfigEmptyInput(t *testing.T) {
	for _, raw := range []string{"", " ", "null", "{}"} {
		var cfg decodeTestConfig
		if diags := DecodeConfig(json.RawMessage(raw), &cfg); len(diags) != 0 {
			t.Errorf("DecodeConfig(%q) = %v, want none", raw, diags)
		}
	}
}

func TestDecodeConfigDiagnostics(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		wantPath string
		wantText string
	}{
		{"unknown key", `{"colour":"x"}`, "colour", "unknown key; known keys: headers, mode, retries, signing, sync, url"},
		{"misspelt key", `{"ulr":"x"}`, "ulr", `unknown key "ulr"; did you mean "url"?`},
		{"misspelt key with a swap", `{"retires":3}`, "retires", `unknown key "retires"; did you mean "retries"?`},
		{"key in another case", `{"URL":"x"}`, "URL", `unknown key "URL"; did you mean "url"?`},
		{"misspelt nested key", `{"signing":{"sheme":"turbo"}}`, "signing.sheme", `unknown key "sheme"; did you mean "scheme"?`},
		{"unknown nested key", `{"signing":{"key":"turbo"}}`, "signing.key", "unknown key; known keys: scheme, secret, secrets"},
		{"word for int", `{"retries":"three"}`, "retries", `want an integer, got "three"; write a whole number in digits`},
		{"word for bool", `{"sync":"yes"}`, "sync", `want true or false, got "yes"; write true or false`},
		{"number for string", `{"url":3}`, "url", "want a string, got a number"},
		{"list for bool", `{"sync":[true]}`, "sync", "want true or false, got a list"},
		{"string for map", `{"headers":"X-A: b"}`, "headers", "want a map, got a string"},
		{"number in map", `{"headers":{"X-A":1}}`, "headers.X-A", "want a string, got a number"},
		{"number for secret", `{"signing":{"secret":12345}}`, "signing.secret", "want a string, got a number"},
		{"map in list", `{"signing":{"secrets":["a",{"b":1}]}}`, "signing.secrets[1]", "want a string, got a map"},
		{"string for struct", `{"signing":"turbo"}`, "signing", "want a map of keys, got a string"},
		{"custom error", `{"mode":4095}`, "mode", "want a permission mode such as 0640"},
		{"top level list", `[1]`, "", "want a map of keys, got a list"},
		{"invalid JSON", `{"url":`, "", "the config is not valid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cfg decodeTestConfig
			diags := DecodeConfig(json.RawMessage(tc.raw), &cfg)
			if len(diags) != 1 {
				t.Fatalf("diagnostics = %v, want one", diags)
			}
			if diags[0].Path != tc.wantPath {
				t.Errorf("Path = %q, want %q", diags[0].Path, tc.wantPath)
			}
			if diags[0].Message != tc.wantText {
				t.Errorf("Message = %q, want %q", diags[0].Message, tc.wantText)
			}
		})
	}
}

func TestDecodeConfigNeverPrintsValues(t *testing.T) {
	raw := `{"signing":{"secret":["s3cr3t-value"],"secrets":[{"k":"s3cr3t-value"}]},"url":{"s3cr3t-value":1}}`
	var cfg decodeTestConfig

	for _, diag := range DecodeConfig(json.RawMessage(raw), &cfg) {
		if strings.Contains(diag.Message, "s3cr3t-value") {
			t.Errorf("diagnostic %q shows the value", diag.Message)
		}
	}
}

func TestDecodeConfigReportsEveryProblem(t *testing.T) {
	var cfg decodeTestConfig
	diags := DecodeConfig(json.RawMessage(`{"a":1,"b":2,"url":true}`), &cfg)
	if len(diags) != 3 {
		t.Errorf("diagnostics = %v, want 3", diags)
	}
}

func FuzzDecodeConfig(f *testing.F) {
	f.Add(`{"url":"x","headers":{"a":"b"},"signing":{"secrets":["c"]}}`)
	f.Add(`{"mode":416,"sync":null}`)
	f.Add(`[{"x":1}]`)
	f.Fuzz(func(t *testing.T, raw string) {
		var cfg decodeTestConfig
		for _, diag := range DecodeConfig(json.RawMessage(raw), &cfg) {
			if diag.Message == "" {
				t.Errorf("diagnostic at %q has no message", diag.Path)
			}
		}
	})
}

func TestDecodeConfigNumbersAndBoolsFromStrings(t *testing.T) {
	var cfg struct {
		Port int     `json:"port"`
		Rate float64 `json:"rate"`
		TLS  bool    `json:"tls"`
	}
	if diags := DecodeConfig(json.RawMessage(`{"port": "587", "rate": " 0.5", "tls": "false"}`), &cfg); len(diags) != 0 {
		t.Fatalf("DecodeConfig = %+v, want values from ${...} strings accepted", diags)
	}
	if cfg.Port != 587 || cfg.Rate != 0.5 || cfg.TLS {
		t.Errorf("decoded %+v", cfg)
	}
	for _, raw := range []string{`{"port": "five"}`, `{"port": "5e"}`, `{"tls": "yes"}`, `{"port": "[1]"}`} {
		if diags := DecodeConfig(json.RawMessage(raw), &cfg); len(diags) != 1 {
			t.Errorf("DecodeConfig(%s) = %+v, want one problem", raw, diags)
		}
	}
}
