package discord

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
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
			for _, d := range got {
				if strings.Contains(d.Message, "SECRETTOKEN") {
					t.Errorf("diagnostic %+v shows the token", d)
				}
			}
		})
	}
}

func TestValidateConfigAcceptsValidConfigs(t *testing.T) {
	tests := map[string]string{
		"empty (webhooks from targets)": `{}`,
		"webhook":                       `{"webhook_url":"https://discord.com/api/webhooks/1180000000000000001/abc-DEF_123"}`,
		"webhook with identity": `{"webhook_url":"https://discord.com/api/v10/webhooks/1180000000000000001/abc?thread_id=1180000000000000002",
			"username":"Turbo","avatar_url":"https://turbo.example.com/logo.png"}`,
		"bot":                `{"token":"abc.def.ghi"}`,
		"bot with prefix":    `{"token":"Bot abc.def.ghi"}`,
		"bot with api_url":   `{"token":"abc","api_url":"http://127.0.0.1:8080/api/"}`,
		"default api_url":    `{"webhook_url":"https://discord.com/api/webhooks/1180000000000000001/abc","api_url":"https://discord.com/api"}`,
		"canary webhook URL": `{"webhook_url":"https://canary.discord.com/api/webhooks/1180000000000000001/abc"}`,
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			if got := New().ValidateConfig(json.RawMessage(raw)); len(got) != 0 {
				t.Errorf("diagnostics = %+v, want none", got)
			}
		})
	}
}

func TestParseConfigStripsBotPrefix(t *testing.T) {
	cfg, diagnostics := parseConfig(json.RawMessage(`{"token":"Bot abc.def"}`))
	if len(diagnostics) != 0 {
		t.Fatalf("diagnostics = %+v", diagnostics)
	}
	if cfg.Token.Reveal() != "abc.def" {
		t.Errorf("token = %q, want it without the Bot prefix", cfg.Token.Reveal())
	}
	if !cfg.botMode() {
		t.Error("botMode() = false for a config with a token")
	}
}
