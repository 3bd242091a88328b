package pluginclient

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"strings"
	"sync"
)

// maxLogLine bounds one line of a plugin's stderr; a longer line is cut.
const maxLogLine = 64 << 10

// keptLines is how many recent stderr lines a logWriter keeps for error
// messages about a plugin that failed to start.
const keptLines = 20

// logWriter receives a plugin's stderr and re-logs each line through the
// host's logger. A JSON line from the SDK's logger keeps its level and its
// attributes. Any other line, such as a panic's trace, is logged at error
// level once a panic has started and at info level before.
type logWriter struct {
	log *slog.Logger

	mu      sync.Mutex
	partial []byte
	recent  []string
	inPanic bool
}

func newLogWriter(log *slog.Logger) *logWriter { return &logWriter{log: log} }

// Write implements io.Writer. go-plugin writes each line and its newline in
// separate calls, so lines are put together here.
func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	data := p
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			w.partial = appendBounded(w.partial, data)
			break
		}
		line := appendBounded(w.partial, data[:i])
		w.partial = w.partial[:0]
		w.line(string(line))
		data = data[i+1:]
	}
	return len(p), nil
}

func appendBounded(buf, data []byte) []byte {
	room := maxLogLine - len(buf)
	if room <= 0 {
		return buf
	}
	if len(data) > room {
		data = data[:room]
	}
	return append(buf, data...)
}

// line logs one complete line; the caller holds w.mu.
func (w *logWriter) line(text string) {
	text = strings.TrimRight(text, "\r")
	if strings.TrimSpace(text) == "" {
		return
	}
	w.recent = append(w.recent, text)
	if len(w.recent) > keptLines {
		w.recent = w.recent[len(w.recent)-keptLines:]
	}

	if level, msg, attrs, ok := parseJSONLine(text); ok {
		w.log.Log(context.Background(), level, msg, attrs...)
		return
	}
	if strings.HasPrefix(text, "panic: ") || strings.HasPrefix(text, "fatal error: ") {
		w.inPanic = true
	}
	level := slog.LevelInfo
	if w.inPanic {
		level = slog.LevelError
	}
	w.log.Log(context.Background(), level, text)
}

// Recent returns the last lines the plugin wrote to stderr, oldest first.
func (w *logWriter) Recent() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.recent...)
}

// parseJSONLine reads a line written by log/slog's JSON handler (time, level,
// msg) or by hclog's (@timestamp, @level, @message).
func parseJSONLine(text string) (slog.Level, string, []any, bool) {
	if !strings.HasPrefix(text, "{") {
		return 0, "", nil, false
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(text), &fields); err != nil {
		return 0, "", nil, false
	}
	levelText, ok := firstString(fields, "level", "@level")
	if !ok {
		return 0, "", nil, false
	}
	msg, _ := firstString(fields, "msg", "@message")
	for _, key := range []string{"time", "level", "msg", "@timestamp", "@level", "@message", "@module"} {
		delete(fields, key)
	}

	keys := make([]string, 0, len(fields))
	for key := range fields {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	attrs := make([]any, 0, 2*len(keys))
	for _, key := range keys {
		attrs = append(attrs, key, fields[key])
	}
	return parseLevel(levelText), msg, attrs, true
}

func firstString(fields map[string]any, keys ...string) (string, bool) {
	for _, key := range keys {
		if s, ok := fields[key].(string); ok {
			return s, true
		}
	}
	return "", false
}

// parseLevel maps slog's and hclog's level names to slog levels; trace is
// debug, and an unknown name is info.
func parseLevel(text string) slog.Level {
	switch strings.ToLower(text) {
	case "trace", "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(text)); err == nil {
		return level
	}
	return slog.LevelInfo
}
