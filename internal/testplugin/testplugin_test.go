package testplugin_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/turbocode/switchboard/internal/testplugin"
	"github.com/turbocode/switchboard/sdk/plugintest"
)

const secretToken = "tok-3b9d0c7e1f"

func conformance() plugintest.Config {
	return plugintest.Config{
		Instance: func(baseURL string) json.RawMessage {
			return json.RawMessage(fmt.Sprintf(`{"url":%q,"token":%q}`, baseURL+"/hook", secretToken))
		},
		Invalid: []plugintest.InvalidConfig{
			{Name: "missing url", Config: json.RawMessage(`{"token":"` + secretToken + `"}`), Path: "url"},
			{Name: "url not http", Config: json.RawMessage(`{"url":"ftp://example.com"}`), Path: "url"},
			{Name: "unknown key", Config: json.RawMessage(`{"url":"http://x","tokn":"` + secretToken + `"}`), Path: "tokn"},
			{Name: "short token", Config: json.RawMessage(`{"url":"http://x","token":"abc"}`), Path: "token"},
		},
		Secrets: []string{secretToken},
	}
}

func TestConformanceInProcess(t *testing.T) {
	plugintest.Run(t, testplugin.New(), conformance())
}

func TestConformanceBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin")
	}
	plugintest.RunBinary(t, "./cmd/switchboard-connector-testhook", conformance())
}
