package email

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHeaderText(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":                   {"Login fails", "Login fails"},
		"CR LF":                   {"a\r\nBcc: x@example.com", "a Bcc: x@example.com"},
		"runs of control":         {"a\r\n\t\x00\x1b b", "a b"},
		"line separators":         {"a\u2028b\u2029c\u0085d", "a b c d"},
		"ends trimmed":            {"  \r\n a \n ", "a"},
		"invalid UTF-8":           {"a\xffb", "a\uFFFDb"},
		"non-ASCII kept":          {"Grüße 日本 🚀", "Grüße 日本 🚀"},
		"no-break space is space": {"a\u00a0\u00a0b", "a b"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := headerText(tc.in); got != tc.want {
				t.Errorf("headerText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestBodyText(t *testing.T) {
	got := bodyText("line 1\r\nline 2\rline 3\u2028line 4\ttab\x00\x1b[0m\xff")
	want := "line 1\nline 2\nline 3\nline 4\ttab[0m\uFFFD"
	if got != want {
		t.Errorf("bodyText = %q, want %q", got, want)
	}
}

func TestTruncateRunes(t *testing.T) {
	if got, cut := truncateRunes("Größe ändern", 6); got != "Größe…" || !cut {
		t.Errorf("truncateRunes = %q, %t; want Größe…, true", got, cut)
	}
	if got, cut := truncateRunes("short", 6); got != "short" || cut {
		t.Errorf("truncateRunes = %q, %t; want short, false", got, cut)
	}
}

func FuzzHeaderText(f *testing.F) {
	f.Add("Login fails\r\nBcc: victim@example.com")
	f.Add("\u2028\x00\xff 日本")
	f.Fuzz(func(t *testing.T, s string) {
		got := headerText(s)
		if strings.ContainsAny(got, "\r\n") || hasControl(got) {
			t.Errorf("headerText(%q) = %q contains a control character", s, got)
		}
		if !utf8.ValidString(got) {
			t.Errorf("headerText(%q) = %q is not valid UTF-8", s, got)
		}
		if got != strings.TrimSpace(got) || strings.Contains(got, "  ") {
			t.Errorf("headerText(%q) = %q has untrimmed or doubled spaces", s, got)
		}
	})
}
