package discord

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

// sentEmbed delivers req to a fresh fake and returns the first embed posted.
func sentEmbed(t *testing.T, req *sdk.DeliveryRequest) embedBody {
	t.Helper()
	s := newWebhookSetup(t, nil)
	if result := deliver(t, s.in, req); result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v, want delivered (reason %q)", result.Outcome, result.Reason)
	}
	var body struct {
		Embeds []embedBody `json:"embeds"`
	}
	if err := json.Unmarshal(s.fake.Messages()[0].Body, &body); err != nil || len(body.Embeds) != 1 {
		t.Fatalf("posted %d embeds (%v), want 1", len(body.Embeds), err)
	}
	return body.Embeds[0]
}

type embedBody struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Footer      *struct {
		Text string `json:"text"`
	} `json:"footer"`
}

func TestDigestCountsEventsPastMaxItems(t *testing.T) {
	req := deliveryRequest(eventWith(t, "First", "text"), eventWith(t, "Second", "text"))
	req.TotalEvents = 12

	embed := sentEmbed(t, req)

	if embed.Title != "12 events" {
		t.Errorf("title = %q, want the digest's total", embed.Title)
	}
	lines := strings.Split(embed.Description, "\n")
	if len(lines) != 3 || lines[2] != "[… and 10 more in Turbo]("+webURL+")" {
		t.Errorf("description lines %q, want two events and \"… and 10 more\"", lines)
	}
}

func TestFullDigestCountsEveryLeftOutEvent(t *testing.T) {
	events := make([]sdk.Event, 0, 60)
	for i := range 60 {
		events = append(events, eventWith(t, "Event "+strings.Repeat("long title ", 12)+string(rune('A'+i%26)), "text"))
	}
	req := deliveryRequest(events...)
	req.TotalEvents = 500

	embed := sentEmbed(t, req)

	lines := strings.Split(embed.Description, "\n")
	listed := len(lines) - 1
	if want := "[… and " + itoaTest(500-listed) + " more in Turbo](" + webURL + ")"; lines[listed] != want {
		t.Errorf("last line = %q, want %q", lines[listed], want)
	}
	if n := textLength(embed.Description); n > maxDescription {
		t.Errorf("description is %d long, want at most %d", n, maxDescription)
	}
}

func TestSuppressedNoticeInFooter(t *testing.T) {
	tests := []struct {
		name   string
		events []sdk.Event
		want   string
	}{
		{"one event", []sdk.Event{eventWith(t, "Login fails", "text")}, "Project TURBO · dev@example.com · 3 similar messages were suppressed"},
		{"digest", []sdk.Event{eventWith(t, "First", "text"), eventWith(t, "Second", "text")}, "3 similar messages were suppressed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := deliveryRequest(tt.events...)
			req.Suppressed = 3

			embed := sentEmbed(t, req)

			if embed.Footer == nil || embed.Footer.Text != tt.want {
				t.Errorf("footer = %+v, want %q", embed.Footer, tt.want)
			}
		})
	}
}
