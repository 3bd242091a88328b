package derive

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// The helpers in this file read JSON that is already known to be valid: ingest
// validated every event, and the store wrote every entity state from one. They
// find members by skipping values instead of decoding them, because deriving
// runs for every event and only a few fields matter.

// eachMember calls fn with the raw key and the value of each member of the
// JSON object obj, in order, until fn returns false. Keys are passed without
// their quotes and with escapes kept.
func eachMember(obj []byte, fn func(key, value []byte) bool) {
	eachMemberSpan(obj, func(m memberSpan) bool {
		return fn(obj[m.keyStart+1:m.keyEnd-1], obj[m.valueStart:m.valueEnd])
	})
}

// memberSpan locates one member of an object: the key from its opening quote
// to after its closing one, and the value.
type memberSpan struct {
	keyStart, keyEnd, valueStart, valueEnd int
}

// eachMemberSpan calls fn with where each member of the JSON object obj is,
// in order, until fn returns false.
func eachMemberSpan(obj []byte, fn func(memberSpan) bool) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return
	}
	i++
	for {
		i = skipSpace(obj, i)
		if i >= len(obj) || obj[i] != '"' {
			return
		}
		m := memberSpan{keyStart: i, keyEnd: skipString(obj, i)}
		i = skipSpace(obj, m.keyEnd)
		if i >= len(obj) || obj[i] != ':' {
			return
		}
		m.valueStart = skipSpace(obj, i+1)
		m.valueEnd = skipValue(obj, m.valueStart)
		if !fn(m) {
			return
		}
		i = skipSpace(obj, m.valueEnd)
		if i >= len(obj) || obj[i] != ',' {
			return
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string that starts at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index after the value that starts at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
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
		return i
	default:
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\n' && b[i] != '\t' && b[i] != '\r' {
			i++
		}
		return i
	}
}

// keyText returns a raw key's text. A key written with escapes is decoded, so
// "st\u0061tus" is status too.
func keyText(key []byte) string {
	if bytes.IndexByte(key, '\\') < 0 {
		return string(key)
	}
	var decoded string
	if json.Unmarshal(append(append([]byte{'"'}, key...), '"'), &decoded) != nil {
		return ""
	}
	return decoded
}

// stringValue returns a JSON string's text, or nil for any other value, as
// encoding/json leaves a field of another type empty.
func stringValue(v []byte) *string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return nil
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		s := string(inner)
		return &s
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return nil
	}
	return &s
}

// numberValue returns a JSON number, or a decimal number written as a JSON
// string, or nil for any other value.
func numberValue(v []byte) *float64 {
	if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1] // a number written as a string, such as "80"
		if strings.Trim(string(v), "0123456789.eE+-") != "" {
			return nil // not a decimal number: hexadecimal, Inf, NaN
		}
	}
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return nil
	}
	n, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		return nil
	}
	return &n
}

// boolValue returns a JSON boolean, or nil for any other value.
func boolValue(v []byte) *bool {
	var b bool
	switch string(v) {
	case "true":
		b = true
	case "false":
	default:
		return nil
	}
	return &b
}

// nonEmptyArray reports whether v is an array with at least one item.
func nonEmptyArray(v []byte) bool {
	return len(v) > 0 && v[0] == '[' && v[skipSpace(v, 1)] != ']'
}
