package httpresult

import (
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk"
)

// MaxBodyRead is the number of bytes of a response body that ReadBody returns.
const MaxBodyRead = 64 << 10

// MaxDrain is the number of bytes discarded after MaxBodyRead, so that a
// keep-alive connection can be reused after a longer body. A body longer than
// both is cut short, and its connection is closed.
const MaxDrain = 256 << 10

// excerptBuffer holds the start of a body: one byte more than the excerpt
// keeps, so that sdk.Excerpt can tell that the body was longer.
type excerptBuffer [sdk.MaxResponseExcerpt + 1]byte

var excerptBuffers = sync.Pool{New: func() any { return new(excerptBuffer) }}

// ReadBody reads at most MaxBodyRead bytes of body, discards up to MaxDrain
// bytes more, and closes it. It returns what it read, even with an error.
func ReadBody(body io.ReadCloser) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	defer body.Close()

	data, err := io.ReadAll(io.LimitReader(body, MaxBodyRead))
	if err != nil {
		return data, err
	}
	io.CopyN(io.Discard, body, MaxDrain)
	return data, nil
}

// Drain discards up to MaxBodyRead plus MaxDrain bytes of body and closes it,
// for callers that do not need the body.
func Drain(body io.ReadCloser) {
	if body == nil {
		return
	}
	io.CopyN(io.Discard, body, MaxBodyRead+MaxDrain)
	body.Close()
}

// consumeExcerpt returns the start of body, valid UTF-8 and at most one byte
// longer than sdk.MaxResponseExcerpt, then drains and closes it. A read error
// ends the excerpt: the status line has arrived, and it decides the outcome.
func consumeExcerpt(body io.ReadCloser) string {
	if body == nil {
		return ""
	}
	buffer := excerptBuffers.Get().(*excerptBuffer)
	n, _ := io.ReadFull(body, buffer[:])
	excerpt := string(buffer[:n])
	excerptBuffers.Put(buffer)

	io.CopyN(io.Discard, body, MaxBodyRead+MaxDrain-int64(n))
	body.Close()

	if !utf8.ValidString(excerpt) {
		excerpt = strings.ToValidUTF8(excerpt, "\uFFFD")
	}
	return excerpt
}
