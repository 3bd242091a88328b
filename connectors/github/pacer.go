package github

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// pacer keeps one token's calls within GitHub's limits. Mutating calls (the
// ones that create or change content) go one at a time, at least gap apart;
// after a rate-limit response every call waits until GitHub allows the next.
// All waits are on the injected clock.
type pacer struct {
	clock sdk.Clock
	gap   time.Duration
	// turn is held by the mutating call in progress.
	turn chan struct{}

	mu sync.Mutex
	// lastStart is when the last mutating call was sent.
	lastStart time.Time
	// blockedUntil is when a rate-limit response allows calls again.
	blockedUntil time.Time
}

// pacers holds one pacer per token, so that instances sharing a token share
// its limits.
var pacers = struct {
	sync.Mutex
	byToken map[[32]byte]*pacer
}{byToken: map[[32]byte]*pacer{}}

// pacerFor returns the token's pacer, created with clock and gap when new.
func pacerFor(token sdk.Secret, clock sdk.Clock, gap time.Duration) *pacer {
	key := sha256.Sum256([]byte(token.Reveal()))
	pacers.Lock()
	defer pacers.Unlock()
	p, ok := pacers.byToken[key]
	if !ok || p.clock != clock {
		p = &pacer{clock: clock, gap: gap, turn: make(chan struct{}, 1)}
		pacers.byToken[key] = p
	}
	if gap > p.gap {
		p.gap = gap
	}
	return p
}

// waitError is a wait longer than the attempt may last: the delivery is
// retried after After instead.
type waitError struct{ After time.Duration }

func (e *waitError) Error() string {
	return "GitHub's rate limit allows the next call in " + e.After.Round(time.Second).String()
}

// read waits until a rate-limit block ends.
func (p *pacer) read(ctx context.Context) error {
	p.mu.Lock()
	until := p.blockedUntil
	p.mu.Unlock()
	return p.sleepUntil(ctx, until)
}

// mutate runs call as the token's only mutating call, at least gap after the
// previous one started and not before a rate-limit block ends.
func (p *pacer) mutate(ctx context.Context, call func() error) error {
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.turn }()

	for {
		p.mu.Lock()
		next := p.lastStart.Add(p.gap)
		if p.blockedUntil.After(next) {
			next = p.blockedUntil
		}
		p.mu.Unlock()
		if err := p.sleepUntil(ctx, next); err != nil {
			return err
		}
		p.mu.Lock()
		ready := !p.clock.Now().Before(p.blockedUntil)
		if ready {
			p.lastStart = p.clock.Now()
		}
		p.mu.Unlock()
		if ready {
			return call()
		}
	}
}

// blockedFor returns how long a rate-limit block still holds the token's
// calls, or 0 when none does.
func (p *pacer) blockedFor() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(p.blockedUntil.Sub(p.clock.Now()), 0)
}

// block holds every call of the token until until.
func (p *pacer) block(until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.blockedUntil) {
		p.blockedUntil = until
	}
}

// sleepUntil waits on the clock until t. A wait longer than the time left
// before ctx's deadline returns a *waitError at once, so the host retries the
// delivery then instead of holding a worker.
func (p *pacer) sleepUntil(ctx context.Context, t time.Time) error {
	wait := t.Sub(p.clock.Now())
	if wait <= 0 {
		return nil
	}
	// The attempt's deadline is on the system clock, as the host sets it, so
	// the wait is compared with the real time left.
	if deadline, ok := ctx.Deadline(); ok && wait > time.Until(deadline) {
		return &waitError{After: wait}
	}
	timer := p.clock.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
