package main

import "testing"

func TestConnectorDetail(t *testing.T) {
	cases := []struct {
		name string
		cs   connectorState
		want string
	}{
		{"healthy shows health", connectorState{Status: "ok", Health: "the token of switchboard-bot can read acme/web"},
			"the token of switchboard-bot can read acme/web"},
		{"last error first", connectorState{Status: "ok", LastError: "404 Not Found", Health: "reachable"}, "404 Not Found"},
		{"failed health", connectorState{Status: "failed", Health: "GitHub rejected the token"}, "GitHub rejected the token"},
		{"paused", connectorState{Status: "paused", PauseReason: "night", Health: "reachable"}, "night"},
		{"pause state unknown", connectorState{Status: "unknown", PauseError: "pause state unknown: store unavailable", LastError: "404 Not Found"},
			"pause state unknown: store unavailable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := connectorDetail(tc.cs); got != tc.want {
				t.Errorf("detail = %q, want %q", got, tc.want)
			}
		})
	}
}
