package sqlite

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/storetest"
)

func TestReopenContinuesDigestAndThrottle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "switchboard.db")
	start := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	due := start.Add(time.Hour)
	digest := func(id string, at time.Time) *store.AcceptRequest {
		return &store.AcceptRequest{ReceivedAt: at, Events: []*store.NewEvent{{
			Incoming: storetest.NewIncoming(id, "issue.created", id),
			Deliveries: []*store.NewDelivery{{Route: "hourly", Connector: "hook", Target: json.RawMessage(`{}`),
				Destination: "hook", Digest: &store.DigestSpec{Key: "hourly|k", MaxItems: 50},
				NotBefore: due, HoldReason: store.HoldDigest}}}}}
	}
	throttled := func(id string, at time.Time) *store.AcceptRequest {
		return &store.AcceptRequest{ReceivedAt: at, Events: []*store.NewEvent{{
			Incoming: storetest.NewIncoming(id, "issue.updated", id),
			Deliveries: []*store.NewDelivery{{Route: "per-issue", Connector: "hook", Target: json.RawMessage(`{}`),
				Destination: "hook2", Throttle: &store.ThrottleSpec{Key: "per-issue|k", Per: time.Hour}}}}}}
	}

	s := openAt(t, path)
	mustAccept(t, s, digest("before-1", start.Add(10*time.Minute)))
	mustAccept(t, s, digest("before-2", start.Add(20*time.Minute)))
	mustAccept(t, s, throttled("sent", start))
	mustAccept(t, s, throttled("suppressed", start.Add(time.Minute)))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	defer s.Close()
	mustAccept(t, s, digest("after", start.Add(50*time.Minute)))
	mustAccept(t, s, throttled("counted", start.Add(time.Hour)))

	claimed, err := s.Claim(context.Background(), &store.ClaimRequest{Owner: "test", Now: due, LeaseUntil: due.Add(time.Minute), Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	byRoute := map[string]*store.Claimed{}
	for _, c := range claimed {
		byRoute[c.Delivery.Route] = c
	}
	if len(claimed) != 3 || byRoute["hourly"] == nil {
		t.Fatalf("claimed %d deliveries, want one digest and two throttled", len(claimed))
	}
	events, err := s.DigestEvents(context.Background(), byRoute["hourly"].Delivery.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(events); got != 3 || byRoute["hourly"].Delivery.TotalEvents != 3 {
		t.Errorf("the digest has %d events listed and %d in all, want the 3 from before and after the restart", got, byRoute["hourly"].Delivery.TotalEvents)
	}
	counted := deliveriesOf(t, s, "counted")
	if len(counted) != 1 || counted[0].Suppressed != 1 {
		t.Errorf("counted: %+v, want one delivery counting the match suppressed before the restart", counted)
	}
}

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func mustAccept(t *testing.T, s *Store, req *store.AcceptRequest) {
	t.Helper()
	if _, err := s.Accept(context.Background(), req); err != nil {
		t.Fatalf("Accept: %v", err)
	}
}

func deliveriesOf(t *testing.T, s *Store, eventID string) []*store.Delivery {
	t.Helper()
	ds, err := s.Deliveries(context.Background(), store.DeliveryFilter{EventID: eventID})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}
