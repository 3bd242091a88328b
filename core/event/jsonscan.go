package event

import (
	"bytes"
	"strconv"
	"sync"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of objects and arrays an event may contain,
// counting the event object itself as level 1.
const MaxDepth = 64

// maxKeysScanned is the number of keys up to which the scanner finds a duplicate
// key by comparing it with every earlier key of its object. Larger objects use a
// map.
const maxKeysScanned = 32

// scanner validates a JSON text strictly and produces its compact form in one
// pass. Beyond RFC 8259 syntax it rejects invalid UTF-8, unpaired UTF-16
// surrogate escapes, duplicate keys in an object and nesting deeper than MaxDepth.
// encoding/json accepts all of these silently (it replaces bad text with U+FFFD
// and keeps the last duplicate), so it cannot do this check.
//
// The compact form is the input without insignificant whitespace: every token is
// copied byte for byte, string escapes included. While scanning, the scanner
// records the members of the objects at eventDepth (the root object, or the
// objects in the root array) and the spans of those event-level values, so that
// callers need no second pass over the body.
type scanner struct {
	in  []byte
	pos int

	// out holds the compact bytes written so far, and in[flushed:pos] the bytes
	// still to copy. out stays nil while the input has no whitespace to drop, so
	// compact input is returned as a sub-slice without copying.
	out     []byte
	flushed int

	depth      int
	limit      int
	eventDepth int

	*scratch
}

// scratch holds the scanner's working slices, which are reused across scans
// through scratchPool. keys holds the keys of every open object, innermost last,
// to find duplicates; path holds the location being scanned, for error
// messages. Both locate keys in the input. members and elements are the
// recorded event-level members and values, located in the compact output.
type scratch struct {
	keys     []keyRef
	path     []pathElem
	members  []member
	elements []span
}

// maxPooledMembers bounds the scratch kept for reuse, so that one huge batch
// does not pin its memory.
const maxPooledMembers = 4096

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		keys:     make([]keyRef, 0, 64),
		path:     make([]pathElem, 0, 16),
		members:  make([]member, 0, 32),
		elements: make([]span, 0, 4),
	}
}}

// release returns the scratch to the pool. The result's members and elements
// must not be used afterwards.
func (sc *scratch) release() {
	if sc == nil || cap(sc.members) > maxPooledMembers || cap(sc.elements) > maxPooledMembers {
		return
	}
	sc.keys, sc.path = sc.keys[:0], sc.path[:0]
	sc.members, sc.elements = sc.members[:0], sc.elements[:0]
	scratchPool.Put(sc)
}

// keyRef locates an object key between its quotes in a buffer: the input while
// scanning, the compact output in recorded members, the object itself in
// objectMembers. Offsets instead of slices keep the scratch free of pointers.
type keyRef struct {
	start, end int
	escaped    bool
}

// bytes returns the key as it appears in buf, escapes included.
func (k keyRef) bytes(buf []byte) []byte { return buf[k.start:k.end] }

// text returns the key's decoded text.
func (k keyRef) text(buf []byte) string {
	if !k.escaped {
		return string(buf[k.start:k.end])
	}
	return unescape(buf[k.start:k.end])
}

// is reports whether the key's decoded text equals name.
func (k keyRef) is(buf []byte, name string) bool {
	if !k.escaped {
		return string(buf[k.start:k.end]) == name
	}
	return k.text(buf) == name
}

// pathElem is one step of the location being scanned: an object key, an array
// index, or nothing yet (an object before its first key).
type pathElem struct {
	key     keyRef
	index   int
	isKey   bool
	isIndex bool
}

// member is one key and value of an object, located in a buffer.
type member struct {
	elem int
	key  keyRef
	val  span
}

// span is a half-open byte range [start, end) of a buffer.
type span struct{ start, end int }

// scanResult is the output of a successful scan. Call release once members and
// elements are no longer needed.
type scanResult struct {
	compact  []byte
	members  []member
	elements []span
	// isArray reports whether the root value is an array; elements then holds its
	// values, otherwise elements holds the root value alone.
	isArray bool

	scratch *scratch
}

// release returns the scan's working memory for reuse.
func (r *scanResult) release() {
	r.scratch.release()
	r.scratch, r.members, r.elements = nil, nil, nil
}

// scanJSON scans one JSON text. When batch is true and the root is an array, its
// elements are the event-level values, and each may nest MaxDepth levels itself.
// Otherwise the root value is the only event-level value.
func scanJSON(in []byte, batch bool) (scanResult, error) {
	s := scanner{in: in, limit: MaxDepth, eventDepth: 1, scratch: scratchPool.Get().(*scratch)}
	result, err := s.scan(batch)
	if err != nil {
		s.scratch.release()
	}
	return result, err
}

