package store

import (
	"math"
	"time"
)

// UnixNanos returns t as Unix nanoseconds, as the stores keep times, and 0 for
// the zero time. A time outside the years 1678 to 2262, which int64
// nanoseconds cannot hold, is clamped to the nearest bound, so a filter such
// as since=2999-01-01T00:00:00Z still compares in the right direction.
func UnixNanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minNanosTime):
		return math.MinInt64
	case t.After(maxNanosTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// The range of times that int64 Unix nanoseconds hold.
var (
	minNanosTime = time.Unix(0, math.MinInt64)
	maxNanosTime = time.Unix(0, math.MaxInt64)
)

// FromUnixNanos returns the UTC time of Unix nanoseconds n, and the zero time
// for 0.
func FromUnixNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
