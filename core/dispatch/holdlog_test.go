package dispatch

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/turbocode/switchboard/core/store"
)

// lockedLog is a log buffer the dispatcher's goroutines write to.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestHoldsLoggedOncePerWindow holds a paused connector's backlog: the
// first hold is logged in full, the others as one line with their count.
func TestHoldsLoggedOncePerWindow(t *testing.T) {
	hook := &fakeConnector{}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	var logs lockedLog
	h.opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	h.opts.Paused = []string{"hook"}
	h.disp = New(h.opts)
	h.run()

	var ids []string
	for i := range 20 {
		ids = append(ids, fmt.Sprintf("e%d", i))
	}
	h.accept(true, "hook", "hook", "", ids...)
	h.waitFor("every delivery held", func() bool {
		for _, id := range ids {
			if d := h.delivery(id); d.HoldReason != store.HoldPaused || d.LeaseOwner != "" {
				return false
			}
		}
		return true
	})
	h.waitFor("the last hold counted", func() bool {
		h.disp.holds.mu.Lock()
		defer h.disp.holds.mu.Unlock()
		return h.disp.holds.tallies[holdKey{"hook", store.HoldPaused}] == len(ids)-1
	})
	if n := strings.Count(logs.String(), `msg="delivery held"`); n != 1 {
		t.Errorf("%d lines log a single hold, want 1:\n%s", n, logs.String())
	}

	h.clock.Advance(holdLogWindow)
	h.waitFor("the count of the other holds", func() bool {
		return strings.Contains(logs.String(), `msg="more deliveries held" connector=hook hold_reason=connector_paused deliveries=19`)
	})
	if n := strings.Count(logs.String(), "deliveries held"); n != 1 {
		t.Errorf("%d lines report counted holds, want 1:\n%s", n, logs.String())
	}
}