func (s *scanner) scan(batch bool) (scanResult, error) {
	in := s.in
	s.skipSpace()
	if s.pos >= len(in) {
		return scanResult{}, s.fail("the body is empty; send a JSON value")
	}

	isArray := batch && in[s.pos] == '['
	if isArray {
		s.limit = MaxDepth + 1
		s.eventDepth = 2
	}

	start := s.offset()
	if err := s.value(); err != nil {
		return scanResult{}, err
	}
	if !isArray {
		s.elements = append(s.elements, span{start, s.offset()})
	}
	compact := s.finish()

	s.skipSpace()
	if s.pos < len(in) {
		return scanResult{}, s.fail("unexpected " + describeByte(in[s.pos]) + " after the top-level value; send exactly one JSON value")
	}
	return scanResult{compact: compact, members: s.members, elements: s.elements, isArray: isArray, scratch: s.scratch}, nil
}

// offset returns the current position in the compact output.
func (s *scanner) offset() int { return len(s.out) + s.pos - s.flushed }

// finish returns the compact output up to the current position.
func (s *scanner) finish() []byte {
	if s.out == nil {
		return s.in[s.flushed:s.pos:s.pos]
	}
	s.out = append(s.out, s.in[s.flushed:s.pos]...)
	s.flushed = s.pos
	return s.out
}

// skipSpace skips insignificant whitespace, copying the bytes before it to the
// compact output.
func (s *scanner) skipSpace() {
	start := s.pos
	for s.pos < len(s.in) && isSpace(s.in[s.pos]) {
		s.pos++
	}
	if s.pos == start {
		return
	}
	if start > s.flushed {
		if s.out == nil {
			s.out = make([]byte, 0, len(s.in))
		}
		s.out = append(s.out, s.in[s.flushed:start]...)
	}
	s.flushed = s.pos
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// value scans one JSON value starting at pos.
func (s *scanner) value() error {
	if s.pos >= len(s.in) {
		return s.fail("unexpected end of input; the JSON text is cut short")
	}
	switch c := s.in[s.pos]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		_, err := s.str(false)
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	default:
		return s.fail("unexpected " + describeByte(c) + "; expected a JSON value")
	}
}

// object scans an object, checking its keys for duplicates.
func (s *scanner) object() error {
	if err := s.enter(); err != nil {
		return err
	}
	record := s.depth == s.eventDepth
	elem := len(s.elements)
	base := len(s.keys)
	var seen map[string]struct{}

	s.pos++ // '{'
	s.skipSpace()
	if s.pos < len(s.in) && s.in[s.pos] == '}' {
		s.pos++
		s.leave(base)
		return nil
	}
	for {
		// A problem inside the key is located at the object, and one after it
		// (a duplicate, the value) at the key.
		s.path[len(s.path)-1] = pathElem{}
		compactKey := s.offset() + 1
		key, err := s.objectKey()
		if err != nil {
			return err
		}
		s.path[len(s.path)-1] = pathElem{key: key, isKey: true}
		if seen, err = s.checkDuplicate(key, base, seen); err != nil {
			return err
		}
		s.keys = append(s.keys, key)

		start := s.offset()
		if err := s.value(); err != nil {
			return err
		}
		if record {
			recorded := keyRef{start: compactKey, end: compactKey + key.end - key.start, escaped: key.escaped}
			s.members = append(s.members, member{elem: elem, key: recorded, val: span{start, s.offset()}})
		}

		s.skipSpace()
		done, err := s.endOfMember('}', "'}' or ',' after an object member")
		if err != nil {
			return err
		}
		if done {
			s.leave(base)
			return nil
		}
	}
}

// objectKey scans a key and the colon after it.
func (s *scanner) objectKey() (keyRef, error) {
	if s.pos >= len(s.in) || s.in[s.pos] != '"' {
		return keyRef{}, s.failAt("expected a string key in double quotes")
	}
	start := s.pos
	escaped, err := s.str(true)
	if err != nil {
		return keyRef{}, err
	}
	key := keyRef{start: start + 1, end: s.pos - 1, escaped: escaped}

	s.skipSpace()
	if s.pos >= len(s.in) || s.in[s.pos] != ':' {
		return keyRef{}, s.failAt("expected ':' after the object key")
	}
	s.pos++
	s.skipSpace()
	return key, nil
}

