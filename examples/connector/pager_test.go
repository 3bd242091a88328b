package pager_test

import (
	"encoding/json"
	"testing"

	pager "github.com/turbocode/switchboard/examples/connector"
	"github.com/turbocode/switchboard/sdk/plugintest"
)

var conformance = plugintest.Config{
	Instance: func(baseURL string) json.RawMessage {
		return json.RawMessage(`{"url": "` + baseURL + `/page", "token": "tok-5b1e9c2d"}`)
	},
	Invalid: []plugintest.InvalidConfig{{Name: "no url", Config: json.RawMessage(`{}`), Path: "url"}},
	Secrets: []string{"tok-5b1e9c2d"},
}

func TestConformance(t *testing.T) { plugintest.Run(t, pager.New(), conformance) }

func TestConformanceBinary(t *testing.T) {
	plugintest.RunBinary(t, "./cmd/switchboard-connector-pager", conformance)
}
