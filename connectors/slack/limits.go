package slack

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Slack's Block Kit limits (docs.slack.dev, "Blocks" and "Text object").
const (
	maxBlocks          = 50
	maxHeaderText      = 150
	maxSectionText     = 3000
	maxFields          = 10
	maxFieldText       = 2000
	maxContextElements = 10
	// maxTotalText bounds the text of all blocks together. Slack documents no
	// such limit but rejects long messages with msg_blocks_too_long, which was
	// reported from about 11,000 characters, so this stays below.
	maxTotalText = 10000
	// maxFallbackText bounds the top-level text, the notification fallback.
	// Slack truncates text over 40,000 characters and advises 4,000 at most.
	maxFallbackText = 3000
)

// cutMarker ends every text that was cut to fit a limit.
const cutMarker = "… (cut to fit Slack's limit)"

// textLength counts s in UTF-16 code units. Slack does not document whether it
// counts characters or code units. Code units are never fewer than runes, so a
// text within the limit by this count is within it either way.
func textLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// cutPlain returns s when it fits in max, else its longest start at a rune
// boundary that fits with the marker after it.
func cutPlain(s string, max int) string {
	if textLength(s) <= max {
		return s
	}
	return strings.TrimRight(runePrefix(s, max-textLength(cutMarker)), " \t\n") + cutMarker
}

// runePrefix returns the longest start of s, at a rune boundary, whose length
// is at most max.
func runePrefix(s string, max int) string {
	n, end := 0, 0
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		width := utf16.RuneLen(r)
		if n+width > max {
			break
		}
		n += width
		end += size
	}
	return s[:end]
}

// cutMrkdwn returns s when it fits in max, else a start of it that fits with
// the marker after it. The cut never splits an entity (&amp;) or an angle
// token (a link, mention or date), and a code fence left open is closed.
// NOTE: a span of *bold*, _italic_ or ~strike~ that the cut leaves open shows
// its opening mark as a plain character; Slack renders nothing broken.
func cutMrkdwn(s string, max int) string {
	if textLength(s) <= max {
		return s
	}
	head, _ := splitMrkdwn(s, max-textLength(cutMarker))
	if strings.HasSuffix(head, codeFence) {
		// The marker goes after the block, not on its closing line.
		head += "\n"
	}
	return head + cutMarker
}

// codeFence opens and closes a preformatted block in mrkdwn.
const codeFence = "```"

// splitMrkdwn splits s into a head that fits in max and the rest, preferring
// to end the head at a line break in its second half. An atom is split only
// when it alone is longer than max.
// A code fence open at the cut is closed at the end of the head and opened
// again at the start of the rest, so both parts render as code.
func splitMrkdwn(s string, max int) (head, rest string) {
	if textLength(s) <= max {
		return s, ""
	}
	// Room for closing a code fence, and for the line break cutMrkdwn adds
	// after it.
	closing := textLength("\n" + codeFence + "\n")
	end, lineEnd, n := 0, -1, 0
	for i := 0; i < len(s); {
		size := atomSize(s[i:])
		width := textLength(s[i : i+size])
		if n+width+closing > max {
			break
		}
		n += width
		i += size
		end = i
		if s[i-1] == '\n' && n > max/2 {
			lineEnd = i
		}
	}
	if lineEnd > 0 {
		end = lineEnd
	}
	if end == 0 {
		// The first atom alone is longer than max: split it at a rune.
		end = len(runePrefix(s, max-closing))
	}

	head, rest = s[:end], s[end:]
	if strings.Count(head, codeFence)%2 == 1 {
		head = strings.TrimRight(head, "\n") + "\n" + codeFence
		rest = codeFence + "\n" + strings.TrimLeft(rest, "\n")
	}
	return strings.TrimRight(head, " \t"), rest
}

// atomSize returns the length in bytes of the unit at the start of s that a
// cut must keep whole: an entity such as &amp;, an angle token such as
// <https://x|label> (up to the next >, without a line break in it), a code
// fence, or one rune.
func atomSize(s string) int {
	switch {
	case strings.HasPrefix(s, codeFence):
		return len(codeFence)
	case s[0] == '&':
		if end := strings.IndexByte(s, ';'); end > 1 && end <= 10 && isEntityName(s[1:end]) {
			return end + 1
		}
	case s[0] == '<':
		if end := strings.IndexByte(s, '>'); end > 0 && !strings.ContainsRune(s[:end], '\n') {
			return end + 1
		}
	}
	_, size := utf8.DecodeRuneInString(s)
	return size
}

func isEntityName(name string) bool {
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '#') {
			return false
		}
	}
	return true
}
