package file

import (
	"encoding/json"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

func TestValidateTarget(t *testing.T) {
	withDir := json.RawMessage(`{"dir": "/var/lib/switchboard/audit"}`)
	withPath := json.RawMessage(`{"path": "/var/lib/switchboard/audit.jsonl"}`)
	tests := []struct {
		name   string
		config json.RawMessage
		target sdk.TargetSpec
		want   string
	}{
		{"config path", withPath, sdk.TargetSpec{}, ""},
		{"target path inside dir", withDir, sdk.TargetSpec{Literal: sdk.Params{"path": "team/a.jsonl"}}, ""},
		{"templated path", withDir, sdk.TargetSpec{Templated: []string{"path"}}, ""},
		{"target path without dir", withPath, sdk.TargetSpec{Literal: sdk.Params{"path": "a.jsonl"}},
			"the target sets path, but the connector has no dir to keep it in; set dir on the connector"},
		{"target path leaving dir", withDir, sdk.TargetSpec{Literal: sdk.Params{"path": "../escape.jsonl"}},
			`path "../escape.jsonl" is not a file inside dir; use a relative path such as team/deliveries.jsonl`},
		{"absolute target path", withDir, sdk.TargetSpec{Literal: sdk.Params{"path": "/etc/passwd"}},
			`path "/etc/passwd" is not a file inside dir; use a relative path such as team/deliveries.jsonl`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := New().ValidateTarget(tt.config, tt.target)
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("ValidateTarget = %+v, want no problem", got)
			case tt.want != "" && (len(got) != 1 || got[0].Message != tt.want || got[0].Path != "path"):
				t.Errorf("ValidateTarget = %+v, want one problem at path: %s", got, tt.want)
			}
		})
	}
}
