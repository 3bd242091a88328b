package slack

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestDigestCountsEventsPastMaxItems(t *testing.T) {
	base := connectortest.LoadEvent(t, issueCreatedFile)
	events := []sdk.Event{base, connectortest.LoadEvent(t, issueUpdatedFile), connectortest.LoadEvent(t, commentFile)}

	msg, err := buildMessage(&sdk.DeliveryRequest{Route: "digest", Events: events, TotalEvents: 10}, webURL, "")
	if err != nil {
		t.Fatal(err)
	}

	checkFitsLimits(t, msg)
	if msg.Text != "10 Turbo events" {
		t.Errorf("text = %q, want the digest's total", msg.Text)
	}
	texts := mrkdwnTexts(msg)
	if last := texts[len(texts)-1]; !strings.HasPrefix(last, "… and 7 more") {
		t.Errorf("last line = %q, want \"… and 7 more\"", last)
	}
}

func TestDigestOfOneListedEvent(t *testing.T) {
	msg, err := buildMessage(&sdk.DeliveryRequest{Route: "digest", Events: []sdk.Event{connectortest.LoadEvent(t, issueCreatedFile)},
		TotalEvents: 4}, webURL, "")
	if err != nil {
		t.Fatal(err)
	}

	if msg.Text != "4 Turbo events" {
		t.Errorf("text = %q, want a digest of 4 events, not the message of the one listed", msg.Text)
	}
}

func TestSuppressedNoticeEndsDefaultMessage(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	many := make([]sdk.Event, 400)
	for i := range many {
		many[i] = connectortest.WithFields(t, event, map[string]any{"issue_key": fmt.Sprintf("TURBO-%d", i+1),
			"title": fmt.Sprintf("Issue %d with a title long enough to fill a whole line of the digest", i+1)})
	}
	tests := []struct {
		name string
		req  *sdk.DeliveryRequest
	}{
		{"one event", &sdk.DeliveryRequest{Route: "r", Events: []sdk.Event{event}, Suppressed: 3}},
		{"full digest", &sdk.DeliveryRequest{Route: "r", Events: many, TotalEvents: 1000, Suppressed: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := buildMessage(tt.req, webURL, "")
			if err != nil {
				t.Fatal(err)
			}
			checkFitsLimits(t, msg)
			texts := mrkdwnTexts(msg)
			if last := texts[len(texts)-1]; last != "3 similar messages were suppressed" {
				t.Errorf("last line = %q, want the notice of 3 suppressed messages", last)
			}
		})
	}
}

func TestFullDigestCountsEveryLeftOutEvent(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	listed := make([]sdk.Event, 400)
	for i := range listed {
		listed[i] = connectortest.WithFields(t, event, map[string]any{"issue_key": fmt.Sprintf("TURBO-%d", i+1)})
	}

	msg, err := buildMessage(&sdk.DeliveryRequest{Route: "r", Events: listed, TotalEvents: 1000}, webURL, "")
	if err != nil {
		t.Fatal(err)
	}

	shown := 0
	for _, text := range mrkdwnTexts(msg)[1:] {
		shown += strings.Count(text, "• <https://turbo.example/issues/TURBO-")
	}
	texts := mrkdwnTexts(msg)
	rest := regexp.MustCompile(`^… and (\d+) more`).FindStringSubmatch(texts[len(texts)-1])
	if rest == nil || rest[1] != fmt.Sprint(1000-shown) {
		t.Errorf("showed %d events, last line %q; want \"and %d more\"", shown, texts[len(texts)-1], 1000-shown)
	}
}
