package connectortest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMultibyteTextLength(t *testing.T) {
	text := MultibyteText(5000)
	if n := utf8.RuneCountInString(text); n != 5000 {
		t.Errorf("MultibyteText(5000) has %d runes", n)
	}
	if !strings.Contains(text, "🚀") || !strings.Contains(text, "日本語") {
		t.Errorf("MultibyteText lacks emoji or Japanese: %q", text[:80])
	}
}

func TestWithFieldsSetsCurrent(t *testing.T) {
	event := LoadEvent(t, "../../testdata/turbo/envelope/issue-created-high.json")
	changed := WithFields(t, event, map[string]any{"title": HostileTexts[1], "assignee": "x@example.com"})
	if !strings.Contains(string(changed.Envelope), `"title":"\u003c!channel\u003e`) || !strings.Contains(string(changed.Envelope), "x@example.com") {
		t.Errorf("envelope = %s", changed.Envelope)
	}
	if changed.ID != event.ID || changed.Type != event.Type {
		t.Errorf("id and type = %q, %q; want them kept", changed.ID, changed.Type)
	}
}
