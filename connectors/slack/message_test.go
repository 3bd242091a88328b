package slack

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// mrkdwnTexts returns the notification text and every mrkdwn text of msg: the
// texts in which Slack parses mentions, links and formatting.
func mrkdwnTexts(msg message) []string {
	texts := []string{msg.Text}
	add := func(obj *slack.TextBlockObject) {
		if obj != nil && obj.Type == slack.MarkdownType {
			texts = append(texts, obj.Text)
		}
	}
	for _, block := range msg.Blocks {
		switch b := block.(type) {
		case *slack.SectionBlock:
			add(b.Text)
			for _, field := range b.Fields {
				add(field)
			}
		case *slack.ContextBlock:
			for _, element := range b.ContextElements.Elements {
				if obj, ok := element.(*slack.TextBlockObject); ok {
					add(obj)
				}
			}
		}
	}
	return texts
}

// angleToken matches Slack's angle-bracket syntax: links, mentions, dates.
var angleToken = regexp.MustCompile(`<[^<>]*>`)

func TestDefaultMessageEscapesUserText(t *testing.T) {
	base := connectortest.LoadEvent(t, issueCreatedFile)
	for _, hostile := range connectortest.HostileTexts {
		t.Run(hostile, func(t *testing.T) {
			event := connectortest.WithFields(t, base, map[string]any{
				"title": hostile, "description": hostile, "assignee": hostile, "status": hostile, "type": hostile,
			})
			msg, err := buildMessage(request(nil, event), webURL, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range mrkdwnTexts(msg) {
				for _, token := range angleToken.FindAllString(text, -1) {
					if !strings.HasPrefix(token, "<https://turbo.example/") && !strings.HasPrefix(token, "<!date^") {
						t.Errorf("mrkdwn %q has the token %s, which user text made", text, token)
					}
				}
				if strings.Contains(text, "*bold*") || strings.Contains(text, "_italic_") || strings.Contains(text, "`code`") {
					t.Errorf("mrkdwn %q keeps user formatting", text)
				}
			}
			checkFitsLimits(t, msg)
		})
	}
}

// TestDefaultMessageKeepsUserTextReadable checks that escaping changes only
// what it must: the plain_text header and body show the user's text as
// written.
func TestDefaultMessageKeepsUserTextReadable(t *testing.T) {
	hostile := "<!channel> Tom & Jerry *fix* <script>"
	event := connectortest.WithFields(t, connectortest.LoadEvent(t, issueCreatedFile), map[string]any{"title": hostile, "description": hostile})
	msg, err := buildMessage(request(nil, event), webURL, "")
	if err != nil {
		t.Fatal(err)
	}
	header := msg.Blocks[0].(*slack.HeaderBlock).Text
	if header.Type != slack.PlainTextType || header.Text != "TURBO-42 "+hostile {
		t.Errorf("header = %s %q, want the title as plain text", header.Type, header.Text)
	}
	body := msg.Blocks[3].(*slack.SectionBlock).Text
	if body.Type != slack.PlainTextType || body.Text != hostile {
		t.Errorf("body = %s %q, want the description as plain text", body.Type, body.Text)
	}
	if want := "Issue created: TURBO-42 &lt;!channel&gt; Tom &amp; Jerry ∗fix∗ &lt;script&gt;"; msg.Text != want {
		t.Errorf("text = %q, want %q", msg.Text, want)
	}
}

func TestDefaultMessageLongMultibyteDescription(t *testing.T) {
	description := connectortest.MultibyteText(5000)
	event := connectortest.WithFields(t, connectortest.LoadEvent(t, issueCreatedFile), map[string]any{"description": description})
	msg, err := buildMessage(request(nil, event), webURL, "")
	if err != nil {
		t.Fatal(err)
	}
	checkFitsLimits(t, msg)
	body := msg.Blocks[3].(*slack.SectionBlock).Text.Text
	if !strings.HasSuffix(body, cutMarker) {
		t.Errorf("description does not end with the marker: ...%q", body[len(body)-50:])
	}
	if !strings.HasPrefix(description, strings.TrimSuffix(body, cutMarker)) {
		t.Error("description was not cut at a rune boundary of its start")
	}
	if n := textLength(body); n > maxSectionText || n < maxSectionText-40 {
		t.Errorf("description section has length %d, want just under %d", n, maxSectionText)
	}
}

func TestDefaultMessageMentions(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	msg, err := buildMessage(request(nil, event), webURL, "<!here> <@U024BE7LH>")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg.Text, "<!here> <@U024BE7LH> Issue created") {
		t.Errorf("text = %q, want the mentions first", msg.Text)
	}
	summary := msg.Blocks[1].(*slack.SectionBlock).Text.Text
	if !strings.HasPrefix(summary, "<!here> <@U024BE7LH> *Issue created*") {
		t.Errorf("summary = %q, want the mentions first", summary)
	}
}

