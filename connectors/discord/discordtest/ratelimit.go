package discordtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// rateLimit is a fixed window: limit requests per window for each webhook or
// channel. A zero limit turns rate limiting off.
type rateLimit struct {
	limit  int
	window time.Duration
}

// bucket counts the requests of one webhook or channel in its current window.
type bucket struct {
	start time.Time
	used  int
}

// SetRateLimit makes every webhook and channel allow limit messages per
// window, as Discord's per-route buckets do, and respond 429 beyond that.
// Every response then carries the X-RateLimit-* headers.
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = rateLimit{limit: limit, window: window}
}

// take counts a request against key's bucket. It returns the rate-limit
// headers of an accepted request, or the 429 response when the bucket is
// exhausted. The caller holds s.mu.
func (s *Server) take(key string) (http.Header, *Response) {
	header := http.Header{}
	if s.limit.limit <= 0 {
		return header, nil
	}
	now := s.clock.Now()
	b := s.buckets[key]
	if b == nil || !now.Before(b.start.Add(s.limit.window)) {
		b = &bucket{start: now}
		s.buckets[key] = b
	}
	reset := b.start.Add(s.limit.window)
	resetAfter := reset.Sub(now).Seconds()

	sum := sha256.Sum256([]byte(key))
	header.Set("X-RateLimit-Bucket", hex.EncodeToString(sum[:8]))
	header.Set("X-RateLimit-Limit", strconv.Itoa(s.limit.limit))
	header.Set("X-RateLimit-Reset", fmt.Sprintf("%.3f", float64(reset.UnixMilli())/1000))
	header.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", resetAfter))

	if b.used >= s.limit.limit {
		limited := RateLimited(math.Round(resetAfter*1000)/1000, false)
		for name, values := range header {
			limited.Header[name] = values
		}
		limited.Header.Set("X-RateLimit-Remaining", "0")
		return nil, &limited
	}
	b.used++
	header.Set("X-RateLimit-Remaining", strconv.Itoa(s.limit.limit-b.used))
	return header, nil
}

func ceilSeconds(seconds float64) int {
	return int(math.Ceil(seconds))
}