// checkDuplicate reports an error when key equals an earlier key of the object
// whose keys start at keys[base]. It switches to a map for large objects and
// returns that map for the object's next keys.
func (s *scanner) checkDuplicate(key keyRef, base int, seen map[string]struct{}) (map[string]struct{}, error) {
	earlier := s.keys[base:]
	if seen == nil && len(earlier) < maxKeysScanned {
		for _, other := range earlier {
			if s.sameKey(key, other) {
				return nil, s.duplicate(key)
			}
		}
		return nil, nil
	}

	if seen == nil {
		seen = make(map[string]struct{}, 2*maxKeysScanned)
		for _, other := range earlier {
			seen[other.text(s.in)] = struct{}{}
		}
	}
	name := key.text(s.in)
	if _, ok := seen[name]; ok {
		return nil, s.duplicate(key)
	}
	seen[name] = struct{}{}
	return seen, nil
}

func (s *scanner) duplicate(key keyRef) error {
	return s.fail("duplicate key " + strconv.Quote(key.text(s.in)) + " in one object; send each key once")
}

func (s *scanner) sameKey(a, b keyRef) bool {
	if !a.escaped && !b.escaped {
		if a.end-a.start != b.end-b.start {
			return false
		}
		return bytes.Equal(s.in[a.start:a.end], s.in[b.start:b.end])
	}
	return a.text(s.in) == b.text(s.in)
}

// array scans an array.
func (s *scanner) array() error {
	if err := s.enter(); err != nil {
		return err
	}
	s.path[len(s.path)-1] = pathElem{isIndex: true}
	recordElements := s.depth == s.eventDepth-1

	s.pos++ // '['
	s.skipSpace()
	if s.pos < len(s.in) && s.in[s.pos] == ']' {
		s.pos++
		s.leave(len(s.keys))
		return nil
	}
	for index := 0; ; index++ {
		s.path[len(s.path)-1].index = index
		start := s.offset()
		if err := s.value(); err != nil {
			return err
		}
		if recordElements {
			s.elements = append(s.elements, span{start, s.offset()})
		}

		s.skipSpace()
		done, err := s.endOfMember(']', "']' or ',' after an array element")
		if err != nil {
			return err
		}
		if done {
			s.leave(len(s.keys))
			return nil
		}
	}
}

// endOfMember consumes the ',' between members, or the closing byte, in which
// case it reports done.
func (s *scanner) endOfMember(closing byte, expected string) (done bool, err error) {
	if s.pos >= len(s.in) {
		return false, s.fail("unexpected end of input; expected " + expected)
	}
	switch s.in[s.pos] {
	case closing:
		s.pos++
		return true, nil
	case ',':
		s.pos++
		s.skipSpace()
		return false, nil
	default:
		return false, s.failAt("expected " + expected)
	}
}

func (s *scanner) enter() error {
	s.depth++
	if s.depth > s.limit {
		return s.fail("nesting deeper than " + strconv.Itoa(MaxDepth) + " levels of objects and arrays; flatten the data")
	}
	s.path = append(s.path, pathElem{})
	return nil
}

func (s *scanner) leave(keysBase int) {
	s.depth--
	s.path = s.path[:len(s.path)-1]
	s.keys = s.keys[:keysBase]
}

// str scans a string, which is an object key when key is set, and reports
// whether it contains escapes.
func (s *scanner) str(key bool) (escaped bool, err error) {
	i := s.pos + 1
	for {
		for i < len(s.in) && plainStringByte[s.in[i]] {
			i++
		}
		if i >= len(s.in) {
			s.pos = i
			noun, _ := stringNoun(key)
			return false, s.fail("unterminated " + noun + "; close it with '\"'")
		}
		switch c := s.in[i]; {
		case c == '"':
			s.pos = i + 1
			return escaped, nil
		case c == '\\':
			escaped = true
			_, where := stringNoun(key)
			n, msg := escapeLength(s.in[i:], where)
			if msg != "" {
				s.pos = i
				return false, s.fail(msg)
			}
			i += n
		case c < 0x20:
			s.pos = i
			_, where := stringNoun(key)
			return false, s.fail("control character " + describeByte(c) + " in " + where + "; escape it (for example \\n or \\u0000)")
		default:
			r, size := utf8.DecodeRune(s.in[i:])
			if r == utf8.RuneError && size <= 1 {
				s.pos = i
				_, where := stringNoun(key)
				return false, s.fail("invalid UTF-8 in " + where + "; send the body as UTF-8")
			}
			i += size
		}
	}
}

// stringNoun names a string token for messages, bare ("object key") and with
// its article ("an object key").
func stringNoun(key bool) (noun, withArticle string) {
	if key {
		return "object key", "an object key"
	}
	return "string", "a string"
}

// plainStringByte marks the bytes that stand for themselves inside a string:
// printable ASCII other than '"' and '\'.
var plainStringByte = func() (table [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		table[c] = c != '"' && c != '\\'
	}
	return table
}()

// escapeLength returns the length of the escape sequence at the start of b, or a
// message saying why it is invalid. where names the token, such as "a string".
func escapeLength(b []byte, where string) (int, string) {
	if len(b) < 2 {
		return 0, "unterminated escape sequence in " + where
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, ""
	case 'u':
	default:
		return 0, "invalid escape \\" + string(rune(b[1])) + " in " + where + "; use \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX"
	}

	r, ok := hex4(b[2:])
	if !ok {
		return 0, "invalid \\u escape in " + where + "; write \\u and four hex digits"
	}
	switch {
	case r >= 0xDC00 && r <= 0xDFFF:
		return 0, "unpaired UTF-16 low surrogate escape in " + where + "; the text is not valid Unicode"
	case r >= 0xD800 && r <= 0xDBFF:
		if len(b) < 12 || b[6] != '\\' || b[7] != 'u' {
			return 0, "unpaired UTF-16 high surrogate escape in " + where + "; the text is not valid Unicode"
		}
		low, ok := hex4(b[8:])
		if !ok || low < 0xDC00 || low > 0xDFFF {
			return 0, "unpaired UTF-16 high surrogate escape in " + where + "; the text is not valid Unicode"
		}
		return 12, ""
	default:
		return 6, ""
	}
}

// hex4 decodes four hex digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// number scans a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	i := s.pos
	if s.in[i] == '-' {
		i++
	}
	switch {
	case i < len(s.in) && s.in[i] == '0':
		i++
	case i < len(s.in) && s.in[i] >= '1' && s.in[i] <= '9':
		i = skipDigits(s.in, i)
	default:
		return s.invalidNumber(i)
	}

	if i < len(s.in) && s.in[i] == '.' {
		i++
		if i >= len(s.in) || !isDigit(s.in[i]) {
			return s.invalidNumber(i)
		}
		i = skipDigits(s.in, i)
	}
	if i < len(s.in) && (s.in[i] == 'e' || s.in[i] == 'E') {
		i++
		if i < len(s.in) && (s.in[i] == '+' || s.in[i] == '-') {
			i++
		}
		if i >= len(s.in) || !isDigit(s.in[i]) {
			return s.invalidNumber(i)
		}
		i = skipDigits(s.in, i)
	}
	s.pos = i
	return nil
}

func (s *scanner) invalidNumber(i int) error {
	s.pos = i
	return s.fail("invalid number; write numbers as in JSON (no leading zeros, '+', hex or trailing '.')")
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// literal scans true, false or null.
func (s *scanner) literal(word string) error {
	if !bytes.HasPrefix(s.in[s.pos:], []byte(word)) {
		return s.fail("invalid literal; expected " + word + " (JSON literals are lowercase)")
	}
	s.pos += len(word)
	return nil
}

// fail returns a *SyntaxError at the current position.
func (s *scanner) fail(msg string) error {
	return &SyntaxError{Offset: s.pos, Path: s.pathString(), Message: msg}
}

// failAt is fail with the byte found named in the message.
func (s *scanner) failAt(expected string) error {
	if s.pos >= len(s.in) {
		return s.fail("unexpected end of input; " + expected)
	}
	return s.fail("unexpected " + describeByte(s.in[s.pos]) + "; " + expected)
}

// pathString formats the location being scanned, such as "events[2].data.current".
func (s *scanner) pathString() string {
	var b []byte
	for i, elem := range s.path {
		switch {
		case elem.isIndex && i == 0 && s.eventDepth == 2:
			b = append(b, "events["...)
			b = strconv.AppendInt(b, int64(elem.index), 10)
			b = append(b, ']')
		case elem.isIndex:
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(elem.index), 10)
			b = append(b, ']')
		case elem.isKey:
			if len(b) > 0 {
				b = append(b, '.')
			}
			b = append(b, elem.key.text(s.in)...)
		}
	}
	return string(b)
}

// describeByte names a byte for an error message.
func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7F {
		return strconv.QuoteRune(rune(c))
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}