func TestDefaultMessageWithoutWebURL(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	msg, err := buildMessage(request(nil, event), "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range mrkdwnTexts(msg) {
		if strings.Contains(text, "<http") || strings.Contains(text, "|Open") {
			t.Errorf("mrkdwn %q links to Turbo without a web URL", text)
		}
	}
	checkFitsLimits(t, msg)
}

func TestTemplateMessage(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		mentions   string
		wantBlocks int
		wantCut    bool
	}{
		{"short", "*TURBO-42* moved to <https://turbo.example/issues/TURBO-42|review>", "", 1, false},
		{"mentions", "deploy failed", "<!channel>", 1, false},
		{"5000 multibyte characters", connectortest.MultibyteText(5000), "", 2, false},
		{"too long for one message", strings.Repeat(connectortest.MultibyteText(99)+"\n", 200), "", 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &sdk.DeliveryRequest{Route: "r", Message: tt.text}
			msg, err := buildMessage(req, webURL, tt.mentions)
			if err != nil {
				t.Fatal(err)
			}
			checkFitsLimits(t, msg)
			if len(msg.Blocks) != tt.wantBlocks {
				t.Errorf("%d blocks, want %d", len(msg.Blocks), tt.wantBlocks)
			}
			var joined strings.Builder
			for _, block := range msg.Blocks {
				joined.WriteString(block.(*slack.SectionBlock).Text.Text)
			}
			if cut := strings.Contains(joined.String(), cutMarker); cut != tt.wantCut {
				t.Errorf("blocks cut = %v, want %v", cut, tt.wantCut)
			}
			if want := strings.TrimSpace(joinNonEmpty(" ", tt.mentions, tt.text)); !tt.wantCut && strings.TrimSpace(joined.String()) != want {
				t.Errorf("blocks do not hold the whole message")
			}
		})
	}
}

func TestTemplateMessageOnlySpace(t *testing.T) {
	_, err := buildMessage(&sdk.DeliveryRequest{Route: "r", Message: " \n\t"}, webURL, "")
	if err == nil || !strings.Contains(err.Error(), "rendered only white space") {
		t.Errorf("error = %v, want the empty template named", err)
	}
}

func TestDigestMessage(t *testing.T) {
	base := connectortest.LoadEvent(t, issueCreatedFile)
	tests := []struct {
		name     string
		events   int
		title    string
		wantRest bool
	}{
		{"60 short", 60, "Issue %d", false},
		{"60 long", 60, "Issue %d <!channel> with a title long enough to fill a whole line of the digest", true},
		{"400", 400, "Issue %d", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := make([]sdk.Event, tt.events)
			for i := range events {
				events[i] = connectortest.WithFields(t, base, map[string]any{"issue_key": fmt.Sprintf("TURBO-%d", i+1),
					"title": fmt.Sprintf(tt.title, i+1)})
			}
			msg, err := buildMessage(&sdk.DeliveryRequest{Route: "digest", Events: events}, webURL, "<!here>")
			if err != nil {
				t.Fatal(err)
			}
			checkFitsLimits(t, msg)
			if want := fmt.Sprintf("<!here> %d Turbo events", tt.events); msg.Text != want {
				t.Errorf("text = %q, want %q", msg.Text, want)
			}

			listed := 0
			for _, text := range mrkdwnTexts(msg)[1:] {
				listed += strings.Count(text, "• <https://turbo.example/issues/TURBO-")
			}
			last := mrkdwnTexts(msg)[len(mrkdwnTexts(msg))-1]
			rest := regexp.MustCompile(`^… and (\d+) more · <https://turbo.example\|Open Turbo>$`).FindStringSubmatch(last)
			switch {
			case !tt.wantRest && (rest != nil || listed != tt.events):
				t.Errorf("listed %d of %d events, last line %q; want all listed", listed, tt.events, last)
			case tt.wantRest && rest == nil:
				t.Errorf("last line = %q, want \"and N more\" with a link", last)
			case tt.wantRest && rest[1] != fmt.Sprint(tt.events-listed):
				t.Errorf("listed %d of %d events but the last line says %q", listed, tt.events, last)
			}
		})
	}
}

