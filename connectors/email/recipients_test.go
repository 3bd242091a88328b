package email

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRecipients(t *testing.T) {
	got, err := parseRecipients(literalItems([]string{"lead@example.com", " ", `"Doe, Jane" <jane@example.com>, qa@example.com`, "Lead@Example.com"}), false)
	if err != nil {
		t.Fatal(err)
	}
	var addresses []string
	for _, a := range got.Addresses {
		addresses = append(addresses, a.Address)
	}
	if strings.Join(addresses, " ") != "lead@example.com jane@example.com qa@example.com" {
		t.Errorf("addresses = %v", addresses)
	}
	if got.Addresses[1].Name != "Doe, Jane" {
		t.Errorf("name = %q, want Doe, Jane", got.Addresses[1].Name)
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
			_, err := parseRecipients(literalItems(tc.items), false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParseRecipientsTemplated(t *testing.T) {
	const team = "team@example.com"
	tests := []struct {
		name        string
		templated   string
		split       bool
		want        []string
		wantDropped string
	}{
		{"one address", "lead@example.com", false, []string{team, "lead@example.com"}, ""},
		{"display name with comma", `"Doe, Jane" <jane@example.com>`, false, []string{team, "jane@example.com"}, ""},
		{"list not split", "lead@example.com, evil@example.com", false, []string{team}, "contains 2 addresses"},
		{"list split when asked", "lead@example.com, qa@example.com", true, []string{team, "lead@example.com", "qa@example.com"}, ""},
		{"invalid", "not-an-address", false, []string{team}, "missing '@'"},
		{"line break", "lead@example.com\r\nBcc: evil@example.com", false, []string{team}, "control character"},
		{"empty", "", false, []string{team}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items := []recipientItem{{Value: team}, {Value: tc.templated, Templated: true}}

			got, err := parseRecipients(items, tc.split)

			if err != nil {
				t.Fatalf("parseRecipients: %v", err)
			}
			var addresses []string
			for _, a := range got.Addresses {
				addresses = append(addresses, a.Address)
			}
			if strings.Join(addresses, " ") != strings.Join(tc.want, " ") {
				t.Errorf("addresses = %v, want %v", addresses, tc.want)
			}
			if tc.wantDropped == "" && len(got.Dropped) > 0 {
				t.Errorf("dropped %v, want none", got.Dropped)
			}
			if tc.wantDropped != "" && (len(got.Dropped) != 1 || got.Dropped[0].Index != 1 || !strings.Contains(got.Dropped[0].Err.Error(), tc.wantDropped)) {
				t.Errorf("dropped %v, want to[1] for %q", got.Dropped, tc.wantDropped)
			}
		})
	}
}

func TestParseRecipientsNoneValid(t *testing.T) {
	items := []recipientItem{{Value: "a@example.com, b@example.com", Templated: true}, {Value: "", Templated: true}}

	_, err := parseRecipients(items, false)

	if err == nil || errors.Is(err, errNoRecipients) || !strings.Contains(err.Error(), "no valid recipient") || !strings.Contains(err.Error(), "to[0]") {
		t.Errorf("error = %v, want no valid recipient naming to[0]", err)
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
		for _, templated := range []bool{false, true} {
			recipients, err := parseRecipients([]recipientItem{{Value: item, Templated: templated}}, false)
			if err != nil {
				var invalid *recipientError
				if !errors.As(err, &invalid) && !errors.Is(err, errNoRecipients) && !strings.Contains(err.Error(), "recipient") {
					t.Errorf("parseRecipients(%q) error %v has no known form", item, err)
				}
				continue
			}
			if templated && len(recipients.Addresses) > 1 {
				t.Errorf("templated item %q gave %d addresses, want at most one", item, len(recipients.Addresses))
			}
			for _, r := range recipients.Addresses {
				if hasControl(r.Address) || hasControl(r.String()) {
					t.Errorf("parseRecipients(%q) returned %q with a control character", item, r.String())
				}
			}
		}
	})
}
