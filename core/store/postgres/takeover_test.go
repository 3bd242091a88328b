package postgres

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/postgres/pgtest"
	"github.com/turbocode/switchboard/core/store/storetest"
)

func TestClaimOfExpiredLeasesIsLogged(t *testing.T) {
	dsn := pgtest.DSN(t)
	first := openTest(t, dsn)
	defer first.Close()
	var logged strings.Builder
	second, err := Open(context.Background(), Options{DSN: dsn, MaxConns: 4, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	req := &store.AcceptRequest{ReceivedAt: now}
	for _, id := range []string{"e1", "e2"} {
		req.Events = append(req.Events, &store.NewEvent{Incoming: storetest.NewIncoming(id, "issue.created", id),
			Deliveries: []*store.NewDelivery{{Route: "r", Connector: "hook", Target: json.RawMessage(`{}`), Destination: "hook"}}})
	}
	if _, err := first.Accept(ctx, req); err != nil {
		t.Fatal(err)
	}
	claimed, err := second.Claim(ctx, &store.ClaimRequest{Owner: "node2", Now: now, LeaseUntil: now.Add(time.Second)})
	if err != nil || len(claimed) != 2 {
		t.Fatalf("first claim = %d deliveries, %v; want 2", len(claimed), err)
	}
	if strings.Contains(logged.String(), "lease expired") {
		t.Fatalf("a claim of fresh deliveries was logged as a takeover:\n%s", logged.String())
	}

	later := now.Add(time.Minute)
	taken, err := second.Claim(ctx, &store.ClaimRequest{Owner: "node1", Now: later, LeaseUntil: later.Add(time.Minute)})
	if err != nil || len(taken) != 2 {
		t.Fatalf("claim after the lease expired = %d deliveries, %v; want 2", len(taken), err)
	}
	for _, want := range []string{"claimed deliveries whose lease expired", "deliveries=2", "previous_owner=node2", "owner=node1"} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log does not contain %q:\n%s", want, logged.String())
		}
	}
}
