package email

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isControl reports whether r is a C0 or C1 control character, DEL, or a
// Unicode line or paragraph separator: characters that can end a header line
// in some reader, or that no message should show.
func isControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// hasControl reports whether s contains a control character.
func hasControl(s string) bool {
	return strings.IndexFunc(s, isControl) >= 0
}

// hasControlOrSpace reports whether s contains a control character or white
// space.
func hasControlOrSpace(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return isControl(r) || unicode.IsSpace(r) }) >= 0
}

// headerText makes s safe as the value of an unstructured header such as
// Subject: every run of control characters and white space becomes one space,
// invalid UTF-8 becomes U+FFFD, and the ends are trimmed. The result contains no
// CR or LF, so it cannot start a header of its own, whatever the encoder
// does with it later.
func headerText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range strings.ToValidUTF8(s, string(utf8.RuneError)) {
		if isControl(r) || unicode.IsSpace(r) {
			pendingSpace = b.Len() > 0
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// bodyText makes s safe as text in a message body: line ends become "\n",
// tabs are kept, other control characters are dropped, and invalid UTF-8
// becomes U+FFFD.
func bodyText(s string) string {
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r' || r == '\u2028' || r == '\u2029':
			return '\n'
		case isControl(r):
			return -1
		}
		return r
	}, s)
}

// truncateRunes cuts s to at most max runes, ending with "…" when it cut.
func truncateRunes(s string, max int) (string, bool) {
	if utf8.RuneCountInString(s) <= max {
		return s, false
	}
	runes := []rune(s)
	return strings.TrimRightFunc(string(runes[:max-1]), unicode.IsSpace) + "…", true
}
