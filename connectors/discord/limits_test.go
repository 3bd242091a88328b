package discord

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

func TestTextLength(t *testing.T) {
	tests := map[string]int{"": 0, "abc": 3, "Grüße": 5, "日本語": 3, "🚀": 2, "a🚀b": 4}
	for s, want := range tests {
		if got := textLength(s); got != want {
			t.Errorf("textLength(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		name  string
		s     string
		limit int
		want  string
	}{
		{"fits", "hello", 5, "hello"},
		{"trims before counting", "  hello \n", 5, "hello"},
		{"cut with marker", "hello world", 8, "hello w…"},
		{"trailing space before marker dropped", "hello world", 7, "hello…"},
		{"multi-byte", "日本語のテキスト", 4, "日本語…"},
		{"emoji counts two", "ab🚀🚀", 4, "ab…"},
		{"dangling backslash dropped", `ab\*cd`, 4, "ab…"},
		{"escaped backslash kept", `a\\bcd`, 4, `a\\…`},
		{"limit below marker", "hello", 0, ""},
		{"limit of the marker", "hello", 1, "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cut(tc.s, tc.limit)
			if got != tc.want {
				t.Errorf("cut(%q, %d) = %q, want %q", tc.s, tc.limit, got, tc.want)
			}
			if textLength(got) > tc.limit {
				t.Errorf("cut(%q, %d) is %d long", tc.s, tc.limit, textLength(got))
			}
		})
	}
}

func FuzzCut(f *testing.F) {
	f.Add("hello world", 5)
	f.Add("日本語🚀\\\\\\x", 4)
	f.Add(strings.Repeat("é", 50), 10)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 0 || limit > 10000 || !utf8.ValidString(s) {
			return
		}
		got := cut(s, limit)
		if textLength(got) > limit {
			t.Errorf("cut(%q, %d) = %q is %d long", s, limit, got, textLength(got))
		}
		if !utf8.ValidString(got) {
			t.Errorf("cut(%q, %d) = %q is not valid UTF-8", s, limit, got)
		}
		if got != strings.TrimSpace(s) && got != "" && !strings.HasSuffix(got, truncationMarker) {
			t.Errorf("cut(%q, %d) = %q changed the text without the marker", s, limit, got)
		}
	})
}

func TestFitMessageLimits(t *testing.T) {
	long := strings.Repeat("ü", 5000)
	fields := make([]*discordgo.MessageEmbedField, 0, 30)
	for range 30 {
		fields = append(fields, &discordgo.MessageEmbedField{Name: long, Value: long})
	}
	fields = append(fields, &discordgo.MessageEmbedField{Name: "empty", Value: "  "})
	embeds := make([]*discordgo.MessageEmbed, 0, 12)
	for range 12 {
		embeds = append(embeds, &discordgo.MessageEmbed{
			Title: long, Description: long, Fields: fields,
			Footer: &discordgo.MessageEmbedFooter{Text: long}, Author: &discordgo.MessageEmbedAuthor{Name: long},
		})
	}
	msg := &message{Content: long, Embeds: embeds}

	fitMessage(msg)

	if n := textLength(msg.Content); n != maxContent {
		t.Errorf("content length = %d, want %d", n, maxContent)
	}
	if len(msg.Embeds) != maxEmbeds {
		t.Errorf("embeds = %d, want %d", len(msg.Embeds), maxEmbeds)
	}
	if total := embedTotal(msg.Embeds); total > maxEmbedTotal {
		t.Errorf("embed total = %d, want at most %d", total, maxEmbedTotal)
	}
	for i, embed := range msg.Embeds {
		if len(embed.Fields) > maxFields {
			t.Errorf("embed %d has %d fields", i, len(embed.Fields))
		}
		checkMax(t, "title", embed.Title, maxTitle)
		checkMax(t, "description", embed.Description, maxDescription)
		checkMax(t, "footer", embed.Footer.Text, maxFooter)
		checkMax(t, "author", embed.Author.Name, maxAuthorName)
		for _, field := range embed.Fields {
			checkMax(t, "field name", field.Name, maxFieldName)
			checkMax(t, "field value", field.Value, maxFieldValue)
			if strings.TrimSpace(field.Value) == "" || strings.TrimSpace(field.Name) == "" {
				t.Errorf("embed %d keeps an empty field", i)
			}
		}
	}
}

func checkMax(t *testing.T, what, s string, limit int) {
	t.Helper()
	if n := textLength(s); n > limit {
		t.Errorf("%s is %d long, want at most %d", what, n, limit)
	}
}

func TestFitTotalCutsLongestFirst(t *testing.T) {
	embed := &discordgo.MessageEmbed{
		Title:       "Short title",
		Description: strings.Repeat("d", 4096),
		Footer:      &discordgo.MessageEmbedFooter{Text: strings.Repeat("f", 2048)},
		Fields:      []*discordgo.MessageEmbedField{{Name: "Status", Value: "open"}},
	}
	fitTotal([]*discordgo.MessageEmbed{embed}, maxEmbedTotal)

	if total := embedTotal([]*discordgo.MessageEmbed{embed}); total != maxEmbedTotal {
		t.Errorf("total = %d, want exactly %d", total, maxEmbedTotal)
	}
	if embed.Title != "Short title" || embed.Fields[0].Value != "open" || embed.Footer.Text != strings.Repeat("f", 2048) {
		t.Error("fitTotal cut a short text while the description was longest")
	}
	if !strings.HasSuffix(embed.Description, truncationMarker) {
		t.Error("description was cut without the marker")
	}
}
