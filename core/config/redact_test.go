package config

import (
	"reflect"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

func TestTargetRedact(t *testing.T) {
	target := Target{Referenced: map[string]bool{"url": true, "to[1]": true, "headers.X-Key": true}}
	tests := []struct {
		name string
		in   sdk.Params
		want sdk.Params
	}{
		{"rendered shapes",
			sdk.Params{"url": "https://h/secret", "to": []string{"a@x", "b@x"}, "headers": map[string]string{"X-Key": "k", "X-Other": "o"}, "channel": "#c"},
			sdk.Params{"url": Redacted, "to": []string{"a@x", Redacted}, "headers": map[string]string{"X-Key": Redacted, "X-Other": "o"}, "channel": "#c"}},
		{"decoded from JSON",
			sdk.Params{"url": "https://h/secret", "to": []any{"a@x", "b@x"}, "headers": map[string]any{"X-Key": "k", "X-Other": "o"}},
			sdk.Params{"url": Redacted, "to": []any{"a@x", Redacted}, "headers": map[string]any{"X-Key": Redacted, "X-Other": "o"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := target.Redact(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Redact = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRedactAllHidesEveryValue(t *testing.T) {
	got := RedactAll(sdk.Params{"url": "u", "to": []any{"a"}, "headers": map[string]any{"k": "v"}})
	want := sdk.Params{"url": Redacted, "to": []any{Redacted}, "headers": map[string]any{"k": Redacted}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RedactAll = %v, want %v", got, want)
	}
}
