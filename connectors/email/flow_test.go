package email

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/connectors/email/smtptest"
	"github.com/turbocode/switchboard/sdk"
)

func TestDigestCountsEventsPastMaxItems(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	req := request([]string{"lead@example.com"}, eventWith(t, map[string]any{"title": "First"}))
	req.TotalEvents = 80

	mustDeliver(t, in, req)

	parsed, _ := lastMessage(t, server)
	if subject, _ := parsed.DecodedHeader("Subject"); subject != "[Turbo] 80 events" {
		t.Errorf("Subject = %q, want the digest's total", subject)
	}
	if parsed.Header.Get("References") != "" {
		t.Errorf("a digest refers to %q, want no thread", parsed.Header.Get("References"))
	}
	text := partBody(t, parsed, "text/plain")
	if !strings.HasPrefix(text, "80 events\n\n- ") || !strings.Contains(text, "… and 79 more in Turbo:\nhttps://turbo.example\n") {
		t.Errorf("plain text does not count the 79 events left out:\n%s", text)
	}
	if html := partBody(t, parsed, "text/html"); !strings.Contains(html, "… and 79 more in") {
		t.Errorf("HTML part does not count the 79 events left out:\n%s", html)
	}
}

func TestSuppressedNoticeInDefaultMessage(t *testing.T) {
	tests := []struct {
		name   string
		events int
	}{
		{"one event", 1},
		{"digest", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := smtptest.NewServer(t)
			in, _ := configure(t, server, nil)
			var events []sdk.Event
			for range tt.events {
				events = append(events, eventWith(t, map[string]any{"title": "Login fails"}))
			}
			req := request([]string{"lead@example.com"}, events...)
			req.Suppressed = 1

			mustDeliver(t, in, req)

			parsed, _ := lastMessage(t, server)
			text := partBody(t, parsed, "text/plain")
			if !strings.Contains(text, "\n\n1 similar message was suppressed.\n\n-- \n") {
				t.Errorf("plain text does not end with the notice before the signature:\n%s", text)
			}
			if html := partBody(t, parsed, "text/html"); !strings.Contains(html, ">1 similar message was suppressed.</p>") {
				t.Errorf("HTML part lacks the notice:\n%s", html)
			}
		})
	}
}
