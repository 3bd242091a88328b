package config

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

func TestTurboConnectorNeedsToken(t *testing.T) {
	catalog := fakeCatalog{"turbo": &fakeConnector{info: sdk.Info{Name: "turbo",
		TargetParams: []sdk.ParamSpec{{Name: "action"}}, Capabilities: sdk.Capabilities{TurboAPI: true}}}}
	const blocks = `
connectors:
  act: {type: turbo}
routes:
  - name: r
    events: ["*"]
    to: [{connector: act, action: comment}]
`
	tests := []struct {
		name  string
		turbo string
		want  string
	}{
		{"no token", "", "turbo.api_token is not set"},
		{"token set", "turbo: {api_token: turbo-api-token-0123456789}\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			config := "ingest: {insecure: true}\n" + tc.turbo + blocks
			_, err := Parse("switchboard.yaml", []byte(config), catalog, nil)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Parse: %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Parse: %v, want an error containing %q", err, tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), "http://localhost:8001/api/v1"):
				t.Errorf("Parse: %v, want the API address named", err)
			}
		})
	}
}
