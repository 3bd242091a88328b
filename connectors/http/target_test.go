package http

import (
	"encoding/json"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

func TestValidateTarget(t *testing.T) {
	withURL := json.RawMessage(`{"url": "https://hooks.example.com/turbo"}`)
	withoutURL := json.RawMessage(`{}`)
	tests := []struct {
		name   string
		config json.RawMessage
		target sdk.TargetSpec
		want   []sdk.Diagnostic
	}{
		{"connector url", withURL, sdk.TargetSpec{}, nil},
		{"target url", withoutURL, sdk.TargetSpec{Literal: sdk.Params{"url": "https://other.example/x"}}, nil},
		{"templated url", withoutURL, sdk.TargetSpec{Templated: []string{"url"}}, nil},
		{"nowhere to send", withoutURL, sdk.TargetSpec{Literal: sdk.Params{"headers": map[string]string{"X": "1"}}},
			[]sdk.Diagnostic{{Message: "the connector has no url and this target sets none; set url on the connector or on the target"}}},
		{"ftp target url", withURL, sdk.TargetSpec{Literal: sdk.Params{"url": "ftp://files.example/x"}},
			[]sdk.Diagnostic{{Path: "url", Message: `URL ftp://files.example/<redacted> has scheme "ftp"; use http or https`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := New().ValidateTarget(tt.config, tt.target)
			if len(got) != len(tt.want) {
				t.Fatalf("ValidateTarget = %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("diagnostic %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
