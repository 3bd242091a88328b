package config

import (
	"strings"
	"testing"
)

func TestMaskErrors(t *testing.T) {
	cfg := &Config{expanded: map[string][]string{
		"routes[0].if":           {"HDRSEC-m1n2b3v4c5x6"},
		"routes[1].to[0].url":    {"https://hooks.example.com/T0/abcdefgh"},
		"connectors.hook.secret": {"abc"},
		"connectors.c.method":    {"Top-Secret-Token9"},
	}}
	tests := []struct {
		name, path, message, want string
	}{
		{"pieces in the same key", "routes[0].if", "undeclared reference to 'HDRSEC' and 'm1n2b3v4c5x6'",
			"undeclared reference to '<secret>' and '<secret>'"},
		{"a key inside the error's", "routes[1]", "bad url https://hooks.example.com/T0/abcdefgh",
			"bad url <secret>"},
		{"another key", "routes[2].if", "undeclared reference to 'HDRSEC'", "undeclared reference to 'HDRSEC'"},
		{"short values stay", "connectors.hook.secret", "value abc is short", "value abc is short"},
		{"no path", "", "HDRSEC in a file-wide problem", "<secret> in a file-wide problem"},
		{"another letter case", "routes[0].if", `unsupported method "hdrsec-M1N2B3V4C5X6"`, `unsupported method "<secret>"`},
		{"a mask stays whole", "connectors.c.method", `unsupported method "<secret>" (TOP-SECRET-TOKEN9)`,
			`unsupported method "<secret>" (<secret>)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cfg.MaskErrors(Errors{{At: Position{Path: tt.path}, Message: tt.message}})[0].Message
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("masked %q = %q, want it to start %q", tt.message, got, tt.want)
			}
			if changed := got != tt.message; changed != strings.Contains(got, "stands for a value of a ${...} reference") {
				t.Errorf("masked %q = %q: a masked message must say what <secret> stands for, and only then", tt.message, got)
			}
		})
	}
}

func TestRedactReferencedInAnyCase(t *testing.T) {
	values := []string{"MixedCase-Secret-Value-77"}
	tests := []struct{ message, want string }{
		{`unsupported method "MIXEDCASE-SECRET-VALUE-77"`, `unsupported method "<secret>"`},
		{`tls mixedcase-secret-value-77 is unknown`, `tls <secret> is unknown`},
		{`method "MixedCase-Secret-Value-77"`, `method "<secret>"`},
	}
	for _, tt := range tests {
		if got := redactReferenced(tt.message, values); got != tt.want {
			t.Errorf("redactReferenced(%q) = %q, want %q", tt.message, got, tt.want)
		}
	}
	dotless := []string{"ısecret-value-ı77"}
	if got := redactReferenced(`unsupported method "ISECRET-VALUE-I77"`, dotless); got != `unsupported method "<secret>"` {
		t.Errorf("upper-cased dotless ı: got %q", got)
	}
}
