package config

import (
	"encoding/json"
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

// oneWayConnector calls Turbo's API unless its direction option is "out",
// as the github connector does unless it syncs to GitHub only.
type oneWayConnector struct{ fakeConnector }

func (oneWayConnector) UsesTurboAPI(raw json.RawMessage) (bool, string) {
	var options struct {
		Direction string `json:"direction"`
	}
	json.Unmarshal(raw, &options)
	return options.Direction != "out", "set direction: out"
}

func TestConnectorConfigDecidesTurboToken(t *testing.T) {
	catalog := fakeCatalog{"sync": &oneWayConnector{fakeConnector{info: sdk.Info{Name: "sync"}}}}
	tests := []struct {
		name      string
		direction string
		turbo     string
		want      string
	}{
		{"both ways without token", "both", "", "turbo.api_token is not set"},
		{"both ways names the alternative", "both", "", "or set direction: out"},
		{"one way without token", "out", "", ""},
		{"both ways with token", "both", "turbo: {api_token: turbo-api-token-0123456789}\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			config := "ingest: {insecure: true}\n" + tc.turbo + "connectors:\n  gh: {type: sync, direction: " + tc.direction + "}\n" +
				"routes:\n  - name: r\n    events: [\"*\"]\n    to: [{connector: gh}]\n"
			_, err := Parse("switchboard.yaml", []byte(config), catalog, nil)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Parse: %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Parse: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
