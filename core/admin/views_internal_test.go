package admin

import (
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk/clock"
)

func TestConnectorViewStatus(t *testing.T) {
	tests := []struct {
		name string
		in   ConnectorStatus
		want string
	}{
		{"healthy, no attempts", ConnectorStatus{Name: "c1"}, "ok"},
		{"unhealthy without attempts", ConnectorStatus{Name: "c1", Unhealthy: true, HealthMessage: "plugin relay is failed"}, "failed"},
		{"unhealthy with an open circuit", ConnectorStatus{Name: "c1", Unhealthy: true, OpenCircuits: []string{"c1"}}, "failed"},
		{"failing attempts", ConnectorStatus{Name: "c1", Attempts: 3}, "failing"},
		{"mostly delivered, last ones failed", ConnectorStatus{Name: "c1", Attempts: 100, Delivered: 96, FailedInARow: 4}, "failing"},
		{"mostly delivered, last two failed", ConnectorStatus{Name: "c1", Attempts: 100, Delivered: 98, FailedInARow: 2}, "ok"},
		{"waiting for a rate limit with failed attempts", ConnectorStatus{Name: "c1", Waiting: true, Attempts: 4, Delivered: 1, FailedInARow: 3,
			HealthMessage: "GitHub's rate limit holds this token's calls for another 54s"}, "waiting"},
		{"paused wins", ConnectorStatus{Name: "c1", Unhealthy: true, Paused: true}, "paused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := connectorViewOf(tc.in)
			if v.Status != tc.want {
				t.Errorf("status %q, want %q", v.Status, tc.want)
			}
			if v.Health != tc.in.HealthMessage {
				t.Errorf("health %q, want %q", v.Health, tc.in.HealthMessage)
			}
		})
	}
}

// viewBackend is a Backend with only Store; the views need no more.
type viewBackend struct {
	Backend
	st store.Store
}

func (b viewBackend) Store() store.Store { return b.st }

// idStore is a store with only StoreID.
type idStore struct{ store.Store }

func (idStore) StoreID() string { return "0a00625e" }

func TestDeliveryViewRunningHasNoHold(t *testing.T) {
	now := time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)
	s := &server{backend: viewBackend{st: idStore{}}, clock: clock.NewFake(now)}
	snap := Snapshot{Config: &config.Config{}}
	held := &store.Delivery{ID: 7, State: store.StateScheduled, HoldReason: store.HoldNoConnector, NextAt: now.Add(time.Minute)}

	if v := s.deliveryView(held, snap); v.Running || v.HoldReason != store.HoldNoConnector {
		t.Errorf("unleased held delivery: running %v, hold %q; want not running, held", v.Running, v.HoldReason)
	}
	claimed := *held
	claimed.LeaseOwner, claimed.LeaseUntil = "instance-1", now.Add(time.Minute)
	if v := s.deliveryView(&claimed, snap); !v.Running || v.HoldReason != "" {
		t.Errorf("claimed delivery: running %v, hold %q; want running and no hold reason", v.Running, v.HoldReason)
	}
}

func TestConnectorViewLastErrorAfterRecovery(t *testing.T) {
	failed := time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)
	c := ConnectorStatus{Name: "hook", Attempts: 100, Delivered: 99, LastFailure: failed,
		LastError: "destination returned 410 Gone: the endpoint no longer exists"}

	c.LastSuccess = failed.Add(-time.Minute)
	if v := connectorViewOf(c); v.LastError != c.LastError {
		t.Errorf("last_error while the last attempt failed = %q, want %q", v.LastError, c.LastError)
	}
	c.LastSuccess = failed.Add(time.Minute)
	if v := connectorViewOf(c); v.LastError != "" || v.LastFailure == nil {
		t.Errorf("after a success: last_error %q, last_failure %v; want no error and the failure's time", v.LastError, v.LastFailure)
	}
}
