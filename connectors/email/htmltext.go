package email

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// htmlToText returns the visible text of an HTML fragment, for the plain-text
// part of a message whose HTML part a route template wrote. Block
// elements (p, div, headings, lists, tables) end lines, br breaks one, list
// items start with "- ", a link is followed by its address in brackets when
// the address differs from the link's text, an image shows its alt text, and
// script, style and head are dropped with their content. Entities are
// decoded, and white space is collapsed outside pre.
//
// It reads the markup a template writer writes, not every HTML document a
// browser accepts: an unclosed tag or comment ends the conversion.
func htmlToText(fragment string) string {
	var c textConverter
	s := fragment
	for i := 0; i < len(s); {
		if s[i] != '<' {
			next := strings.IndexByte(s[i:], '<')
			if next < 0 {
				next = len(s) - i
			}
			c.text(s[i : i+next])
			i += next
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				break
			}
			i += 4 + end + 3
			continue
		}

		end := tagEnd(s, i)
		if end < 0 {
			c.text(s[i:])
			break
		}
		skip := c.tag(s[i+1 : end])
		i = end + 1
		if skip != "" {
			closing := indexFold(s[i:], "</"+skip)
			if closing < 0 {
				break
			}
			i += closing
		}
	}
	return c.result()
}

// textConverter collects the text of an HTML fragment.
type textConverter struct {
	b strings.Builder
	// pre counts the open pre elements, inside which white space is kept.
	pre int
	// links contains, for each open a element, its href and where its text
	// starts in b.
	links []openLink
	// space records white space seen but not yet written.
	space bool
}

type openLink struct {
	href  string
	start int
}

// blockElements end the line before and after them; paragraphElements also
// leave a blank line.
var (
	blockElements = map[string]bool{
		"div": true, "tr": true, "section": true, "article": true, "header": true,
		"footer": true, "main": true, "nav": true, "aside": true, "address": true,
		"dl": true, "dt": true, "dd": true, "figure": true, "figcaption": true,
	}
	paragraphElements = map[string]bool{
		"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
		"ul": true, "ol": true, "table": true, "blockquote": true, "pre": true,
	}
	// skippedElements are dropped with their content.
	skippedElements = map[string]bool{"script": true, "style": true, "head": true, "template": true}
)

// tag handles one tag, given without its angle brackets. It returns the name
// of an element whose content must be skipped, or "".
func (c *textConverter) tag(raw string) string {
	closing := strings.HasPrefix(raw, "/")
	name := tagName(strings.TrimPrefix(raw, "/"))
	switch {
	case name == "":
		return ""
	case skippedElements[name] && !closing && !strings.HasSuffix(raw, "/"):
		return name
	case name == "br":
		c.newline()
	case name == "hr":
		c.paragraph()
		c.write("----")
		c.paragraph()
	case name == "li" && !closing:
		c.newline()
		c.write("- ")
	case (name == "td" || name == "th") && !closing:
		c.cellBreak()
	case name == "img":
		c.text(attribute(raw, "alt"))
	case name == "a":
		c.link(raw, closing)
	case paragraphElements[name]:
		c.paragraph()
		c.pre += preDelta(name, closing)
	case blockElements[name]:
		c.newline()
	}
	return ""
}

func preDelta(name string, closing bool) int {
	switch {
	case name != "pre":
		return 0
	case closing:
		return -1
	default:
		return 1
	}
}

// link opens or closes an a element: the closing tag writes the address
// after the link's text, unless the text is the address already.
func (c *textConverter) link(raw string, closing bool) {
	if !closing {
		c.links = append(c.links, openLink{href: html.UnescapeString(attribute(raw, "href")), start: c.b.Len()})
		return
	}
	if len(c.links) == 0 {
		return
	}
	open := c.links[len(c.links)-1]
	c.links = c.links[:len(c.links)-1]

	href := strings.TrimSpace(open.href)
	shown := strings.TrimSpace(c.b.String()[min(open.start, c.b.Len()):])
	if href == "" || strings.HasPrefix(href, "#") || href == shown || strings.TrimPrefix(href, "mailto:") == shown {
		return
	}
	c.write(" (" + href + ")")
}

