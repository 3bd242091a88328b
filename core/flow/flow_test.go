package flow

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/route"
	"github.com/turbocode/switchboard/core/store"
)

func TestWindowAlignment(t *testing.T) {
	tests := []struct {
		name       string
		at         string
		length     time.Duration
		start, end string
	}{
		{"hour at its start", "2026-12-04T09:00:00Z", time.Hour, "2026-12-04T09:00:00Z", "2026-12-04T10:00:00Z"},
		{"hour just before its end", "2026-12-04T09:59:59Z", time.Hour, "2026-12-04T09:00:00Z", "2026-12-04T10:00:00Z"},
		{"next hour at the end", "2026-12-04T10:00:00Z", time.Hour, "2026-12-04T10:00:00Z", "2026-12-04T11:00:00Z"},
		{"quarter hour", "2026-12-04T09:44:00Z", 15 * time.Minute, "2026-12-04T09:30:00Z", "2026-12-04T09:45:00Z"},
		{"day from midnight UTC", "2026-12-04T23:59:00Z", 24 * time.Hour, "2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z"},
		{"week from Monday", "2026-12-04T12:00:00Z", 7 * 24 * time.Hour, "2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end := Window(utc(tt.at), tt.length)
			if !start.Equal(utc(tt.start)) {
				t.Errorf("start = %s, want %s", start.Format(time.RFC3339), tt.start)
			}
			if !end.Equal(utc(tt.end)) {
				t.Errorf("end = %s, want %s", end.Format(time.RFC3339), tt.end)
			}
		})
	}
}

func TestWindowIgnoresLocation(t *testing.T) {
	berlin := quietHours(t, 0, time.Hour, "Europe/Berlin").Location
	at := utc("2026-12-04T09:30:00Z")

	start, _ := Window(at.In(berlin), time.Hour)

	if !start.Equal(utc("2026-12-04T09:00:00Z")) {
		t.Errorf("start = %s, want 09:00 UTC", start)
	}
}

func newDelivery(target string) *store.NewDelivery {
	return &store.NewDelivery{Route: "team", Connector: "slack", Target: json.RawMessage(target),
		Destination: "slack|#team", OrderingKey: "slack|issue:1", EntityKey: "issue:1", State: store.StateScheduled}
}

func TestShapeDigest(t *testing.T) {
	f := &route.Flow{Digest: &config.Digest{Window: time.Hour, MaxItems: 20}, RouteHash: "0123456789abcdef"}
	nd := newDelivery(`{"channel":"#team"}`)

	Shape(nd, f, utc("2026-12-04T09:59:59Z"))

	if nd.Digest == nil {
		t.Fatal("Digest is nil")
	}
	if !strings.HasPrefix(nd.Digest.Key, "team|0123456789abcdef|") || nd.Digest.MaxItems != 20 {
		t.Errorf("Digest = %+v, want the route, its hash and max_items 20", nd.Digest)
	}
	if !nd.NotBefore.Equal(utc("2026-12-04T10:00:00Z")) || nd.HoldReason != store.HoldDigest {
		t.Errorf("NotBefore %s, HoldReason %q; want the window's end and %q", nd.NotBefore, nd.HoldReason, store.HoldDigest)
	}
	if nd.OrderingKey != "" || nd.EntityKey != "" {
		t.Errorf("OrderingKey %q, EntityKey %q; want both empty for a digest", nd.OrderingKey, nd.EntityKey)
	}

	same := newDelivery(`{"channel":"#team"}`)
	Shape(same, f, utc("2026-12-04T09:00:00Z"))
	if same.Digest.Key != nd.Digest.Key {
		t.Errorf("the same window and target gave keys %q and %q", nd.Digest.Key, same.Digest.Key)
	}
	for name, other := range map[string]*store.NewDelivery{"next window": newDelivery(`{"channel":"#team"}`), "other target": newDelivery(`{"channel":"#other"}`)} {
		at := utc("2026-12-04T09:30:00Z")
		if name == "next window" {
			at = utc("2026-12-04T10:00:00Z")
		}
		Shape(other, f, at)
		if other.Digest.Key == nd.Digest.Key {
			t.Errorf("%s shares the key %q", name, nd.Digest.Key)
		}
	}
}

func TestShapeDigestEndingInQuietHours(t *testing.T) {
	f := &route.Flow{Digest: &config.Digest{Window: time.Hour, MaxItems: 50}, RouteHash: "0123456789abcdef",
		Quiet: quietHours(t, 22*time.Hour, 7*time.Hour, "UTC")}
	nd := newDelivery(`{}`)

	Shape(nd, f, utc("2026-12-04T21:30:00Z"))

	if !nd.NotBefore.Equal(utc("2026-12-05T07:00:00Z")) || nd.HoldReason != store.HoldQuietHours {
		t.Errorf("NotBefore %s, HoldReason %q; want the end of the quiet hours", nd.NotBefore, nd.HoldReason)
	}
}

func TestShapeThrottleKeys(t *testing.T) {
	f := &route.Flow{Throttle: &config.Throttle{Per: 10 * time.Minute}, ThrottleKey: "issue:1"}
	keyOf := func(target, key string) string {
		g := *f
		g.ThrottleKey = key
		nd := newDelivery(target)
		Shape(nd, &g, utc("2026-12-04T09:00:00Z"))
		if nd.Throttle == nil || nd.Throttle.Per != 10*time.Minute {
			t.Fatalf("Throttle = %+v, want a 10m period", nd.Throttle)
		}
		if !nd.NotBefore.IsZero() || nd.Digest != nil || nd.OrderingKey == "" {
			t.Errorf("a throttle changed more than the throttle: %+v", nd)
		}
		return nd.Throttle.Key
	}

	key := keyOf(`{"channel":"#team"}`, "issue:1")
	if !strings.HasPrefix(key, "team|") {
		t.Errorf("key %q does not start with the route", key)
	}
	if again := keyOf(`{"channel":"#team"}`, "issue:1"); again != key {
		t.Errorf("the same key and target gave %q and %q", key, again)
	}
	if other := keyOf(`{"channel":"#team"}`, "issue:2"); other == key {
		t.Errorf("another rendered key shares %q", key)
	}
	if other := keyOf(`{"channel":"#other"}`, "issue:1"); other == key {
		t.Errorf("another target shares %q", key)
	}
}

func TestShapeQuietHours(t *testing.T) {
	f := &route.Flow{Quiet: quietHours(t, 22*time.Hour, 7*time.Hour, "UTC")}

	inside := newDelivery(`{}`)
	Shape(inside, f, utc("2026-12-04T23:00:00Z"))
	if !inside.NotBefore.Equal(utc("2026-12-05T07:00:00Z")) || inside.HoldReason != store.HoldQuietHours {
		t.Errorf("inside: NotBefore %s, HoldReason %q; want 07:00 and %q", inside.NotBefore, inside.HoldReason, store.HoldQuietHours)
	}

	outside := newDelivery(`{}`)
	Shape(outside, f, utc("2026-12-04T12:00:00Z"))
	if !outside.NotBefore.IsZero() || outside.HoldReason != "" {
		t.Errorf("outside: NotBefore %s, HoldReason %q; want no hold", outside.NotBefore, outside.HoldReason)
	}
}
