package connectortest

import (
	"bytes"
	"log/slog"
	"sync"
)

// LogBuffer collects log output; it is safe for concurrent use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// NewLogger returns a logger that writes every level, as text, into the
// returned buffer, for CheckNoSecretLeak and assertions on log lines.
func NewLogger() (*slog.Logger, *LogBuffer) {
	logs := &LogBuffer{}
	handler := slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(handler), logs
}