// text writes character data, with entities decoded.
func (c *textConverter) text(raw string) {
	decoded := html.UnescapeString(raw)
	if decoded == "" {
		return
	}
	if c.pre > 0 {
		c.flushSpace()
		c.b.WriteString(strings.ReplaceAll(decoded, "\r\n", "\n"))
		return
	}

	words := strings.Fields(decoded)
	if len(words) == 0 || unicode.IsSpace(firstRune(decoded)) {
		c.space = true
	}
	for i, word := range words {
		if i > 0 {
			c.space = true
		}
		c.write(word)
	}
	if len(words) > 0 && unicode.IsSpace(lastRune(decoded)) {
		c.space = true
	}
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// write writes s after any pending space, unless the line is empty.
func (c *textConverter) write(s string) {
	c.flushSpace()
	c.b.WriteString(s)
}

func (c *textConverter) flushSpace() {
	if c.space && c.b.Len() > 0 && !strings.HasSuffix(c.b.String(), "\n") {
		c.b.WriteByte(' ')
	}
	c.space = false
}

// newline ends the current line, unless it is empty.
func (c *textConverter) newline() {
	c.space = false
	if c.b.Len() > 0 && !strings.HasSuffix(c.b.String(), "\n") {
		c.b.WriteByte('\n')
	}
}

// paragraph ends the current line and leaves one blank line.
func (c *textConverter) paragraph() {
	c.newline()
	if c.b.Len() > 0 && !strings.HasSuffix(c.b.String(), "\n\n") {
		c.b.WriteByte('\n')
	}
}

// cellBreak separates a table cell from the one before it on the line.
func (c *textConverter) cellBreak() {
	if c.b.Len() > 0 && !strings.HasSuffix(c.b.String(), "\n") {
		c.space = false
		c.b.WriteString("  ")
	}
}

// result returns the text with trailing spaces removed from each line, at
// most one blank line in a row, and no blank lines at either end.
func (c *textConverter) result() string {
	lines := strings.Split(c.b.String(), "\n")
	var out []string
	blank := false
	for _, line := range lines {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if line == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

// tagEnd returns the index of the '>' that ends the tag starting at s[start],
// skipping quoted attribute values, or -1 when the tag does not end.
func tagEnd(s string, start int) int {
	var quote byte
	for i := start + 1; i < len(s); i++ {
		switch {
		case quote != 0:
			if s[i] == quote {
				quote = 0
			}
		case s[i] == '"' || s[i] == '\'':
			quote = s[i]
		case s[i] == '>':
			return i
		}
	}
	return -1
}

// tagName returns the lower-case element name at the start of a tag's text:
// "" for a declaration such as !DOCTYPE or a processing instruction.
func tagName(raw string) string {
	end := 0
	for end < len(raw) && isNameByte(raw[end]) {
		end++
	}
	return strings.ToLower(raw[:end])
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// attribute returns the raw value of the named attribute in a tag's text, or
// "" when the tag has none.
func attribute(raw, name string) string {
	lower := asciiLower(raw)
	for from := 0; from < len(lower); {
		at := strings.Index(lower[from:], name)
		if at < 0 {
			return ""
		}
		at += from
		from = at + len(name)
		if at == 0 || !unicode.IsSpace(rune(lower[at-1])) {
			continue
		}
		rest := strings.TrimLeftFunc(raw[from:], unicode.IsSpace)
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		return attributeValue(strings.TrimLeftFunc(rest[1:], unicode.IsSpace))
	}
	return ""
}

// attributeValue reads a quoted or unquoted value at the start of s.
func attributeValue(s string) string {
	if s == "" {
		return ""
	}
	if s[0] == '"' || s[0] == '\'' {
		end := strings.IndexByte(s[1:], s[0])
		if end < 0 {
			return s[1:]
		}
		return s[1 : 1+end]
	}
	end := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '>' || r == '/' })
	if end < 0 {
		return s
	}
	return s[:end]
}

// indexFold returns the index of the first match of substr in s, ignoring
// ASCII case, or -1. substr must start with a byte that has no case.
func indexFold(s, substr string) int {
	for from := 0; from+len(substr) <= len(s); {
		at := strings.IndexByte(s[from:], substr[0])
		if at < 0 || from+at+len(substr) > len(s) {
			return -1
		}
		at += from
		if strings.EqualFold(s[at:at+len(substr)], substr) {
			return at
		}
		from = at + 1
	}
	return -1
}

// asciiLower lower-cases ASCII letters only, so that byte offsets into the
// result are offsets into s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
