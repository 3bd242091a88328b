package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses a Go duration ("90s", "1h30m") that may start with a whole
// number of days ("7d", "1d12h", "-2d"). A day is always 24 hours, even across a
// change to or from daylight saving time.
func ParseDuration(s string) (time.Duration, error) {
	sign, rest := durationSign(s)
	days, rest, hasDays := cutDays(rest)
	if !hasDays {
		return time.ParseDuration(s)
	}

	total, err := daysToDuration(days)
	if err != nil {
		return 0, fmt.Errorf("time: invalid duration %q: %w", s, err)
	}
	if rest != "" {
		extra, err := time.ParseDuration(rest)
		if err != nil || strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
			return 0, fmt.Errorf("time: invalid duration %q", s)
		}
		if extra > math.MaxInt64-total {
			return 0, fmt.Errorf("time: invalid duration %q: too long", s)
		}
		total += extra
	}
	return sign * total, nil
}

// durationSign splits a leading + or - from s.
func durationSign(s string) (time.Duration, string) {
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		return -1, rest
	}
	return 1, strings.TrimPrefix(s, "+")
}

// cutDays splits a leading "<digits>d" from s.
func cutDays(s string) (string, string, bool) {
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	if digits == 0 || digits == len(s) || s[digits] != 'd' {
		return "", s, false
	}
	return s[:digits], s[digits+1:], true
}

func daysToDuration(days string) (time.Duration, error) {
	const day = 24 * time.Hour
	n, err := strconv.ParseInt(days, 10, 64)
	if err != nil || n > int64(math.MaxInt64/day) {
		return 0, errors.New("too long")
	}
	return time.Duration(n) * day, nil
}

// FormatDuration prints d the short way, as a config file would write it:
// "1h" rather than "1h0m0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
