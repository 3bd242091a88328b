package teams

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// eventWith returns the issue fixture with data.current changed by edit.
func eventWith(t *testing.T, edit func(current map[string]any)) sdk.Event {
	t.Helper()
	raw, err := os.ReadFile(issueCreatedFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc["data"].(map[string]any)["current"].(map[string]any))
	edited, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return connectortest.ParseEvent(t, edited)
}

func TestFitLongTexts(t *testing.T) {
	tests := []struct {
		name     string
		maxBytes int
		edit     func(map[string]any)
	}{
		{"long description", DefaultMaxMessageBytes, func(c map[string]any) { c["description"] = strings.Repeat("Stack trace line ", 5000) }},
		{"escaped characters", 4000, func(c map[string]any) { c["description"] = strings.Repeat("\"\\\u0001<>&", 3000) }},
		{"control characters", 2048, func(c map[string]any) { c["title"] = strings.Repeat("\u0001", 5000) }},
		{"wide runes", 2048, func(c map[string]any) {
			c["description"] = strings.Repeat("日本語のテキスト", 2000)
			c["title"] = strings.Repeat("長いタイトル", 200)
		}},
		{"every field long", 1024, func(c map[string]any) {
			for _, key := range []string{"title", "description", "status", "type", "assignee"} {
				c[key] = strings.Repeat(key+" ", 1000)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, map[string]any{"max_message_bytes": tc.maxBytes})

			result := deliver(t, s.in, deliveryRequest(eventWith(t, tc.edit)))

			if result.Outcome != sdk.OutcomeDelivered {
				t.Fatalf("result = %+v, want delivered", result)
			}
			run := s.fake.Runs()[0]
			if len(run.Body) > tc.maxBytes {
				t.Errorf("body is %d bytes, want at most %d", len(run.Body), tc.maxBytes)
			}
			if !run.Posted() {
				t.Errorf("the workflow could not post the card: %s", run.Error)
			}
		})
	}
}

func TestFitLargeDigest(t *testing.T) {
	event := connectortest.LoadEvent(t, envelopeDir+"issue-updated-status.json")
	events := make([]sdk.Event, 300)
	for i := range events {
		events[i] = event
	}
	s := newSetup(t, map[string]any{"max_message_bytes": 8000})

	result := deliver(t, s.in, deliveryRequest(events...))

	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("result = %+v, want delivered", result)
	}
	run := s.fake.Runs()[0]
	if len(run.Body) > 8000 || !run.Posted() {
		t.Errorf("body is %d bytes, posted %v (%s), want at most 8000 and posted", len(run.Body), run.Posted(), run.Error)
	}
	if !strings.Contains(string(run.Body), "left out to fit Teams' size limit") {
		t.Error("the card does not say that entries were left out")
	}
	if !strings.Contains(string(run.Body), "300 events") {
		t.Error("the card lost its header")
	}
	if !strings.Contains(s.logs.String(), "teams card cut to fit the size limit") {
		t.Errorf("no log line says the card was cut; logs:\n%s", s.logs)
	}
}

func TestFitTemplateCard(t *testing.T) {
	rows := make([]string, 400)
	for i := range rows {
		rows[i] = fmt.Sprintf(`{"type": "TextBlock", "text": "row %d of the report", "wrap": true}`, i)
	}
	tests := []struct {
		name       string
		message    string
		want       sdk.Outcome
		wantReason string
	}{
		{"long body is cut", `{"type": "AdaptiveCard", "version": "1.5", "body": [` + strings.Join(rows, ",") + `]}`, sdk.OutcomeDelivered, ""},
		{"whole message", `{"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": {"type": "AdaptiveCard", "version": "1.4", "body": []}}]}`,
			sdk.OutcomeDelivered, ""},
		{"first element too large", `{"type": "AdaptiveCard", "body": [{"type": "Image", "url": "https://x.example/` + strings.Repeat("a", 30000) + `"}]}`,
			sdk.OutcomePermanent, "larger than max_message_bytes"},
		{"not JSON", `TURBO-42 is high priority`, sdk.OutcomePermanent, "did not render JSON"},
		{"not a card", `{"type": "MessageCard", "text": "hi"}`, sdk.OutcomePermanent, `of type "MessageCard"`},
		{"message without card", `{"type": "message", "attachments": []}`, sdk.OutcomePermanent, "without an Adaptive Card"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, nil)
			req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
			req.Message = tc.message

			result := deliver(t, s.in, req)

			if result.Outcome != tc.want || !strings.Contains(result.Reason, tc.wantReason) {
				t.Fatalf("result = %+v, want %v with a reason containing %q", result, tc.want, tc.wantReason)
			}
			if tc.want == sdk.OutcomeDelivered && !s.fake.Runs()[0].Posted() {
				t.Errorf("the workflow could not post the card: %s", s.fake.Runs()[0].Error)
			}
		})
	}
}

func TestFitMinimalCard(t *testing.T) {
	s := newSetup(t, map[string]any{"max_message_bytes": 1024})
	event := eventWith(t, func(c map[string]any) {
		c["title"] = strings.Repeat("🚨\"", 300)
		c["issue_key"] = strings.Repeat("🔑", 300)
	})

	result := deliver(t, s.in, deliveryRequest(event))

	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("result = %+v, want delivered", result)
	}
	run := s.fake.Runs()[0]
	if len(run.Body) > 1024 || !run.Posted() {
		t.Errorf("body is %d bytes, posted %v (%s), want at most 1024 and posted", len(run.Body), run.Posted(), run.Error)
	}
	if !strings.Contains(string(run.Body), "details of this message were left out") {
		t.Errorf("the card is not the minimal one:\n%s", run.Body)
	}
	if !strings.Contains(s.logs.String(), "minimal_card=true") {
		t.Errorf("no log line says the minimal card was sent; logs:\n%s", s.logs)
	}
}

// TestEventTextIsNotMarkup checks that text from the event goes only into
// TextRuns, which Teams shows without Markdown.
func TestEventTextIsNotMarkup(t *testing.T) {
	const injected = "**urgent** [reset your password](https://evil.example) {{DATE(2017-02-14T06:08:39Z, SHORT)}}"
	s := newSetup(t, nil)
	event := eventWith(t, func(c map[string]any) {
		c["title"] = injected
		c["description"] = injected
		c["status"] = injected
	})

	result := deliver(t, s.in, deliveryRequest(event))
	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("result = %+v, want delivered", result)
	}

	for _, block := range textBlocks(s.fake.Runs()[0].Card) {
		if strings.Contains(block, "urgent") {
			t.Errorf("a TextBlock, which Teams reads as Markdown, contains event text: %q", block)
		}
	}
	if !strings.Contains(string(s.fake.Runs()[0].Body), "reset your password") {
		t.Error("the event text is missing from the card")
	}
}

// textBlocks returns the text of every TextBlock in a decoded card.
func textBlocks(value any) []string {
	var texts []string
	switch v := value.(type) {
	case map[string]any:
		if v["type"] == "TextBlock" {
			texts = append(texts, fmt.Sprint(v["text"]))
		}
		for _, member := range v {
			texts = append(texts, textBlocks(member)...)
		}
	case []any:
		for _, item := range v {
			texts = append(texts, textBlocks(item)...)
		}
	}
	return texts
}
