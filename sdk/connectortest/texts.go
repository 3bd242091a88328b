package connectortest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

// HostileTexts are user texts that must arrive at a destination as literal
// text: the broadcast and user mentions of Slack and Discord, Slack's link
// syntax, Markdown and mrkdwn formatting, an HTML script, and a lone &. A
// connector test puts them into an event (WithFields) and checks that no
// mention, link, tag or formatting survives in what is sent.
var HostileTexts = []string{
	"@everyone and @here",
	"<!channel> <!here> <!everyone>",
	"<@U024BE7LH> <@&123456789012345678> <#C0123456789>",
	"<https://evil.example/login|Turbo login>",
	"[Turbo login](https://evil.example/login)",
	"<script>alert(1)</script>",
	"Tom & Jerry &amp; friends",
	"*bold* _italic_ ~strike~ `code` ||spoiler||",
	"> quoted line\n# heading",
}

// MultibyteText returns a text of n runes that cycles through ASCII, accented
// Latin letters, German, Japanese and emoji, the last outside the Basic
// Multilingual Plane (two UTF-16 code units each), for limit tests that must
// cut at rune boundaries.
func MultibyteText(n int) string {
	pieces := []rune("Grüße, ünïcödé ✓ 日本語のテキスト 🚀🔥 ")
	var b strings.Builder
	for i := range n {
		b.WriteRune(pieces[i%len(pieces)])
	}
	return b.String()
}

// WithFields returns a copy of event whose data.current has the given fields
// set, such as {"title": HostileTexts[1]}.
func WithFields(t testing.TB, event sdk.Event, fields map[string]any) sdk.Event {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(event.Envelope, &doc); err != nil {
		t.Fatalf("parse event envelope: %v", err)
	}
	data, _ := doc["data"].(map[string]any)
	if data == nil {
		data = map[string]any{}
		doc["data"] = data
	}
	current, _ := data["current"].(map[string]any)
	if current == nil {
		current = map[string]any{}
		data["current"] = current
	}
	for key, value := range fields {
		current[key] = value
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("encode event envelope: %v", err)
	}
	return ParseEvent(t, raw)
}
