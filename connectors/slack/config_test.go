package slack

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
		})
	}
}

func TestValidateConfigAcceptsValidConfigs(t *testing.T) {
	tests := map[string]string{
		"token":   `{"token":"xoxb-1-2"}`,
		"webhook": `{"webhook_url":"https://hooks.slack.com/services/T0/B0/abc"}`,
		"every token key": `{"token":"xoxb-1-2","api_url":"http://127.0.0.1:9000/api","channel":"C0123456789","thread":true,
			"username":"Turbo","icon_url":"https://example.com/t.png"}`,
		"webhook with identity": `{"webhook_url":"https://chat.example.com/hooks/abc","username":"Turbo","icon_emoji":":rotating_light:"}`,
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			if got := New().ValidateConfig(json.RawMessage(raw)); len(got) != 0 {
				t.Errorf("diagnostics = %+v, want none", got)
			}
		})
	}
}

func TestParseConfigAPIURL(t *testing.T) {
	tests := []struct {
		raw  string
		want string
	}{
		{`{"token":"xoxb-1-2"}`, "https://slack.com/api/"},
		{`{"token":"xoxb-1-2","api_url":"http://127.0.0.1:9000/api"}`, "http://127.0.0.1:9000/api/"},
		{`{"token":"xoxb-1-2","api_url":"https://chat.example/api/"}`, "https://chat.example/api/"},
		{`{"webhook_url":"https://hooks.slack.com/services/T0/B0/abc"}`, ""},
	}
	for _, tc := range tests {
		cfg, diagnostics := parseConfig(json.RawMessage(tc.raw))
		if len(diagnostics) != 0 {
			t.Fatalf("%s: diagnostics = %+v", tc.raw, diagnostics)
		}
		if cfg.APIURL != tc.want {
			t.Errorf("%s: APIURL = %q, want %q", tc.raw, cfg.APIURL, tc.want)
		}
	}
}

func TestValidateConfigHidesSecrets(t *testing.T) {
	raw := `{"token":"xoxb-secret-token-value\n","webhook_url":"ftp://hooks.slack.com/services/T0/B0/webhook-secret-part"}`
	diagnostics := New().ValidateConfig(json.RawMessage(raw))
	if len(diagnostics) < 2 {
		t.Fatalf("diagnostics = %+v, want one for each key", diagnostics)
	}
	for _, d := range diagnostics {
		if strings.Contains(d.Message, "secret-token-value") || strings.Contains(d.Message, "webhook-secret-part") {
			t.Errorf("diagnostic %q shows a secret", d.Message)
		}
	}
}

func TestInfo(t *testing.T) {
	info := New().Info()
	if info.Name != "slack" || info.Markup != sdk.MarkupSlack {
		t.Errorf("Name, Markup = %q, %q", info.Name, info.Markup)
	}
	if !info.Capabilities.Ordered || !info.Capabilities.State {
		t.Errorf("Capabilities = %+v, want ordered with state, for threads", info.Capabilities)
	}
	if rl := info.Capabilities.RateLimit; rl == nil || rl.PerSecond != 1 || rl.Burst != 1 {
		t.Errorf("RateLimit = %+v, want one message a second", rl)
	}
	if len(info.DestinationParams) != 1 || info.DestinationParams[0] != paramChannel {
		t.Errorf("DestinationParams = %v, want [channel]", info.DestinationParams)
	}
	kinds := map[string]sdk.ParamKind{}
	for _, p := range info.TargetParams {
		kinds[p.Name] = p.Kind
	}
	if kinds[paramChannel] != sdk.ParamString || kinds[paramThread] != sdk.ParamString || kinds[paramMentions] != sdk.ParamList {
		t.Errorf("TargetParams = %+v", info.TargetParams)
	}
	if len(info.SecretPaths) != 2 {
		t.Errorf("SecretPaths = %v, want token and webhook_url", info.SecretPaths)
	}
}

func FuzzValidateConfig(f *testing.F) {
	f.Add(`{"token":"xoxb-1-2","channel":"#urgent","thread":true}`)
	f.Add(`{"webhook_url":"https://hooks.slack.com/services/T0/B0/abc","username":"x"}`)
	f.Add(`{"token":"","webhook_url":"::","icon_emoji":":a:","icon_url":"ftp://x"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, raw string) {
		diagnostics := New().ValidateConfig(json.RawMessage(raw))
		cfg, _ := parseConfig(json.RawMessage(raw))
		if len(diagnostics) == 0 && cfg.Token == "" && cfg.WebhookURL == "" {
			t.Errorf("config %q has no credentials but passed", raw)
		}
	})
}
