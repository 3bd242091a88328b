package http

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/netguard"
)

// configCase is one file under testdata/config: an invalid config and the
// diagnostics it must produce, in order.
type configCase struct {
	Config json.RawMessage  `json:"config"`
	Want   []sdk.Diagnostic `json:"want"`
}

func TestValidateConfigDiagnostics(t *testing.T) {
	files, err := filepath.Glob("testdata/config/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no config cases found: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var tc configCase
			if err := json.Unmarshal(raw, &tc); err != nil {
				t.Fatalf("parse %s: %v", file, err)
			}

			got := New().ValidateConfig(tc.Config)

			if len(got) != len(tc.Want) {
				t.Fatalf("diagnostics = %+v, want %+v", got, tc.Want)
			}
			for i := range got {
				if got[i] != tc.Want[i] {
					t.Errorf("diagnostic %d = %+v, want %+v", i, got[i], tc.Want[i])
				}
			}
		})
	}
}

func TestValidateConfigAcceptsValidConfigs(t *testing.T) {
	tests := map[string]string{
		"empty (url from targets)": `{}`,
		"url only":                 `{"url":"https://hooks.example.com/turbo"}`,
		"every key": `{"url":"http://127.0.0.1:8080/in","method":"put","headers":{"Authorization":"Bearer abc","X-Team":"core"},
			"content_type":"application/json; charset=utf-8","format":"turbo",
			"signing":{"scheme":"standard-webhooks","secret":"` + standardSecretA + `","secrets":["` + standardSecretB + `"]}}`,
		"turbo signing": `{"url":"https://hooks.example.com/turbo","signing":{"scheme":"turbo","secret":"` + turboSecretA + `"}}`,
		"explicit none": `{"url":"https://hooks.example.com/turbo","signing":{"scheme":"none"}}`,
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			if got := New().ValidateConfig(json.RawMessage(raw)); len(got) != 0 {
				t.Errorf("diagnostics = %+v, want none", got)
			}
		})
	}
}

func TestParseConfigDefaults(t *testing.T) {
	tests := []struct {
		name       string
		raw        string
		wantFormat string
		wantMethod string
	}{
		{"plain", `{"url":"https://h.example/x"}`, formatEnvelope, "POST"},
		{"turbo scheme picks turbo format", `{"signing":{"scheme":"turbo","secret":"` + turboSecretA + `"}}`, formatTurbo, "POST"},
		{"explicit format wins", `{"format":"envelope","signing":{"scheme":"turbo","secret":"` + turboSecretA + `"}}`, formatEnvelope, "POST"},
		{"method upper-cased", `{"method":"patch"}`, formatEnvelope, "PATCH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diagnostics := parseConfig(json.RawMessage(tc.raw))
			if len(diagnostics) != 0 {
				t.Fatalf("diagnostics = %+v", diagnostics)
			}
			if cfg.Format != tc.wantFormat {
				t.Errorf("Format = %q, want %q", cfg.Format, tc.wantFormat)
			}
			if cfg.Method != tc.wantMethod {
				t.Errorf("Method = %q, want %q", cfg.Method, tc.wantMethod)
			}
			if cfg.ContentType != "application/json" {
				t.Errorf("ContentType = %q, want application/json", cfg.ContentType)
			}
		})
	}
}

func TestValidateConfigHidesSecrets(t *testing.T) {
	secrets := []string{"short-s3cret", "whsec_not*base64-s3cret", "Bearer hunter2-token\n"}
	raw := `{"headers":{"Authorization":"Bearer hunter2-token\n"},"signing":{"scheme":"standard-webhooks","secrets":["short-s3cret","whsec_not*base64-s3cret"]}}`

	diagnostics := New().ValidateConfig(json.RawMessage(raw))

	if len(diagnostics) != 3 {
		t.Fatalf("diagnostics = %+v, want 3", diagnostics)
	}
	for _, d := range diagnostics {
		for _, secret := range secrets {
			if strings.Contains(d.Message, strings.TrimSpace(secret)) {
				t.Errorf("diagnostic %q shows a secret", d.Message)
			}
		}
	}
}

func TestInfo(t *testing.T) {
	info := New().Info()
	if info.Name != "http" || info.Markup != sdk.MarkupJSON || info.Capabilities.Ordered {
		t.Errorf("Info = %+v", info)
	}
	params := map[string]sdk.ParamKind{}
	for _, p := range info.TargetParams {
		params[p.Name] = p.Kind
		if p.Required {
			t.Errorf("target param %s is required, want optional", p.Name)
		}
	}
	if kind, ok := params["url"]; !ok || kind != sdk.ParamString {
		t.Errorf("target param url = %v, %v; want a string", kind, ok)
	}
	if kind, ok := params["headers"]; !ok || kind != sdk.ParamMap {
		t.Errorf("target param headers = %v, %v; want a map", kind, ok)
	}
	if len(info.DestinationParams) != 1 || info.DestinationParams[0] != "url" {
		t.Errorf("DestinationParams = %v, want [url]", info.DestinationParams)
	}
}

func FuzzValidateConfig(f *testing.F) {
	f.Add(`{"url":"https://h.example/x","headers":{"A":"b"},"signing":{"scheme":"turbo","secret":"0123456789abcdef"}}`)
	f.Add(`{"signing":{"scheme":"standard-webhooks","secrets":["whsec_x"]}}`)
	f.Add(`{"url":"::","method":1}`)
	f.Fuzz(func(t *testing.T, raw string) {
		for _, d := range New().ValidateConfig(json.RawMessage(raw)) {
			if d.Message == "" {
				t.Errorf("diagnostic at %q has no message", d.Path)
			}
		}
	})
}

func TestParseDestinationRejectsNumericHosts(t *testing.T) {
	tests := []struct {
		raw     string
		invalid bool
	}{
		{"http://2130706433:18480/x", true},
		{"http://0x7f000001/x", true},
		{"https://0177.0.0.1/x", true},
		{"http://127.1/x", true},
		{"http://127.0.0.1:18480/x", false},
		{"http://[::1]:18480/x", false},
		{"https://hooks.example.com/x", false},
	}
	for _, tt := range tests {
		_, err := parseDestination(tt.raw)
		var invalid *netguard.InvalidHostError
		if got := errors.As(err, &invalid); got != tt.invalid {
			t.Errorf("parseDestination(%s) = %v, want an InvalidHostError %t", tt.raw, err, tt.invalid)
		}
	}
}
