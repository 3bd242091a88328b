package signature

import (
	"fmt"
	"math"
	"time"
)

// timestampName is the Standard Webhooks timestamp header in messages, spelt
// as the specification writes it.
const timestampName = "webhook-timestamp"

// maxDurationSeconds is the largest whole number of seconds a time.Duration
// holds (about 292 years).
const maxDurationSeconds = math.MaxInt64 / int64(time.Second)

// timestampUnits are the units a sender may use by mistake instead of seconds,
// with how many of them make a second.
var timestampUnits = [...]struct {
	name      string
	perSecond int64
}{
	{"milliseconds", 1e3},
	{"microseconds", 1e6},
	{"nanoseconds", 1e9},
}

// unitWindow is the largest distance from now, in seconds, of a timestamp
// converted from another unit for that unit to be named in the error. It is
// wide because no timestamp in seconds comes near the values that pass:
// milliseconds since 1970 read as seconds fall tens of thousands of years ahead.
const unitWindow = 366 * 24 * 60 * 60

// checkTimestamp rejects a Standard Webhooks timestamp, in Unix seconds, that is
// more than tolerance from now in either direction. It compares without
// overflow for every int64, and its error names the unit when the value looks
// like milliseconds, microseconds or nanoseconds.
func checkTimestamp(seconds int64, now time.Time, tolerance time.Duration) error {
	nowSeconds := now.Unix()
	gap := secondsBetween(seconds, nowSeconds)
	if gap < uint64(maxDurationSeconds) {
		skew := now.Sub(time.Unix(seconds, 0))
		if skew <= tolerance && skew >= -tolerance {
			return nil
		}
	}

	if unit := likelyUnit(seconds, nowSeconds); unit != "" {
		return fmt.Errorf("%w: %s must be Unix seconds; %d looks like %s", ErrMalformed, timestampName, seconds, unit)
	}
	direction := "behind"
	if seconds > nowSeconds {
		direction = "ahead of"
	}
	return fmt.Errorf("%w: %s %d is %s %s this server's clock; the tolerance is %s, so check the sender's clock",
		ErrTimestamp, timestampName, seconds, formatGap(gap), direction, tolerance)
}

// secondsBetween returns |a - b|. The difference of two int64 values always
// fits in a uint64, and unsigned subtraction wraps to it exactly.
func secondsBetween(a, b int64) uint64 {
	if a >= b {
		return uint64(a) - uint64(b)
	}
	return uint64(b) - uint64(a)
}

// formatGap formats a number of seconds as a duration such as "6m0s", or as
// "N seconds" when it is too large for a time.Duration.
func formatGap(gap uint64) string {
	if gap < uint64(maxDurationSeconds) {
		return (time.Duration(gap) * time.Second).String()
	}
	return fmt.Sprintf("%d seconds", gap)
}

// likelyUnit returns the name of the unit in which timestamp is close to now,
// such as "milliseconds", or "" when it is in none of them.
func likelyUnit(timestamp, nowSeconds int64) string {
	for _, unit := range timestampUnits {
		if secondsBetween(timestamp/unit.perSecond, nowSeconds) <= unitWindow {
			return unit.name
		}
	}
	return ""
}
