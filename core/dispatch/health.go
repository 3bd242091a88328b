package dispatch

import (
	"sync"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// healthWindow is how many recent attempts a connector's success rate counts.
const healthWindow = 100

// Health is a connector's recent record, for the management API.
type Health struct {
	// Attempts and Delivered count the last attempts, at most healthWindow.
	// Skipped attempts count in neither: the connector chose not to send,
	// which is no failure and no delivery.
	Attempts  int
	Delivered int
	// LastSuccess and LastFailure are zero when there was none since start.
	LastSuccess time.Time
	LastFailure time.Time
	LastError   string
	// FailingSince is when the current run of failures began; zero when the
	// last attempt succeeded.
	FailingSince time.Time
	// FailedInARow counts the attempts since the last one delivered, of
	// those counted in Attempts.
	FailedInARow int
}

// SuccessRate returns the share of recent attempts delivered, from 0 to 1, or
// -1 when there were none.
func (h Health) SuccessRate() float64 {
	if h.Attempts == 0 {
		return -1
	}
	return float64(h.Delivered) / float64(h.Attempts)
}

// connectorHealth is the record of one connector.
type connectorHealth struct {
	Health
	// ring holds whether each recent attempt was delivered; next is where the
	// next one goes.
	ring [healthWindow]bool
	next int
}

// healthBook keeps every connector's record since start.
type healthBook struct {
	mu         sync.Mutex
	connectors map[string]*connectorHealth
}

func newHealthBook() *healthBook {
	return &healthBook{connectors: map[string]*connectorHealth{}}
}

// note records an attempt. Any answer of the destination but a retry counts
// as the connector working, so a 404 of one target does not make it failing.
// A skip is left out: it is neither a success nor a failure.
func (b *healthBook) note(connector string, res sdk.Result, at time.Time) {
	if res.Outcome == sdk.OutcomeSkipped {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	h, ok := b.connectors[connector]
	if !ok {
		h = &connectorHealth{}
		b.connectors[connector] = h
	}

	delivered := res.Outcome == sdk.OutcomeDelivered
	if h.Attempts == healthWindow && h.ring[h.next] {
		h.Delivered--
	}
	h.ring[h.next] = delivered
	h.next = (h.next + 1) % healthWindow
	h.Attempts = min(h.Attempts+1, healthWindow)
	if delivered {
		h.Delivered++
	}

	if res.Outcome == sdk.OutcomeRetry {
		h.LastFailure, h.LastError = at, res.Reason
		if h.FailingSince.IsZero() {
			h.FailingSince = at
		}
		return
	}
	if delivered {
		h.LastSuccess = at
	} else {
		h.LastFailure, h.LastError = at, res.Reason
	}
	h.FailingSince = time.Time{}
}

func (b *healthBook) failingSince(connector string) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h, ok := b.connectors[connector]
	if !ok || h.FailingSince.IsZero() {
		return time.Time{}, false
	}
	return h.FailingSince, true
}

// reset forgets a connector's run of failures, so a resumed connector gets
// the whole delivery.disable_after again.
func (b *healthBook) reset(connector string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if h, ok := b.connectors[connector]; ok {
		h.FailingSince = time.Time{}
	}
}

// Health returns the record of every connector with an attempt since start.
func (d *Dispatcher) Health() map[string]Health {
	d.health.mu.Lock()
	defer d.health.mu.Unlock()
	out := make(map[string]Health, len(d.health.connectors))
	for name, h := range d.health.connectors {
		health := h.Health
		health.FailedInARow = h.failedInARow()
		out[name] = health
	}
	return out
}

// failedInARow counts the recent attempts, newest first, until one that
// was delivered.
func (h *connectorHealth) failedInARow() int {
	n := 0
	for n < h.Attempts && !h.ring[(h.next-1-n+healthWindow)%healthWindow] {
		n++
	}
	return n
}

// OpenCircuits returns the destinations whose circuit is open, with when it
// closes at the earliest.
func (d *Dispatcher) OpenCircuits() map[string]time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]time.Time{}
	for key, dst := range d.dests {
		if dst.circuit.open {
			out[key] = dst.blockedUntil
		}
	}
	return out
}
