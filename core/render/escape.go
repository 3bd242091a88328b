package render

import (
	"html"
	"strings"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/markup"
)

// escapeFunc is the name under which each template's escaper is registered.
// Parse appends a call to it to every action that prints a value.
const escapeFunc = "_switchboard_escape"

// escapers maps each markup to the function that makes a string safe in it.
var escapers = map[sdk.Markup]func(string) string{
	sdk.MarkupText:    func(s string) string { return s },
	sdk.MarkupJSON:    escapeJSONString,
	sdk.MarkupHTML:    html.EscapeString,
	sdk.MarkupSlack:   escapeSlack,
	sdk.MarkupDiscord: escapeDiscord,
}

// valueEscaper returns the function appended to every printing action: it
// formats the value and escapes it for markup, except a Safe value.
func valueEscaper(markup sdk.Markup) func(any) string {
	escape := escapers[markup]
	return func(value any) string {
		if safe, ok := value.(Safe); ok {
			return string(safe)
		}
		return escape(formatValue(value))
	}
}

// escapeJSONString escapes s as the inside of a JSON string: quotes,
// backslashes, control characters, U+2028 and U+2029 (which break JavaScript
// that embeds the JSON), and invalid UTF-8 as U+FFFD.
func escapeJSONString(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s))

	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size

		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		case r == '\u2028':
			b.WriteString(`\u2028`)
		case r == '\u2029':
			b.WriteString(`\u2029`)
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func escapeSlack(s string) string { return markup.Slack(s) }

func escapeDiscord(s string) string { return markup.Discord(s) }
