package markup

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestSlack(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"plain text", "plain text"},
		{"<!channel> <!here>", "&lt;!channel&gt; &lt;!here&gt;"},
		{"<@U024BE7LH>", "&lt;@U024BE7LH&gt;"},
		{"<https://evil.example|Turbo login>", "&lt;https://evil.example|Turbo login&gt;"},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"Tom & Jerry &amp;", "Tom &amp; Jerry &amp;amp;"},
		{"*bold* _italic_ ~strike~", "∗bold∗ ˍitalicˍ ∼strike∼"},
		{"`code` and ```block```", "ˋcodeˋ and ˋˋˋblockˋˋˋ"},
		{"in_progress snake_case_name 2*3", "in_progress snake_case_name 2*3"},
		{"> quoted\nnext > not quoted\n> again", softHyphen + "&gt; quoted\nnext &gt; not quoted\n" + softHyphen + "&gt; again"},
		{"@everyone @here", "@everyone @here"},
		{"Ünïcödé ✓ 日本語 🚀", "Ünïcödé ✓ 日本語 🚀"},
		{"bad \xff byte", "bad \uFFFD byte"},
	}
	for _, tt := range tests {
		if got := Slack(tt.in); got != tt.want {
			t.Errorf("Slack(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSlack(f *testing.F) {
	for _, text := range connectortest.HostileTexts {
		f.Add(text)
	}
	f.Add("a_b *c* `d` ~e~ > f")
	f.Fuzz(func(t *testing.T, in string) {
		out := Slack(in)
		if !utf8.ValidString(out) {
			t.Fatalf("Slack(%q) is not valid UTF-8", in)
		}
		if strings.ContainsAny(out, "<>`") {
			t.Fatalf("Slack(%q) = %q keeps <, > or `", in, out)
		}
		rest := out
		for i := strings.IndexByte(rest, '&'); i >= 0; i = strings.IndexByte(rest, '&') {
			rest = rest[i:]
			if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
				t.Fatalf("Slack(%q) = %q has a bare &", in, out)
			}
			rest = rest[1:]
		}
		runes := []rune(out)
		for i, r := range runes {
			if strings.ContainsRune("*_~", r) && !insideWord(runes, i) {
				t.Fatalf("Slack(%q) = %q keeps %q at a word boundary", in, out, r)
			}
		}
	})
}

func TestDiscord(t *testing.T) {
	tests := []struct {
		in, content, embed string
	}{
		{"@everyone *bold*", "@\u200beveryone \\*bold\\*", "@everyone \\*bold\\*"},
		{"<@123> #x [l](u)", "\\<@\u200b123\\> \\#x \\[l\\](u)", "\\<@123\\> \\#x \\[l\\](u)"},
		{`a\*b`, `a\\\*b`, `a\\\*b`},
	}
	for _, tt := range tests {
		if got := Discord(tt.in); got != tt.content {
			t.Errorf("Discord(%q) = %q, want %q", tt.in, got, tt.content)
		}
		if got := DiscordEmbed(tt.in); got != tt.embed {
			t.Errorf("DiscordEmbed(%q) = %q, want %q", tt.in, got, tt.embed)
		}
	}
}
