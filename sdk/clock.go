package sdk

import "time"

// Clock is the time source of the runtime and its connectors. Production code uses
// clock.System; tests use clock.Fake so that backoffs, leases and rate-limit waits
// pass without real waiting.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that fires once, d after Now.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer from a Clock.
type Timer interface {
	// C returns the channel the timer sends its fire time on.
	C() <-chan time.Time
	// Stop prevents the timer from firing and reports whether it was still active.
	Stop() bool
	// Reset makes the timer fire d from now and reports whether it was active.
	Reset(d time.Duration) bool
}

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time        { return t.t.C }
func (t systemTimer) Stop() bool                 { return t.t.Stop() }
func (t systemTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }
