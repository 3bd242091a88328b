package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// BenchmarkAcceptDerive compares the store's cost of accepting an issue event
// with and without deriving (entity state read and written, changes compared,
// derived events stored), as concurrent single-event requests like ingest's.
// Every fourth event changes its issue's status, so a quarter derive an event.
//
//	go test -run '^$' -bench AcceptDerive -count 6 ./core/store/sqlite
func BenchmarkAcceptDerive(b *testing.B) {
	for _, derive := range []bool{false, true} {
		b.Run(fmt.Sprintf("derive=%t", derive), func(b *testing.B) {
			s, err := Open(context.Background(), Options{Path: filepath.Join(b.TempDir(), "bench.db")})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchAccept(b, s, derive)
		})
	}
}

func benchAccept(b *testing.B, s *Store, derive bool) {
	plan := func(*event.Incoming) ([]*store.NewDelivery, error) {
		return []*store.NewDelivery{{Route: "r", Connector: "hook", Target: []byte(`{}`), Destination: "hook"}}, nil
	}
	var seq atomic.Int64
	b.SetParallelism(32) // many requests in flight, so commits group as under load
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			in := benchEvent(b, n)
			req := &store.AcceptRequest{ReceivedAt: time.Unix(0, n), Derive: derive, Plan: plan,
				DueThresholds: []time.Duration{72 * time.Hour, 24 * time.Hour},
				Events:        []*store.NewEvent{{Incoming: in, Deliveries: mustPlan(plan, in)}}}
			if _, err := s.Accept(context.Background(), req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func mustPlan(plan func(*event.Incoming) ([]*store.NewDelivery, error), in *event.Incoming) []*store.NewDelivery {
	ds, _ := plan(in)
	return ds
}

// benchEvent builds the nth event: an update of one of 1,000 issues, whose
// status changes every fourth time.
func benchEvent(b *testing.B, n int64) *event.Incoming {
	status := "open"
	if n%4 == 0 {
		status = "in_progress"
	}
	raw := fmt.Sprintf(`{"event_id":"bench-%d","event_type":"issue.updated","timestamp":"2026-12-01T12:00:00Z",
		"entity_type":"issue","entity_id":"issue-%d","action":"updated","data":{"current":{"title":"Login fails",
		"status":%q,"priority":"high","due_date":"2026-12-20T17:00:00Z","updated_at":"t%d"}},
		"context":{"project_id":"p1"}}`, n, n%1000, status, n)
	events, err := event.ParseEnvelopes([]byte(raw), 1)
	if err != nil {
		b.Fatal(err)
	}
	return events[0]
}