// FuzzDefaultMessage builds the default message of arbitrary envelopes: it
// must never fail on an envelope that parses, and must always fit Slack's
// limits.
func FuzzDefaultMessage(f *testing.F) {
	for _, file := range []string{issueCreatedFile, issueUpdatedFile, commentFile, milestoneDoneFile} {
		f.Add(string(connectortest.LoadEvent(f, file).Envelope))
	}
	f.Add(`{"entity_type":"issue","action":"updated","data":{"current":{"title":"` + strings.Repeat("<!channel>*", 400) + `"},"previous":{"status":1},"changes":["status","x"]}}`)
	f.Fuzz(func(t *testing.T, envelope string) {
		var doc map[string]any
		if json.Unmarshal([]byte(envelope), &doc) != nil {
			return
		}
		msg, err := buildMessage(&sdk.DeliveryRequest{Route: "fuzz", Events: []sdk.Event{{ID: "e", Envelope: json.RawMessage(envelope)}}}, webURL, "")
		if err != nil {
			t.Fatalf("buildMessage: %v", err)
		}
		checkFitsLimits(t, msg)
	})
}

// documentCreated is a new document with its content, which Turbo sends
// where other entities have a description.
const documentCreated = `{"event_id":"d1","event_type":"document.created","timestamp":"2026-12-01T16:03:10Z",
	"entity_type":"document","entity_id":"5d6e7f80-1a2b-4c3d-8e4f-5a6b7c8d9e0f","action":"created",
	"actor":{"type":"user","name":"dev@example.com"},
	"data":{"current":{"title":"Runbook","content":"Restart the cache before the API."}},
	"context":{"project_id":"6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"}}`

func TestDefaultMessageShowsDocumentContent(t *testing.T) {
	msg, err := buildMessage(request(nil, connectortest.ParseEvent(t, []byte(documentCreated))), webURL, "")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(msg.Blocks)
	if !strings.Contains(string(raw), "Restart the cache before the API.") {
		t.Errorf("blocks lack the document's content:\n%s", raw)
	}
	if strings.Contains(string(raw), "|Project>") {
		t.Errorf("context line links a project without its key:\n%s", raw)
	}
}

// TestDefaultMessageOfDueDateWarning checks that a due-date warning names its
// threshold and shows a due date without a UTC offset as the instant
// Switchboard read it as, and a day alone as that day.
func TestDefaultMessageOfDueDateWarning(t *testing.T) {
	tests := []struct {
		due, dueAt, want string
	}{
		{"2026-12-05T04:15:00", "2026-12-05T09:15:00Z", "*Due*\n<!date^1796462100^{date_short_pretty}|2026-12-05>"},
		{"2026-12-05", "2026-12-06T05:00:00Z", "*Due*\nDec 5, 2026"},
	}
	for _, tt := range tests {
		t.Run(tt.due, func(t *testing.T) {
			envelope := `{"event_id":"e1","event_type":"issue.due_date_approaching","timestamp":"2026-12-04T09:15:00Z",` +
				`"entity_type":"issue","entity_id":"i1","action":"due_date_approaching","derived":true,` +
				`"data":{"current":{"title":"Ship it","due_date":"` + tt.due + `"},"due_at":"` + tt.dueAt + `","threshold":"24h"}}`
			event := sdk.Event{ID: "e1", Type: "issue.due_date_approaching", EntityType: "issue", EntityID: "i1",
				Action: "due_date_approaching", Derived: true, Envelope: []byte(envelope)}
			msg, err := buildMessage(request(nil, event), webURL, "")
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(mrkdwnTexts(msg), "\n")
			if !strings.Contains(all, tt.want) {
				t.Errorf("message lacks %q:\n%s", tt.want, all)
			}
			if !strings.Contains(msg.Text, "due within 24h") {
				t.Errorf("notification text %q does not name the threshold", msg.Text)
			}
		})
	}
}
