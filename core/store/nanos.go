package store

import "time"

// UnixNanos returns t as Unix nanoseconds, as the stores keep times, and 0 for
// the zero time.
func UnixNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromUnixNanos returns the UTC time of Unix nanoseconds n, and the zero time
// for 0.
func FromUnixNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
