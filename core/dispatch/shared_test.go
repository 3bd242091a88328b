package dispatch

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/sqlite"
	"github.com/turbocode/switchboard/core/store/storetest"
)

// sharedStore is a SQLite store that tells the dispatcher of pause changes
// as a store shared by several instances does; the test plays the other
// instance, writing pauses into the store and notifying.
type sharedStore struct {
	*sqlite.Store
	changes chan struct{}
}

func (s *sharedStore) PauseChanges() <-chan struct{} { return s.changes }

func (s *sharedStore) notify() { s.changes <- struct{}{} }

var _ store.PauseNotifier = (*sharedStore)(nil)

// shared rebuilds the harness's dispatcher on a sharedStore.
func (h *harness) shared() *sharedStore {
	s := &sharedStore{Store: h.store, changes: make(chan struct{}, 1)}
	h.opts.Store = s
	h.disp = New(h.opts)
	return s
}

func TestPauseByAnotherInstanceHoldsUntilItsResume(t *testing.T) {
	hook := &fakeConnector{}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	other := h.shared()
	h.run()
	ctx := context.Background()

	if err := other.SetPause(ctx, &store.Pause{Connector: "hook", Reason: "maintenance", Actor: "ops", At: start}); err != nil {
		t.Fatal(err)
	}
	other.notify()
	h.waitFor("the other instance's pause", func() bool { return h.disp.Paused("hook") })
	h.accept(false, "hook", "hook", "", "e1")
	h.waitFor("the pause hold", func() bool {
		d := h.delivery("e1")
		return d.HoldReason == store.HoldPaused && d.LeaseOwner == ""
	})
	if hook.callCount() != 0 {
		t.Fatalf("a connector paused by another instance was attempted %d times", hook.callCount())
	}

	if _, err := other.ClearPause(ctx, "hook"); err != nil {
		t.Fatal(err)
	}
	other.notify()
	d := h.waitState("e1", store.StateDelivered)
	if d.Attempts != 1 {
		t.Errorf("attempts after the other instance's resume = %d, want 1", d.Attempts)
	}
}

func TestPauseWithoutNotificationAppliesAtRefresh(t *testing.T) {
	hook := &fakeConnector{}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	other := h.shared()
	h.run()

	if err := other.SetPause(context.Background(), &store.Pause{Connector: "hook", Reason: "maintenance", Actor: "ops", At: start}); err != nil {
		t.Fatal(err)
	}
	h.advanceUntil("the pause to apply without a notification", pauseRefresh, func() bool { return h.disp.Paused("hook") })
}

func TestSyncPausesFollowsTheStore(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name       string
		pausedHere bool
		stored     bool
		wantPaused bool
	}{
		{name: "paused elsewhere", pausedHere: false, stored: true, wantPaused: true},
		{name: "resumed elsewhere", pausedHere: true, stored: false, wantPaused: false},
		{name: "still paused", pausedHere: true, stored: true, wantPaused: true},
		{name: "never paused", pausedHere: false, stored: false, wantPaused: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": {}})
			t.Cleanup(func() { h.store.Close() })
			if tc.pausedHere {
				h.disp.Pause("hook")
			}
			if tc.stored {
				if err := h.store.SetPause(ctx, &store.Pause{Connector: "hook", Reason: "r", Actor: "ops", At: start}); err != nil {
					t.Fatal(err)
				}
			}

			if err := h.disp.syncPauses(ctx); err != nil {
				t.Fatalf("syncPauses: %v", err)
			}
			if got := h.disp.Paused("hook"); got != tc.wantPaused {
				t.Errorf("paused after syncPauses = %v, want %v", got, tc.wantPaused)
			}
		})
	}
}

func TestSuspendReleasesQueuedAndClaimsNothing(t *testing.T) {
	h, slow, release := runningAndQueued(t)

	h.disp.Suspend("lost the instance id lock")
	queued := h.delivery("queued")
	if queued.LeaseOwner != "" || queued.State != store.StateScheduled || queued.NextAt.After(h.clock.Now()) {
		t.Errorf("queued delivery after Suspend: owner %q, state %s, next_at %s; want due now and unleased",
			queued.LeaseOwner, queued.State, queued.NextAt)
	}
	if h.disp.HasRoom() {
		t.Errorf("a suspended dispatcher has room for handed-over deliveries")
	}
	if full := h.disp.claim(context.Background()); full || h.delivery("queued").LeaseOwner != "" {
		t.Errorf("a suspended dispatcher claimed the released delivery")
	}

	close(release)
	h.waitState("running", store.StateDelivered)
	if slow.callCount() != 1 {
		t.Errorf("attempts while suspended = %d, want only the one running before", slow.callCount())
	}

	h.disp.Unsuspend()
	h.waitState("queued", store.StateDelivered)
}

func TestUnsuspendReleasesLeasesLeftBehind(t *testing.T) {
	hook := &fakeConnector{}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	h.run()
	h.disp.Suspend("lost the instance id lock")

	// A delivery still leased to this owner, as when the write-back of
	// Suspend failed because the database was down.
	req := &store.AcceptRequest{ReceivedAt: h.clock.Now(), LeaseOwner: h.disp.Owner(), LeaseUntil: h.clock.Now().Add(time.Hour),
		Events: []*store.NewEvent{{Incoming: storetest.NewIncoming("e1", "issue.created", "e1"),
			Deliveries: []*store.NewDelivery{{Route: "r", Connector: "hook", Target: json.RawMessage(`{}`), Destination: "hook"}}}}}
	if _, err := h.store.Accept(context.Background(), req); err != nil {
		t.Fatal(err)
	}

	h.disp.Unsuspend()
	h.waitState("e1", store.StateDelivered)
}
