package config

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

// uniqueKeyConnector rejects a key option that two of its instances share.
type uniqueKeyConnector struct{ fakeConnector }

func (*uniqueKeyConnector) ValidateConfigSet(configs []sdk.NamedConfig) []sdk.InstanceDiagnostic {
	seen := map[string]string{}
	var out []sdk.InstanceDiagnostic
	for _, named := range configs {
		var options struct {
			Key string `json:"key"`
		}
		json.Unmarshal(named.Config, &options)
		if first, ok := seen[options.Key]; ok {
			out = append(out, sdk.InstanceDiagnostic{Instance: named.Name,
				Diagnostic: sdk.Diagnostic{Path: "key", Message: "key " + options.Key + " is used by " + first + " too"}})
		}
		seen[options.Key] = named.Name
	}
	return out
}

const configSetYAML = `
connectors:
  first:
    type: sync
    key: ${SHARED_KEY}
  second:
    type: sync
    key: ${SHARED_KEY}
  third:
    type: sync
    key: other
routes:
  - name: all
    events: ["issue.*"]
    to: [{connector: first}, {connector: second}, {connector: third}]
`

func TestConfigSetProblemAtInstance(t *testing.T) {
	catalog := testCatalog()
	catalog["sync"] = &uniqueKeyConnector{fakeConnector{info: sdk.Info{Name: "sync"}}}

	_, err := Parse("sync.yaml", []byte(configSetYAML), catalog, envOf(map[string]string{"SHARED_KEY": "shared-key-0123456789"}))

	if err == nil {
		t.Fatal("Parse accepted two instances with one key")
	}
	text := err.Error()
	if !strings.Contains(text, "sync.yaml:8:10: connectors.second.key: key <secret> is used by first too") {
		t.Errorf("error not at the second instance's key, or the key not redacted:\n%s", text)
	}
	if strings.Count(text, "is used by") != 1 {
		t.Errorf("want one error:\n%s", text)
	}
}
