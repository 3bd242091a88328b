package teams_test

import (
	"encoding/json"
	"testing"

	"github.com/turbocode/switchboard/plugins/teams"
	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/plugintest"
)

// conformanceSig is the webhook signature of the conformance checks' config,
// which no result or log line may show.
const conformanceSig = "conformance-sig-7Qd2kX9p"

func conformance() plugintest.Config {
	return plugintest.Config{
		Instance: func(baseURL string) json.RawMessage {
			hook := baseURL + "/workflows/4f1c/triggers/manual/paths/invoke?api-version=2016-06-01&sv=1.0&sig=" + conformanceSig
			config, _ := json.Marshal(map[string]any{"webhook_url": hook})
			return config
		},
		Invalid: []plugintest.InvalidConfig{
			{Name: "webhook not http", Config: json.RawMessage(`{"webhook_url": "ftp://example.com/hook?sig=` + conformanceSig + `"}`), Path: "webhook_url"},
			{Name: "size over the limit", Config: json.RawMessage(`{"max_message_bytes": 64000}`), Path: "max_message_bytes"},
			{Name: "unknown key", Config: json.RawMessage(`{"webhook_ulr": "https://example.com/hook"}`), Path: "webhook_ulr"},
		},
		Secrets: []string{conformanceSig},
		// Workflows responds 202 with an empty body.
		Options: []connectortest.Option{connectortest.WithSuccessBody("text/plain", "")},
	}
}

func TestConformanceInProcess(t *testing.T) {
	plugintest.Run(t, teams.New(), conformance())
}

func TestConformanceBinary(t *testing.T) {
	plugintest.RunBinary(t, "./cmd/switchboard-connector-teams", conformance())
}
