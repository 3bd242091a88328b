package slack

import (
	"testing"
	"time"
)

func TestMrkdwnLink(t *testing.T) {
	got := mrkdwnLink("https://turbo.example/a?b=1&c=<2>|3", "TURBO-42 <b> & *x*")
	want := "<https://turbo.example/a?b=1&amp;c=%3C2%3E%7C3|TURBO-42 &lt;b&gt; &amp; ∗x∗>"
	if got != want {
		t.Errorf("mrkdwnLink = %q, want %q", got, want)
	}
}

func TestSlackDate(t *testing.T) {
	at := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	if got := slackDate(at, "{date_short_pretty}", "2026-12-05"); got != "<!date^1796490000^{date_short_pretty}|2026-12-05>" {
		t.Errorf("slackDate = %q", got)
	}
}

// TestDateValue checks that a day alone is not placed at midnight UTC, which
// readers west of UTC would see as the day before.
func TestDateValue(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		{"2026-12-05T17:00:00Z", "<!date^1796490000^{date_short_pretty}|2026-12-05>"},
		{"2026-12-05", "Dec 5, 2026"},
		{"2026-12-05T04:15:00", "Dec 5, 2026 04:15"},
		{"next <friday>", "next &lt;friday&gt;"},
	}
	for _, tt := range tests {
		if got := dateValue(tt.raw); got != tt.want {
			t.Errorf("dateValue(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestFormatMention(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"here", "<!here>"},
		{"@channel", "<!channel>"},
		{"!everyone", "<!everyone>"},
		{"Here", "<!here>"},
		{"U024BE7LH", "<@U024BE7LH>"},
		{"@W012A3CDE", "<@W012A3CDE>"},
		{"S0614TZR7", "<!subteam^S0614TZR7>"},
		{"subteam^S0614TZR7", "<!subteam^S0614TZR7>"},
		{"<!channel>", "<!channel>"},
		{"<@U024BE7LH>", "<@U024BE7LH>"},
		{"<!subteam^S0614TZR7>", "<!subteam^S0614TZR7>"},
	}
	for _, tt := range tests {
		got, err := formatMention(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("formatMention(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "@alice", "<!channel", "<<!here>>", "u024be7lh", "C0123456789", "U1>", "here and there", "<@U024BE7LH|alice>"} {
		if got, err := formatMention(bad); err == nil {
			t.Errorf("formatMention(%q) = %q, want an error", bad, got)
		}
	}
}

// FuzzEscapeText checks that escaped text has no raw < or >, no & that does
// not start one of the three entities, and no formatting mark at a word
// boundary, and that it is valid UTF-8.
