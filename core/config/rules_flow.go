package config

import (
	"math"
	"strconv"
	"time"
)

// checkRouteOptions checks the ranges of digest and throttle, that a quiet
// window is not empty, and that a route sets digest or throttle, not both.
func checkRouteOptions(d *decoder, cfg *Config) {
	for _, r := range routesToCheck(d, cfg) {
		if r.Digest != nil {
			path := childPath(r.At.Path, "digest")
			d.checkDurationRange(childPath(path, "window"), r.Digest.Window, minDigestWindow, maxDigestWindow)
			d.checkRange(childPath(path, "max_items"), int64(r.Digest.MaxItems), 1, maxDigestItems)
		}
		if r.Throttle != nil {
			d.checkDurationRange(childPath(r.At.Path, "throttle.per"), r.Throttle.Per, minThrottlePer, maxThrottlePer)
		}
		if r.Quiet != nil {
			checkQuietWindow(d, r)
		}
		if r.Digest != nil && r.Throttle != nil {
			d.errorAt(childPath(r.At.Path, "throttle"), "a route cannot set both digest and throttle: a digest already sends one message per window; remove one of them, or split the route in two")
		}
	}
}

// checkDurationRange reports path's duration when it is outside low..high.
func (d *decoder) checkDurationRange(path string, value, low, high time.Duration) {
	if d.failed[path] || (value >= low && value <= high) {
		return
	}
	written := d.writtenValue(path, FormatDuration(value))
	if value < low {
		d.errorAt(path, "%s is too short; use %s to %s", written, FormatDuration(low), formatDays(high))
		return
	}
	d.errorAt(path, "%s is too long; use %s to %s", written, FormatDuration(low), formatDays(high))
}

// formatDays prints a whole number of days as "7d", and any other duration
// as FormatDuration does.
func formatDays(value time.Duration) string {
	const day = 24 * time.Hour
	if value >= day && value%day == 0 && value/day < math.MaxInt32 {
		return strconv.FormatInt(int64(value/day), 10) + "d"
	}
	return FormatDuration(value)
}

// checkQuietWindow rejects quiet hours that start and end at the same time,
// which would hold nothing.
func checkQuietWindow(d *decoder, r Route) {
	path := childPath(r.At.Path, "quiet")
	fromPath, toPath := childPath(path, "from"), childPath(path, "to")
	if d.failedUnder(path) || r.Quiet.From != r.Quiet.To {
		return
	}
	d.errorAt(toPath, "quiet hours from %s to %s are empty; set to a different time than from", d.writtenValue(fromPath, ""), d.writtenValue(toPath, ""))
}
