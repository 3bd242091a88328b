package admin

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

const testToken = "admin-token-for-tests-0123456789"

func TestTokenRedact(t *testing.T) {
	tc, err := newTokenChecker(sdk.Secret(testToken))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"no token here", "no token here"},
		{"route=" + testToken, "route=<admin token>"},
		{testToken + " and " + testToken + "!", "<admin token> and <admin token>!"},
		{testToken[:10], testToken[:10]},
	}
	for _, tc2 := range tests {
		if got := tc.redact(tc2.in); got != tc2.want {
			t.Errorf("redact(%q) = %q, want %q", tc2.in, got, tc2.want)
		}
	}
}

func TestOperatorText(t *testing.T) {
	tc, err := newTokenChecker(sdk.Secret(testToken))
	if err != nil {
		t.Fatal(err)
	}
	s := &server{token: tc}
	tests := []struct {
		name, in, want, problem string
	}{
		{"trimmed", "  night work ", "night work", ""},
		{"empty", "", "", ""},
		{"too long", strings.Repeat("x", 501), "", "longer than 500 characters"},
		{"line break", "one\ntwo", "", "control character"},
		{"admin token", "token is " + testToken, "", "contains the admin token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.operatorText("reason", tt.in, maxReasonLength)
			if tt.problem == "" {
				if err != nil || got != tt.want {
					t.Errorf("operatorText(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.problem) || strings.Contains(err.Error(), testToken) {
				t.Errorf("operatorText(%q) error = %v, want one that says %q without the token", tt.in, err, tt.problem)
			}
		})
	}
}

func TestCutAtRuneBoundary(t *testing.T) {
	if got := cut("ab€cd", 4); got != "ab…" {
		t.Errorf("cut = %q, want the euro sign left out whole", got)
	}
	if got := cut("abc", 3); got != "abc" {
		t.Errorf("cut of a short text = %q", got)
	}
}
