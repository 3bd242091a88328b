package email

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRecipients(t *testing.T) {
	got, err := parseRecipients([]string{"lead@example.com", " ", `"Doe, Jane" <jane@example.com>, qa@example.com`, "Lead@Example.com"})
	if err != nil {
		t.Fatal(err)
	}
	var addresses []string
	for _, a := range got {
		addresses = append(addresses, a.Address)
	}
	if strings.Join(addresses, " ") != "lead@example.com jane@example.com qa@example.com" {
		t.Errorf("addresses = %v", addresses)
	}
	if got[1].Name != "Doe, Jane" {
		t.Errorf("name = %q, want Doe, Jane", got[1].Name)
	}
}

func TestParseRecipientsErrors(t *testing.T) {
	tests := []struct {
		name  string
		items []string
		want  string
	}{
		{"none", []string{"", "  "}, "no recipients"},
		{"invalid", []string{"a@example.com", "b.example.com"}, `invalid recipient "b.example.com" in to[1]`},
		{"line break", []string{"a@example.com\nBcc: c@example.com"}, "in to[0]: it contains a line break"},
		{"too many", []string{manyAddresses(101)}, "101 recipients"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseRecipients(tc.items)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func manyAddresses(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = "user" + strings.Repeat("x", i) + "@example.com"
	}
	return strings.Join(parts, ", ")
}

func FuzzParseRecipients(f *testing.F) {
	f.Add("lead@example.com, Dev <dev@example.com>")
	f.Add("\"a\r\nb\" <c@d>")
	f.Add("=?utf-8?q?J=C3=BCrgen?= <j@example.com>")
	f.Fuzz(func(t *testing.T, item string) {
		recipients, err := parseRecipients([]string{item})
		if err != nil {
			var invalid *recipientError
			if !errors.As(err, &invalid) && !errors.Is(err, errNoRecipients) && !strings.Contains(err.Error(), "recipients") {
				t.Errorf("parseRecipients(%q) error %v has no known form", item, err)
			}
			return
		}
		for _, r := range recipients {
			if hasControl(r.Address) || hasControl(r.String()) {
				t.Errorf("parseRecipients(%q) returned %q with a control character", item, r.String())
			}
		}
	})
}
