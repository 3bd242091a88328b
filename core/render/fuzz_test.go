package render

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk"
)

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"{{ .event_type }}",
		"{{ truncate 80 .data.current.title }}",
		"{{ range changes }}{{ . }}{{ end }}",
		`{{ define "x" }}{{ link }}{{ end }}{{ template "x" . }}`,
		"{{ if .a }}{{ else if .b }}{{ end }}",
		"{{ $x := 1 }}{{ $x = 2 }}{{ $x }}",
		"{{ (changes) }}{{ (link).x }}",
		"{{",
	} {
		f.Add(seed)
	}
	doc := loadFixture(f, "issue-updated-status.json")
	engine := New(Options{WebURL: "https://turbo.example.com"})

	f.Fuzz(func(t *testing.T, text string) {
		tmpl, err := engine.Parse("fuzz", text, sdk.MarkupDiscord)
		if err != nil {
			return
		}
		out, err := tmpl.Execute(doc)
		if err == nil && len(out) > MaxOutputBytes {
			t.Errorf("output of %d bytes passes the bound", len(out))
		}
	})
}

func FuzzEscapeJSONString(f *testing.F) {
	for _, seed := range []string{"plain", `q"b\`, "\n\t\x00\x1f", "\u2028\u2029", "ünï", "\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var decoded string
		if err := json.Unmarshal([]byte(`"`+escapeJSONString(s)+`"`), &decoded); err != nil {
			t.Fatalf("escaped %q is not a valid JSON string: %v", s, err)
		}
		if utf8.ValidString(s) && decoded != s {
			t.Errorf("round trip of %q gave %q", s, decoded)
		}
	})
}

func FuzzEscapeDiscord(f *testing.F) {
	for _, seed := range []string{"@everyone", "@here", "<@123>", "<@&1>", "<#2>", `\@everyone`, "**bold**", "@@everyone"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := escapeDiscord(s)
		if strings.Count(out, "@") != strings.Count(out, "@\u200b") {
			t.Errorf("escape of %q = %q has an @ without a zero-width space after it", s, out)
		}
		for i := 0; i < len(out); i++ {
			if strings.IndexByte("*_~`|>#<[]", out[i]) >= 0 && !escapedAt(out, i) {
				t.Errorf("escape of %q = %q leaves %q at %d unescaped", s, out, out[i], i)
			}
		}
	})
}

// escapedAt reports whether the character at i follows an odd number of
// backslashes.
func escapedAt(s string, i int) bool {
	count := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		count++
	}
	return count%2 == 1
}
