package email

import (
	"encoding/json"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

func TestValidateTarget(t *testing.T) {
	config := json.RawMessage(`{"host":"smtp.example.com","from":"turbo@example.com"}`)
	tests := []struct {
		name   string
		target sdk.TargetSpec
		want   []sdk.Diagnostic
	}{
		{"literal list", sdk.TargetSpec{Literal: sdk.Params{"to": []string{"lead@example.com", "Dev <dev@example.com>"}}}, nil},
		{"literal string", sdk.TargetSpec{Literal: sdk.Params{"to": "lead@example.com"}}, nil},
		{"templated list", sdk.TargetSpec{Templated: []string{"to"}}, nil},
		{"literal subject", sdk.TargetSpec{Literal: sdk.Params{"to": "a@example.com", "subject": "Urgent"}}, nil},
		{"invalid address", sdk.TargetSpec{Literal: sdk.Params{"to": []string{"lead@example.com", "#urgent"}}},
			[]sdk.Diagnostic{{Path: "to", Message: `invalid address "#urgent": mail: missing '@' or angle-addr`}}},
		{"empty list", sdk.TargetSpec{Literal: sdk.Params{"to": []string{""}}},
			[]sdk.Diagnostic{{Path: "to", Message: "empty; list at least one address"}}},
		{"subject with a line break", sdk.TargetSpec{Literal: sdk.Params{"to": "a@example.com", "subject": "a\r\nBcc: b@example.com"}},
			[]sdk.Diagnostic{{Path: "subject", Message: "contains a line break or another control character; remove it"}}},
		{"split templated", sdk.TargetSpec{Literal: sdk.Params{"split_templated": "true"}, Templated: []string{"to"}}, nil},
		{"split templated from a template", sdk.TargetSpec{Templated: []string{"split_templated", "to"}},
			[]sdk.Diagnostic{{Path: "split_templated", Message: "is a template; write true or false, because event data must not decide how its own addresses are read"}}},
		{"split templated not a boolean", sdk.TargetSpec{Literal: sdk.Params{"split_templated": "yes"}, Templated: []string{"to"}},
			[]sdk.Diagnostic{{Path: "split_templated", Message: `"yes" is neither true nor false; write one of them`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := New().ValidateTarget(config, tc.target)
			if len(got) != len(tc.want) {
				t.Fatalf("ValidateTarget = %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("diagnostic %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}
