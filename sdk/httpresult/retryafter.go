package httpresult

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseRetryAfter returns the wait a Retry-After value requests: a number of
// seconds, or an HTTP date measured from now. It returns 0 for an empty or
// invalid value and for a date in the past, so the host's own backoff applies.
// A very large value is kept (up to the largest time.Duration), because the
// host compares it with the delivery's max_age and gives up with that reason.
func ParseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		return secondsToDuration(seconds)
	}
	if isDigits(value) {
		// Too many digits for int64.
		return math.MaxInt64
	}

	date, err := http.ParseTime(value)
	if err != nil {
		return 0
	}
	return max(date.Sub(now), 0)
}

func secondsToDuration(seconds int64) time.Duration {
	if seconds <= 0 {
		return 0
	}
	if seconds > math.MaxInt64/int64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(seconds) * time.Second
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
