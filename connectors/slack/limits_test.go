package slack

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestTextLengthCountsUTF16(t *testing.T) {
	tests := map[string]int{"abc": 3, "Grüße": 5, "日本語": 3, "🚀": 2, "a🚀b": 4, "": 0}
	for in, want := range tests {
		if got := textLength(in); got != want {
			t.Errorf("textLength(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestCutPlain(t *testing.T) {
	if got := cutPlain("short", 10); got != "short" {
		t.Errorf("cutPlain of a short text = %q", got)
	}
	text := connectortest.MultibyteText(5000)
	got := cutPlain(text, maxSectionText)
	if n := textLength(got); n > maxSectionText {
		t.Errorf("cut text has length %d, over %d", n, maxSectionText)
	}
	if n := textLength(got); n < maxSectionText-10 {
		t.Errorf("cut text has length %d, want close to %d", n, maxSectionText)
	}
	if !utf8.ValidString(got) || !strings.HasSuffix(got, cutMarker) {
		t.Errorf("cut text is invalid UTF-8 or lacks the marker: ...%q", got[len(got)-60:])
	}
	if !strings.HasPrefix(text, strings.TrimSuffix(got, cutMarker)) {
		t.Error("cut text is not a start of the text")
	}
}

func TestCutMrkdwnKeepsAtomsWhole(t *testing.T) {
	link := "<https://turbo.example/issues/TURBO-42|TURBO-42 Login fails>"
	tests := []struct {
		name string
		text string
		max  int
		want string
	}{
		{"before a link", strings.Repeat("a", 20) + " " + link + " tail", 60, strings.Repeat("a", 20) + cutMarker},
		{"after a link", link + " " + strings.Repeat("b", 100), len(link) + 41, link + " bbbbbbb" + cutMarker},
		{"inside an entity", strings.Repeat("c", 30) + "&amp;&lt;" + strings.Repeat("d", 40), 68, strings.Repeat("c", 30) + "&amp;" + cutMarker},
		{"mention", "x <!channel> " + strings.Repeat("e", 50), 40, "x" + cutMarker},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cutMrkdwn(tt.text, tt.max)
			if got != tt.want {
				t.Errorf("cutMrkdwn = %q, want %q", got, tt.want)
			}
			if n := textLength(got); n > tt.max {
				t.Errorf("length %d, over %d", n, tt.max)
			}
		})
	}
}

func TestCutMrkdwnClosesCodeFence(t *testing.T) {
	text := "log:\n```\n" + strings.Repeat("line of output\n", 300) + "```\nafter"
	got := cutMrkdwn(text, 500)
	if textLength(got) > 500 {
		t.Fatalf("length %d, over 500", textLength(got))
	}
	head := strings.TrimSuffix(got, cutMarker)
	if strings.Count(head, codeFence) != 2 || !strings.HasSuffix(head, "\n"+codeFence+"\n") {
		t.Errorf("cut text does not close its code fence: ...%q", got[len(got)-80:])
	}
}

func TestSplitMrkdwnPrefersLineBreaks(t *testing.T) {
	var lines []string
	for i := range 100 {
		lines = append(lines, fmt.Sprintf("line %03d with <https://x.example/%d|a link>", i, i))
	}
	text := strings.Join(lines, "\n")
	head, rest := splitMrkdwn(text, 1000)
	if textLength(head) > 1000 || head+rest != text && strings.TrimRight(head, " \t")+rest != text {
		t.Fatalf("split lost text: head %d, rest %d", len(head), len(rest))
	}
	if !strings.HasSuffix(head, "\n") || !strings.HasPrefix(rest, "line ") {
		t.Errorf("split inside a line: head ends %q, rest starts %q", head[len(head)-20:], rest[:20])
	}
}

func TestSplitMrkdwnReopensCodeFence(t *testing.T) {
	text := "```\n" + strings.Repeat("x", 2000) + "\n" + strings.Repeat("y", 2000) + "\n```"
	head, rest := splitMrkdwn(text, maxSectionText)
	if !strings.HasSuffix(head, codeFence) || !strings.HasPrefix(rest, codeFence) {
		t.Errorf("split of a code block: head ends %q, rest starts %q", head[len(head)-10:], rest[:10])
	}
}

func TestSplitMrkdwnLongAtom(t *testing.T) {
	text := "<https://x.example/" + strings.Repeat("a", 400) + "|label>"
	head, rest := splitMrkdwn(text, 100)
	if head == "" || textLength(head) > 100 || head+rest != text {
		t.Errorf("split of an atom longer than the limit: head %q", head)
	}
}

func TestFitLimitsBlocksAndFields(t *testing.T) {
	var blocks []slack.Block
	for i := range 70 {
		blocks = append(blocks, mrkdwnSection(fmt.Sprintf("block %d", i)))
	}
	var fields []string
	for i := range 14 {
		fields = append(fields, fmt.Sprintf("*F%d*\n%s", i, strings.Repeat("v", 500)))
	}
	fields[2] = "*Long*\n" + strings.Repeat("w", 2500)
	blocks[0] = fieldsSection(fields)
	blocks[1] = headerBlock(strings.Repeat("h", 400))

	msg := fitLimits(message{Text: strings.Repeat("t", 5000), Blocks: blocks})

	checkFitsLimits(t, msg)
	if len(msg.Blocks) != maxBlocks {
		t.Errorf("kept %d blocks, want %d", len(msg.Blocks), maxBlocks)
	}
	if n := len(msg.Blocks[0].(*slack.SectionBlock).Fields); n != maxFields {
		t.Errorf("kept %d fields, want %d", n, maxFields)
	}
	last := msg.Blocks[len(msg.Blocks)-1].(*slack.ContextBlock)
	if text := last.ContextElements.Elements[0].(*slack.TextBlockObject).Text; !strings.Contains(text, "more blocks cut") {
		t.Errorf("last block = %q, want the notice of dropped blocks", text)
	}
}

func TestFitLimitsTotalText(t *testing.T) {
	var blocks []slack.Block
	for range 8 {
		blocks = append(blocks, plainSection(strings.Repeat("p", 2900)))
	}
	msg := fitLimits(message{Text: "x", Blocks: blocks})
	checkFitsLimits(t, msg)
	if len(msg.Blocks) != 4 {
		t.Errorf("kept %d blocks, want 3 sections and the notice", len(msg.Blocks))
	}
}

// FuzzCutMrkdwn checks that a cut text fits, is valid UTF-8, ends with the
// marker, and splits no entity or angle token of the text.
func FuzzCutMrkdwn(f *testing.F) {
	f.Add("<https://x.example|label> &amp; text ```code``` more", 30)
	f.Add(connectortest.MultibyteText(200), 100)
	f.Add(strings.Repeat("&lt;", 50), 41)
	f.Fuzz(func(t *testing.T, text string, max int) {
		if max < 60 || max > 5000 || !utf8.ValidString(text) {
			return
		}
		got := cutMrkdwn(text, max)
		if textLength(got) > max {
			t.Fatalf("cutMrkdwn(%q, %d) has length %d", text, max, textLength(got))
		}
		if !utf8.ValidString(got) {
			t.Fatalf("cutMrkdwn(%q, %d) is not valid UTF-8", text, max)
		}
		if got == text {
			return
		}
		if !strings.HasSuffix(got, cutMarker) {
			t.Fatalf("cutMrkdwn(%q, %d) = %q lacks the marker", text, max, got)
		}
		head := strings.TrimSuffix(got, cutMarker)
		if i := strings.LastIndexByte(head, '&'); i >= 0 && !strings.Contains(head[i:], ";") && atomSize(text[i:]) > 1 {
			t.Fatalf("cutMrkdwn(%q, %d) = %q splits an entity", text, max, got)
		}
	})
}
