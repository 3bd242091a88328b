package dispatch

import (
	"log/slog"
	"sync"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// holdLogWindow is how long the holds of one connector for one reason are
// counted after the first is logged, before a line reports their number.
// A pause or a removed connector holds a whole backlog at once, which would
// otherwise log a line per delivery.
const holdLogWindow = 10 * time.Second

// holdLog logs holds: the first of a connector for a reason in full, the
// others of the window as one line with their count.
type holdLog struct {
	clock   sdk.Clock
	log     *slog.Logger
	stopped <-chan struct{}

	mu      sync.Mutex
	tallies map[holdKey]int
}

// holdKey is the connector and hold reason that holds are counted by.
type holdKey struct {
	connector, reason string
}

func newHoldLog(clock sdk.Clock, log *slog.Logger, stopped <-chan struct{}) *holdLog {
	return &holdLog{clock: clock, log: log, stopped: stopped, tallies: map[holdKey]int{}}
}

// held logs a hold that was recorded, with log enriched for its delivery.
func (h *holdLog) held(log *slog.Logger, connector string, u *store.Update) {
	key := holdKey{connector, u.HoldReason}
	h.mu.Lock()
	count, counting := h.tallies[key]
	if counting {
		h.tallies[key] = count + 1
	} else {
		h.tallies[key] = 0
	}
	h.mu.Unlock()

	if counting {
		return
	}
	logHold(log, u, nil)
	timer := h.clock.NewTimer(holdLogWindow)
	go func() {
		defer timer.Stop()
		select {
		case <-timer.C():
		case <-h.stopped:
		}
		h.report(key)
	}()
}

// report logs how many holds of key the window counted, and ends it.
func (h *holdLog) report(key holdKey) {
	h.mu.Lock()
	count := h.tallies[key]
	delete(h.tallies, key)
	h.mu.Unlock()
	if count == 0 {
		return
	}
	attrs := []any{"connector", key.connector, "hold_reason", key.reason, "deliveries", count, "window", holdLogWindow.String()}
	if key.reason == store.HoldPaused || key.reason == store.HoldQuietHours {
		h.log.Info("more deliveries held", attrs...)
		return
	}
	h.log.Warn("more deliveries held", attrs...)
}
