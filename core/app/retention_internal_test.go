package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/sqlite"
	"github.com/turbocode/switchboard/sdk/clock"
)

// leaseStore is a store that counts the retention lease's renewals by owner
// and makes each Prune take passTime on the fake clock, with more batches to
// follow until batches have run.
type leaseStore struct {
	store.Store
	clock    *clock.Fake
	passTime time.Duration
	batches  int

	mu      sync.Mutex
	renewed map[string]int
	pruned  int
	// limits are the batch sizes Prune was called with, in call order.
	limits []int
}

func (s *leaseStore) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	held, err := s.Store.AcquireLease(ctx, name, owner, now, ttl)
	if held && name == retentionLease {
		s.mu.Lock()
		s.renewed[owner]++
		s.mu.Unlock()
	}
	return held, err
}

func (s *leaseStore) Prune(_ context.Context, _ time.Time, limit int) (int, bool, error) {
	s.clock.Advance(s.passTime)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruned++
	s.limits = append(s.limits, limit)
	return 0, s.pruned < s.batches, nil
}

func (s *leaseStore) count(owner string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.renewed[owner]
}

func (s *leaseStore) prunes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pruned
}

// retentionLeaseTTL stands for delivery.lease in these tests.
const retentionLeaseTTL = 40 * time.Second

func newLeaseStore(t *testing.T, batches int, passTime time.Duration) (*leaseStore, *clock.Fake) {
	t.Helper()
	sq, err := sqlite.Open(context.Background(), sqlite.Options{Path: filepath.Join(t.TempDir(), "sb.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close() })
	fake := clock.NewFake(time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC))
	return &leaseStore{Store: sq, clock: fake, passTime: passTime, batches: batches, renewed: map[string]int{}}, fake
}

// startRetention runs the retention job of owner until the returned function
// stops it and waits for it to return.
func startRetention(st *leaseStore, fake *clock.Fake, owner string) func() {
	storage := config.Storage{Retention: time.Hour, RetentionInterval: 10 * time.Minute, RetentionBatch: 10}
	return startRetentionWith(st, fake, owner, func() config.Storage { return storage })
}

// startRetentionWith is startRetention with the storage settings that
// storage returns at each pass.
func startRetentionWith(st *leaseStore, fake *clock.Fake, owner string, storage func() config.Storage) func() {
	a := &App{store: st, clock: fake, log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.retain(ctx, storage, owner, retentionLeaseTTL)
	}()
	return func() {
		cancel()
		<-done
	}
}

func waitUntil(t *testing.T, what string, fake *clock.Fake, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (fake clock at %s)", what, fake.Now().Format(time.RFC3339))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// takenBy reports whether owner could take the retention lease now.
func takenBy(t *testing.T, st *leaseStore, fake *clock.Fake, owner string) bool {
	t.Helper()
	held, err := st.Store.AcquireLease(context.Background(), retentionLease, owner, fake.Now(), retentionLeaseTTL)
	if err != nil {
		t.Fatal(err)
	}
	return held
}

// advanceToNextTimer moves the fake clock to the earliest armed timer.
func advanceToNextTimer(t *testing.T, fake *clock.Fake) {
	t.Helper()
	waitUntil(t, "an armed timer", fake, func() bool { _, ok := fake.NextDeadline(); return ok })
	next, _ := fake.NextDeadline()
	fake.Set(next)
}

// advanceUntil moves the fake clock from timer to timer until cond holds,
// giving the job real time to react after each step.
func advanceUntil(t *testing.T, what string, fake *clock.Fake, cond func() bool) {
	t.Helper()
	for range 100 {
		if cond() {
			return
		}
		advanceToNextTimer(t, fake)
		time.Sleep(5 * time.Millisecond)
	}
	waitUntil(t, what, fake, cond)
}

func TestRetentionLeaseOfStoppedInstanceExpires(t *testing.T) {
	st, fake := newLeaseStore(t, 1, 0)
	stop := startRetention(st, fake, "node-a")
	advanceUntil(t, "node-a's first pass", fake, func() bool { return st.prunes() == 1 })
	if takenBy(t, st, fake, "node-b") {
		t.Fatal("node-b took the retention lease while node-a holds it")
	}

	stop()
	fake.Advance(retentionLeaseTTL + time.Second)
	if !takenBy(t, st, fake, "node-b") {
		t.Errorf("node-b cannot take the retention lease %s after node-a stopped; want it to expire after the delivery lease", retentionLeaseTTL+time.Second)
	}
}

func TestRetentionLeaseRenewedDuringLongPass(t *testing.T) {
	st, fake := newLeaseStore(t, 6, retentionLeaseTTL/2)
	stop := startRetention(st, fake, "node-a")
	defer stop()
	advanceUntil(t, "node-a's pass", fake, func() bool { return st.prunes() == 6 })

	if renewed := st.count("node-a"); renewed < 3 {
		t.Errorf("node-a took or renewed the lease %d times in a pass of %d batches of %s, want it renewed between them",
			renewed, 6, retentionLeaseTTL/2)
	}
	if takenBy(t, st, fake, "node-b") {
		t.Errorf("node-b took the retention lease at the end of node-a's pass")
	}
}

func TestRetentionLeaseRenewedBetweenPasses(t *testing.T) {
	st, fake := newLeaseStore(t, 1, 0)
	stop := startRetention(st, fake, "node-a")
	defer stop()
	advanceUntil(t, "node-a's first pass", fake, func() bool { return st.prunes() == 1 })

	for i := range 6 {
		before := st.count("node-a")
		advanceToNextTimer(t, fake)
		waitUntil(t, "node-a to renew the lease", fake, func() bool { return st.count("node-a") > before })
		if takenBy(t, st, fake, "node-b") {
			t.Fatalf("node-b took the retention lease %d renewals after node-a's pass", i+1)
		}
	}
}

// TestRetentionUsesReloadedBatch changes storage.retention_batch between two
// passes, as a reload does: the second pass prunes with the new value.
func TestRetentionUsesReloadedBatch(t *testing.T) {
	st, fake := newLeaseStore(t, 1, 0)
	var batch atomic.Int64
	batch.Store(10)
	stop := startRetentionWith(st, fake, "node-a", func() config.Storage {
		return config.Storage{Retention: time.Hour, RetentionInterval: 10 * time.Minute, RetentionBatch: int(batch.Load())}
	})
	defer stop()

	advanceUntil(t, "node-a's first pass", fake, func() bool { return st.prunes() == 1 })
	batch.Store(20)
	advanceUntil(t, "node-a's second pass", fake, func() bool { return st.prunes() == 2 })

	st.mu.Lock()
	limits := slices.Clone(st.limits)
	st.mu.Unlock()
	if want := []int{10, 20}; !slices.Equal(limits, want) {
		t.Errorf("Prune was called with batch sizes %v, want %v", limits, want)
	}
}
