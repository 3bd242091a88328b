package store

import (
	"math"
	"testing"
	"time"
)

func TestUnixNanosClampsOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   time.Time
		want int64
	}{
		{"zero time", time.Time{}, 0},
		{"epoch plus one", time.Unix(0, 1), 1},
		{"before 1970", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()},
		{"year 2999", time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64},
		{"year 1000", time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), math.MinInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := UnixNanos(tc.in); got != tc.want {
				t.Errorf("UnixNanos(%s) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}
