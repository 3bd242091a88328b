package ingest

import (
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// rejectionLogWindow is how long a rejection's status code stays quiet at warn
// and info after a line is logged for it.
const rejectionLogWindow = 10 * time.Second

// rejectionSampler limits the warn and info lines of rejected requests to one
// per status code per window, so that a sender with a wrong secret retrying in
// a loop cannot flood the log. It counts what it holds back.
type rejectionSampler struct {
	mu     sync.Mutex
	window time.Duration
	byCode map[int]*sampleState
}

// sampleState is one status code's last logged line and the rejections since.
type sampleState struct {
	logged     time.Time
	suppressed int
}

func newRejectionSampler(window time.Duration) *rejectionSampler {
	return &rejectionSampler{window: window, byCode: make(map[int]*sampleState)}
}

// take reports whether a rejection with status at now gets a line and, if so,
// how many rejections with that status were held back since the last line.
func (s *rejectionSampler) take(status int, now time.Time) (allowed bool, suppressed int) {
	s.mu.Lock()
	defer s.mu.Unlock()

	state, ok := s.byCode[status]
	if !ok {
		s.byCode[status] = &sampleState{logged: now}
		return true, 0
	}
	if now.Sub(state.logged) < s.window {
		state.suppressed++
		return false, 0
	}
	suppressed = state.suppressed
	state.logged, state.suppressed = now, 0
	return true, suppressed
}

// rejectionLevel returns the level of a rejected request's line: 5xx and 401
// at warn, because the operator must act (a store failure, a sender with the
// wrong secret), and other 4xx at info.
func rejectionLevel(status int) slog.Level {
	if status >= 500 || status == http.StatusUnauthorized {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// logRejection logs a rejected request. Every 5xx but 503 is logged. A 4xx or
// a 503 (an outage answers every request with one) is logged at its level at
// most once per status code per rejectionLogWindow of the handler's clock, and
// that line's "suppressed" counts the ones held back since the previous line. The held-back ones are logged at debug. No line contains a
// signature or a secret, because the reason is the response's message, which
// names headers but never their values.
func (h *handler) logRejection(r *http.Request, e *apiError) {
	level := rejectionLevel(e.status)
	suppressed := -1 // not sampled
	if e.status < 500 || e.status == http.StatusServiceUnavailable {
		allowed, count := h.rejections.take(e.status, h.clock.Now())
		if allowed {
			suppressed = count
		} else {
			level = slog.LevelDebug
		}
	}
	if !h.log.Enabled(r.Context(), level) {
		return
	}

	attrs := []slog.Attr{
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("remote_addr", r.RemoteAddr),
		slog.Int("status", e.status), slog.String("code", e.code), slog.String("reason", e.message),
	}
	if e.field != "" {
		attrs = append(attrs, slog.String("field", e.field))
	}
	if suppressed >= 0 {
		attrs = append(attrs, slog.Int("suppressed", suppressed))
	}
	if e.cause != nil && e.status >= 500 {
		attrs = append(attrs, slog.Any("err", e.cause))
	}
	h.log.LogAttrs(r.Context(), level, "request rejected", attrs...)
}
