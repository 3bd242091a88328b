package teams

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

const workflowURL = "https://prod-07.westus.logic.azure.com:443/workflows/4f1c/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=config-test-signature"

func TestValidateConfig(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		wantPath string
		want     string
	}{
		{"valid", `{"webhook_url": "` + workflowURL + `"}`, "", ""},
		{"no webhook", `{}`, "", ""},
		{"size at the limit", `{"max_message_bytes": 28000}`, "", ""},
		{"number as string", `{"max_message_bytes": "12000"}`, "", ""},
		{"ftp", `{"webhook_url": "ftp://example.com/hook?sig=abcdef"}`, "webhook_url", `scheme "ftp"`},
		{"relative", `{"webhook_url": "/workflows/1"}`, "webhook_url", "scheme"},
		{"user info", `{"webhook_url": "https://u:p@example.com/hook"}`, "webhook_url", "user name or password"},
		{"size too large", `{"max_message_bytes": 30000}`, "max_message_bytes", "set 1024 to 28000"},
		{"size too small", `{"max_message_bytes": 100}`, "max_message_bytes", "out of range"},
		{"unknown key", `{"webhook_ulr": "x"}`, "webhook_ulr", `did you mean "webhook_url"`},
		{"wrong type", `{"webhook_url": 42}`, "webhook_url", "want a string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diagnostics := New().ValidateConfig(json.RawMessage(tc.config))

			if tc.want == "" {
				if len(diagnostics) > 0 {
					t.Errorf("diagnostics = %+v, want none", diagnostics)
				}
				return
			}
			if len(diagnostics) != 1 {
				t.Fatalf("diagnostics = %+v, want 1", diagnostics)
			}
			if diagnostics[0].Path != tc.wantPath || !strings.Contains(diagnostics[0].Message, tc.want) {
				t.Errorf("diagnostic = %+v, want path %q and a message containing %q", diagnostics[0], tc.wantPath, tc.want)
			}
			if strings.Contains(diagnostics[0].Message, "abcdef") {
				t.Errorf("message %q shows the URL's signature", diagnostics[0].Message)
			}
		})
	}
}

func TestValidateTarget(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		target   sdk.TargetSpec
		wantPath string
		want     string
	}{
		{"connector webhook", `{"webhook_url": "` + workflowURL + `"}`, sdk.TargetSpec{}, "", ""},
		{"target webhook", `{}`, sdk.TargetSpec{Literal: sdk.Params{"webhook_url": workflowURL}}, "", ""},
		{"templated webhook", `{}`, sdk.TargetSpec{Templated: []string{"webhook_url"}}, "", ""},
		{"nowhere to send", `{}`, sdk.TargetSpec{}, "", "set webhook_url on the connector or on the target"},
		{"literal not a URL", `{}`, sdk.TargetSpec{Literal: sdk.Params{"webhook_url": "teams-ops"}}, "webhook_url", "scheme"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diagnostics := New().ValidateTarget(json.RawMessage(tc.config), tc.target)

			if tc.want == "" {
				if len(diagnostics) > 0 {
					t.Errorf("diagnostics = %+v, want none", diagnostics)
				}
				return
			}
			if len(diagnostics) != 1 || diagnostics[0].Path != tc.wantPath || !strings.Contains(diagnostics[0].Message, tc.want) {
				t.Errorf("diagnostics = %+v, want one at %q containing %q", diagnostics, tc.wantPath, tc.want)
			}
		})
	}
}

func TestConfigSchemaIsJSON(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal(New().Info().ConfigSchema, &schema); err != nil {
		t.Fatalf("ConfigSchema is not JSON: %v", err)
	}
	properties, _ := schema["properties"].(map[string]any)
	for _, key := range []string{"webhook_url", "max_message_bytes"} {
		if _, ok := properties[key]; !ok {
			t.Errorf("the schema does not describe %s", key)
		}
	}
}

func TestRetiredConnectorURLIsLogged(t *testing.T) {
	_, logs := configure(t, map[string]any{"webhook_url": "https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456"}, nil, false)

	if !strings.Contains(logs.String(), "Microsoft retires") {
		t.Errorf("no warning about the retired connector; logs:\n%s", logs)
	}
	if strings.Contains(logs.String(), "IncomingWebhook/123") {
		t.Errorf("the warning shows the URL's path; logs:\n%s", logs)
	}
}
