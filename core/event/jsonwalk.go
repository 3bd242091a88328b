package event

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// The helpers in this file read JSON that scanJSON has already validated and
// compacted, so they skip every check the scanner made.

// objectMembers appends the members of the compact object obj to dst.
func objectMembers(obj []byte, dst []member) []member {
	i := 1 // after '{'
	for i < len(obj) && obj[i] != '}' {
		keyEnd := skipValue(obj, i)
		valStart := keyEnd + 1 // after ':'
		valEnd := skipValue(obj, valStart)
		dst = append(dst, member{
			key: keyRef{start: i + 1, end: keyEnd - 1, escaped: bytes.IndexByte(obj[i+1:keyEnd-1], '\\') >= 0},
			val: span{valStart, valEnd},
		})
		i = valEnd
		if obj[i] == ',' {
			i++
		}
	}
	return dst
}

// skipValue returns the end of the compact value that starts at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
	default:
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' {
			i++
		}
		return i
	}
}

// skipString returns the end of the string that starts at b[i].
func skipString(b []byte, i int) int {
	i++
	for {
		j := bytes.IndexAny(b[i:], `"\`)
		i += j
		if b[i] == '"' {
			return i + 1
		}
		i += 2 // a backslash and the byte it escapes
	}
}

// stringValue returns the text of the compact JSON string raw (quotes included).
func stringValue(raw []byte) string {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner)
	}
	return unescape(inner)
}

// unescape decodes the escapes of a validated string's inner bytes.
func unescape(inner []byte) string {
	out := make([]byte, 0, len(inner))
	for i := 0; i < len(inner); {
		c := inner[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch inner[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, _ := hex4(inner[i+2:])
			if utf16.IsSurrogate(r) {
				low, _ := hex4(inner[i+8:])
				r = utf16.DecodeRune(r, low)
				i += 6
			}
			out = utf8.AppendRune(out, r)
			i += 6
			continue
		default: // '"', '\\' and '/'
			out = append(out, inner[i+1])
		}
		i += 2
	}
	return string(out)
}

// appendString appends s as a JSON string. It escapes '"', '\', control
// characters, U+2028 and U+2029 (which break JavaScript), and replaces invalid
// UTF-8 with U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainStringByte[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendEscapedByte(b, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, `\u202`...)
				b = append(b, hexDigits[r&0xF])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

func appendEscapedByte(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	default:
		return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
	}
}
