package flow

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests need no time zone database on the host

	"github.com/turbocode/switchboard/core/config"
)

func quietHours(t *testing.T, from, to time.Duration, tz string) *config.Quiet {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	return &config.Quiet{From: from, To: to, TZ: tz, Location: loc}
}

func utc(text string) time.Time {
	at, err := time.Parse(time.RFC3339, text)
	if err != nil {
		panic(err)
	}
	return at.UTC()
}

type quietCase struct {
	name  string
	at    string
	quiet bool
	until string
}

func checkQuiet(t *testing.T, q *config.Quiet, tests []quietCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			until, quiet := QuietUntil(q, utc(tt.at))
			if quiet != tt.quiet {
				t.Fatalf("QuietUntil(%s) quiet = %t, want %t (until %s)", tt.at, quiet, tt.quiet, until)
			}
			if tt.quiet && !until.Equal(utc(tt.until)) {
				t.Errorf("QuietUntil(%s) = %s, want %s", tt.at, until.UTC().Format(time.RFC3339), tt.until)
			}
		})
	}
}

func TestQuietWithinOneDay(t *testing.T) {
	q := quietHours(t, 12*time.Hour, 13*time.Hour+30*time.Minute, "UTC")
	checkQuiet(t, q, []quietCase{
		{"before", "2026-12-04T11:59:59Z", false, ""},
		{"at start", "2026-12-04T12:00:00Z", true, "2026-12-04T13:30:00Z"},
		{"inside", "2026-12-04T13:29:59Z", true, "2026-12-04T13:30:00Z"},
		{"at end", "2026-12-04T13:30:00Z", false, ""},
		{"at night", "2026-12-04T00:00:00Z", false, ""},
	})
}

func TestQuietAcrossMidnight(t *testing.T) {
	q := quietHours(t, 22*time.Hour, 7*time.Hour, "Europe/Berlin")
	// Berlin is UTC+1 in December: 22:00 local is 21:00 UTC.
	checkQuiet(t, q, []quietCase{
		{"evening before", "2026-12-04T20:59:59Z", false, ""},
		{"at start", "2026-12-04T21:00:00Z", true, "2026-12-05T06:00:00Z"},
		{"before midnight", "2026-12-04T22:59:00Z", true, "2026-12-05T06:00:00Z"},
		{"after midnight", "2026-12-04T23:30:00Z", true, "2026-12-05T06:00:00Z"},
		{"early morning", "2026-12-05T05:59:59Z", true, "2026-12-05T06:00:00Z"},
		{"at end", "2026-12-05T06:00:00Z", false, ""},
		{"midday", "2026-12-05T11:00:00Z", false, ""},
	})
}

func TestQuietAcrossDaylightSavingStart(t *testing.T) {
	// On 29 March 2026 Berlin's clocks go from 02:00 CET to 03:00 CEST, at
	// 01:00 UTC: the night from 22:00 CET to 07:00 CEST is 8 hours long.
	night := quietHours(t, 22*time.Hour, 7*time.Hour, "Europe/Berlin")
	checkQuiet(t, night, []quietCase{
		{"start in winter time", "2026-03-28T21:00:00Z", true, "2026-03-29T05:00:00Z"},
		{"just before the change", "2026-03-29T00:59:59Z", true, "2026-03-29T05:00:00Z"},
		{"just after the change", "2026-03-29T01:00:00Z", true, "2026-03-29T05:00:00Z"},
		{"end in summer time", "2026-03-29T05:00:00Z", false, ""},
	})

	// 02:30 does not exist that night: a window ending then ends when the
	// clock jumps to 03:00.
	endInGap := quietHours(t, 1*time.Hour, 2*time.Hour+30*time.Minute, "Europe/Berlin")
	checkQuiet(t, endInGap, []quietCase{
		{"inside", "2026-03-29T00:30:00Z", true, "2026-03-29T01:00:00Z"},
		{"after the jump", "2026-03-29T01:00:00Z", false, ""},
		{"next night", "2026-03-30T00:00:00Z", true, "2026-03-30T00:30:00Z"},
	})

	// A window that starts in the gap starts when the clock jumps.
	startInGap := quietHours(t, 2*time.Hour+30*time.Minute, 4*time.Hour, "Europe/Berlin")
	checkQuiet(t, startInGap, []quietCase{
		{"before the jump", "2026-03-29T00:59:59Z", false, ""},
		{"at the jump", "2026-03-29T01:00:00Z", true, "2026-03-29T02:00:00Z"},
	})

	// A window entirely inside the gap holds nothing that night.
	insideGap := quietHours(t, 2*time.Hour+10*time.Minute, 2*time.Hour+40*time.Minute, "Europe/Berlin")
	checkQuiet(t, insideGap, []quietCase{
		{"before", "2026-03-29T00:59:59Z", false, ""},
		{"after", "2026-03-29T01:00:00Z", false, ""},
		{"next night", "2026-03-30T00:20:00Z", true, "2026-03-30T00:40:00Z"},
	})
}

func TestQuietAcrossDaylightSavingEnd(t *testing.T) {
	// On 25 October 2026 Berlin's clocks go back from 03:00 CEST to 02:00
	// CET, at 01:00 UTC, so 02:00 to 03:00 is shown twice.
	night := quietHours(t, 22*time.Hour, 7*time.Hour, "Europe/Berlin")
	checkQuiet(t, night, []quietCase{
		{"start in summer time", "2026-10-24T20:00:00Z", true, "2026-10-25T06:00:00Z"},
		{"during the repeated hour", "2026-10-25T01:30:00Z", true, "2026-10-25T06:00:00Z"},
		{"end in winter time", "2026-10-25T06:00:00Z", false, ""},
	})

	// A window ending at 02:30 ends at its first showing; the second
	// showing of 02:00 to 02:30 is not quiet again.
	endRepeated := quietHours(t, 1*time.Hour, 2*time.Hour+30*time.Minute, "Europe/Berlin")
	checkQuiet(t, endRepeated, []quietCase{
		{"before the first showing", "2026-10-25T00:29:59Z", true, "2026-10-25T00:30:00Z"},
		{"after the first showing", "2026-10-25T00:30:00Z", false, ""},
		{"second showing", "2026-10-25T01:10:00Z", false, ""},
	})
}

func TestQuietGapAtMidnight(t *testing.T) {
	// On 4 November 2018 São Paulo's clocks went from 00:00 to 01:00, at
	// 03:00 UTC: a window ending at 00:30 ended at 01:00 local.
	q := quietHours(t, 23*time.Hour, 30*time.Minute, "America/Sao_Paulo")
	checkQuiet(t, q, []quietCase{
		{"inside", "2018-11-04T02:30:00Z", true, "2018-11-04T03:00:00Z"},
		{"after the jump", "2018-11-04T03:00:00Z", false, ""},
	})
}

func TestQuietNil(t *testing.T) {
	if until, quiet := QuietUntil(nil, utc("2026-12-04T12:00:00Z")); quiet {
		t.Errorf("QuietUntil(nil) = %s, true; want false", until)
	}
}
