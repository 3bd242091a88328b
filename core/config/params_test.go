package config

import (
	"slices"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

func TestCheckParamsJSONValues(t *testing.T) {
	info := sdk.Info{Name: "chat", TargetParams: []sdk.ParamSpec{
		{Name: "channel", Kind: sdk.ParamString, Required: true},
		{Name: "mentions", Kind: sdk.ParamList},
		{Name: "fields", Kind: sdk.ParamMap},
	}}
	cases := []struct {
		name    string
		params  map[string]any
		want    []ParamReason
		message string
	}{
		{"strings", map[string]any{"channel": "#ops", "mentions": []any{"ana", "ben"}, "fields": map[string]any{"team": "web"}}, nil, ""},
		{"one string as a list", map[string]any{"channel": "#ops", "mentions": "ana"}, nil, ""},
		{"number for a string", map[string]any{"channel": 5.0}, []ParamReason{ParamWrongKind},
			"want a string for parameter channel of connector type chat"},
		{"number in a list", map[string]any{"channel": "#ops", "mentions": []any{"ana", 1.0}}, []ParamReason{ParamWrongKind},
			"want a string or a list of strings for parameter mentions of connector type chat"},
		{"list for a map", map[string]any{"channel": "#ops", "fields": []any{"team"}}, []ParamReason{ParamWrongKind},
			"want a map of strings for parameter fields of connector type chat"},
		{"boolean in a map", map[string]any{"channel": "#ops", "fields": map[string]any{"urgent": true}}, []ParamReason{ParamWrongKind}, ""},
		{"unknown close to a name", map[string]any{"channel": "#ops", "chanel": "#ops"}, []ParamReason{ParamUnknown},
			`unknown parameter "chanel"; did you mean "channel"?`},
		{"missing required", map[string]any{"mentions": "ana"}, []ParamReason{ParamMissing},
			"missing parameter channel, which connector type chat requires"},
		{"unknown before missing", map[string]any{"colour": "red"}, []ParamReason{ParamUnknown, ParamMissing},
			`unknown parameter "colour"; connector type chat takes: channel, mentions, fields`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			problems := CheckParams(tc.params, info)
			var reasons []ParamReason
			for _, p := range problems {
				reasons = append(reasons, p.Reason)
			}
			if !slices.Equal(reasons, tc.want) {
				t.Fatalf("problems = %+v, want reasons %v", problems, tc.want)
			}
			if tc.message != "" && problems[0].Message != tc.message {
				t.Errorf("message = %q, want %q", problems[0].Message, tc.message)
			}
		})
	}

	problems := CheckParams(map[string]any{"chanel": "#ops"}, info)
	if len(problems) == 0 || problems[0].Suggestion != "channel" {
		t.Errorf("problems of chanel = %+v, want the suggestion channel", problems)
	}
}
