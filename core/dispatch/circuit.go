package dispatch

import (
	"math/rand/v2"
	"time"
)

// circuit counts a destination's consecutive failed attempts. At the policy's
// threshold it opens: the destination is blocked for a cooldown, then allows one
// probe attempt (half-open). An answer from the destination closes it; a failed
// probe opens it again with twice the cooldown, up to the maximum backoff.
type circuit struct {
	failures int
	cooldown time.Duration
	open     bool
	// openedAt is when the circuit last opened. Attempts that started before it
	// were already running then, so their failures are not failed probes.
	openedAt time.Time
}

// halfOpen reports whether the circuit waits for a probe's result.
func (c *circuit) halfOpen() bool {
	return c.open
}

// success closes the circuit and reports whether it was open.
func (c *circuit) success() bool {
	wasOpen := c.open
	*c = circuit{}
	return wasOpen
}

// failure counts a failed attempt that started at started and returns how long
// the destination must be left alone from now, or 0 when nothing changes.
func (c *circuit) failure(p Policy, started, now time.Time) time.Duration {
	if c.open && started.Before(c.openedAt) {
		return 0
	}
	c.failures++
	if p.CircuitThreshold <= 0 || c.failures < p.CircuitThreshold {
		return 0
	}
	switch {
	case !c.open || c.cooldown == 0:
		c.cooldown = p.CircuitCooldown
	default:
		c.cooldown = min(2*c.cooldown, max(p.MaxBackoff, p.CircuitCooldown))
	}
	c.open, c.openedAt = true, now
	return c.cooldown
}

// backoff returns the wait before attempt number next+1, after next failed
// attempts: full jitter between the minimum and an exponentially growing cap.
func backoff(p Policy, failed int) time.Duration {
	ceiling := p.MinBackoff
	for i := 1; i < failed && ceiling < p.MaxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, p.MaxBackoff)
	if ceiling <= p.MinBackoff {
		return p.MinBackoff
	}
	return p.MinBackoff + rand.N(ceiling-p.MinBackoff+1)
}
