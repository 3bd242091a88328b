// Package clock provides the two implementations of sdk.Clock: System, the real
// time, and Fake, a clock that tests move by hand.
package clock

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// System is the real clock.
var System = sdk.SystemClock

// Sleep waits for d on c, or until ctx is done, and returns ctx's error then.
func Sleep(ctx context.Context, c sdk.Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := c.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Fake is a clock that moves only when Advance or Set is called. It is safe for
// concurrent use.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

// NewFake returns a fake clock set to start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer returns a timer that fires when the fake time reaches now+d.
func (f *Fake) NewTimer(d time.Duration) sdk.Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{clock: f, ch: make(chan time.Time, 1)}
	f.arm(t, d)
	return t
}

// Advance moves the fake time forward by d and fires every timer that is due.
func (f *Fake) Advance(d time.Duration) { f.Set(f.Now().Add(d)) }

// Set moves the fake time to t (never backwards) and fires every timer that is due.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	if t.After(f.now) {
		f.now = t
	}
	due := f.takeDue()
	now := f.now
	f.mu.Unlock()
	for _, timer := range due {
		select {
		case timer.ch <- now:
		default:
		}
	}
}

// NextDeadline returns the earliest deadline of the active timers.
func (f *Fake) NextDeadline() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.timers) == 0 {
		return time.Time{}, false
	}
	return f.timers[0].deadline, true
}

// arm registers t to fire d after now; the caller holds f.mu.
func (f *Fake) arm(t *fakeTimer, d time.Duration) {
	t.deadline = f.now.Add(d)
	t.active = true
	f.timers = append(f.timers, t)
	sort.SliceStable(f.timers, func(i, j int) bool { return f.timers[i].deadline.Before(f.timers[j].deadline) })
	if d <= 0 {
		for _, due := range f.takeDue() {
			select {
			case due.ch <- f.now:
			default:
			}
		}
	}
}

// takeDue removes and returns the timers whose deadline has passed; the caller
// holds f.mu.
func (f *Fake) takeDue() []*fakeTimer {
	var due []*fakeTimer
	for len(f.timers) > 0 && !f.timers[0].deadline.After(f.now) {
		t := f.timers[0]
		t.active = false
		due = append(due, t)
		f.timers = f.timers[1:]
	}
	return due
}

// disarm removes t from the active timers; the caller holds f.mu.
func (f *Fake) disarm(t *fakeTimer) bool {
	if !t.active {
		return false
	}
	t.active = false
	for i, other := range f.timers {
		if other == t {
			f.timers = append(f.timers[:i], f.timers[i+1:]...)
			break
		}
	}
	return true
}

type fakeTimer struct {
	clock    *Fake
	ch       chan time.Time
	deadline time.Time
	active   bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	return t.clock.disarm(t)
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	wasActive := t.clock.disarm(t)
	t.clock.arm(t, d)
	return wasActive
}
