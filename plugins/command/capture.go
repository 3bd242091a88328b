package command

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk"
)

// tailBuffer keeps the last max bytes written to it and counts them all, so
// that a command's output is captured within a bound however much it writes.
// It is safe for concurrent use.
type tailBuffer struct {
	max int

	mu    sync.Mutex
	data  []byte
	total int64
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

// Write keeps the end of p and reports it all written, so that the command
// never blocks on a full pipe.
func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total += int64(len(p))
	if len(p) >= b.max {
		b.data = append(b.data[:0], p[len(p)-b.max:]...)
		return len(p), nil
	}
	b.data = append(b.data, p...)
	if len(b.data) > 2*b.max {
		b.data = append(b.data[:0], b.data[len(b.data)-b.max:]...)
	}
	return len(p), nil
}

// Tail returns at most n of the last bytes written, from a character
// boundary on, with invalid UTF-8 replaced, and whether earlier output was
// left out.
func (b *tailBuffer) Tail(n int) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data := b.data
	if len(data) > b.max {
		data = data[len(data)-b.max:]
	}
	cut := int64(len(data)) < b.total
	if len(data) > n {
		data, cut = data[len(data)-n:], true
	}
	for len(data) > 0 && !utf8.RuneStart(data[0]) {
		data = data[1:]
	}
	return strings.ToValidUTF8(string(data), "\uFFFD"), cut
}

// Total returns the number of bytes written.
func (b *tailBuffer) Total() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

// excerpt returns the end of the output for Result.Response: at most
// sdk.MaxResponseExcerpt bytes, starting with "…" when earlier output was
// left out.
func (b *tailBuffer) excerpt() string {
	tail, cut := b.Tail(sdk.MaxResponseExcerpt - len("…"))
	if cut {
		return "…" + tail
	}
	return tail
}
