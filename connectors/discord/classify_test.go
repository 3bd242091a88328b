package discord

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestFormErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"nested", `{"embeds":{"0":{"fields":{"2":{"value":{"_errors":[{"code":"BASE_TYPE_REQUIRED","message":"This field is required"}]}}}}}}`,
			"embeds.0.fields.2.value: This field is required"},
		{"top level", `{"_errors":[{"message":"Embed size exceeds maximum size of 6000"}]}`, "Embed size exceeds maximum size of 6000"},
		{"missing", ``, "no details given"},
		{"empty", `{}`, "no details given"},
		{"many", `{"a":{"_errors":[{"message":"1"},{"message":"2"},{"message":"3"}]},"b":{"_errors":[{"message":"4"},{"message":"5"},{"message":"6"}]}}`,
			"a: 1; a: 2; a: 3; b: 4; b: 5; and 1 more"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := formErrors(json.RawMessage(tc.raw)); got != tc.want {
				t.Errorf("formErrors = %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzFormErrors(f *testing.F) {
	f.Add(`{"embeds":{"0":{"title":{"_errors":[{"message":"Must be 256 or fewer in length."}]}}}}`)
	f.Add(`{"_errors":[]}`)
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, raw string) {
		got := formErrors(json.RawMessage(raw))
		if got == "" {
			t.Errorf("formErrors(%q) is empty", raw)
		}
		if n := strings.Count(got, "; "); n > maxFormErrors {
			t.Errorf("formErrors(%q) lists %d problems, want at most %d and a count", raw, n+1, maxFormErrors+1)
		}
	})
}

func TestSecondsDuration(t *testing.T) {
	tests := map[float64]time.Duration{
		0: 0, -1: 0, 1.5: 1500 * time.Millisecond, 0.0001: time.Millisecond, 64.57: 64570 * time.Millisecond, 1e300: 1<<63 - 1,
	}
	for seconds, want := range tests {
		if got := secondsDuration(seconds); got != want {
			t.Errorf("secondsDuration(%v) = %v, want %v", seconds, got, want)
		}
	}
}
