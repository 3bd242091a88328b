package dispatch

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/sqlite"
)

// downStore is a SQLite store whose Complete fails while the test says the
// database is down, as PostgreSQL's does while it restarts.
type downStore struct {
	*sqlite.Store
	mu       sync.Mutex
	down     bool
	failures int
}

func (s *downStore) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

func (s *downStore) failed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failures
}

func (s *downStore) Complete(ctx context.Context, updates []*store.Update) ([]error, error) {
	s.mu.Lock()
	if s.down {
		s.failures++
		s.mu.Unlock()
		return nil, store.ErrUnavailable
	}
	s.mu.Unlock()
	return s.Store.Complete(ctx, updates)
}

func (s *downStore) RenewLeases(ctx context.Context, owner string, ids []int64, until time.Time) error {
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down {
		return store.ErrUnavailable
	}
	return s.Store.RenewLeases(ctx, owner, ids, until)
}

func TestOutcomeWriteOutlastsAStoreOutageShorterThanTheLease(t *testing.T) {
	tests := []struct {
		name   string
		outage time.Duration
		want   store.State
	}{
		{"outage of 10 seconds", 10 * time.Second, store.StateDelivered},
		{"outage longer than the lease", 2 * time.Minute, store.StateScheduled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hook := &fakeConnector{}
			h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
			down := &downStore{Store: h.store, down: true}
			h.opts.Store = down
			h.disp = New(h.opts)
			h.run()

			h.accept(true, "hook", "hook", "", "e1")
			h.waitFor("the first failed write", func() bool { return down.failed() > 0 })
			h.advanceUntil("the outage to pass", 100*time.Millisecond, func() bool {
				return h.clock.Now().Sub(start) >= tt.outage || len(h.disp.heldIDs()) == 0
			})
			down.setDown(false)

			h.advanceUntil("the outcome to be settled", 100*time.Millisecond, func() bool { return len(h.disp.heldIDs()) == 0 })
			d := h.delivery("e1")
			if d.State != tt.want {
				t.Errorf("state after the outage = %s, want %s (store failed %d writes)", d.State, tt.want, down.failed())
			}
			if hook.callCount() != 1 {
				t.Errorf("connector called %d times, want 1", hook.callCount())
			}
		})
	}
}
