package app

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/dispatch"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
)

// healthInstance answers Health with its health and counts the calls.
type healthInstance struct {
	health sdk.Health
	calls  atomic.Int32
}

func (h *healthInstance) Deliver(context.Context, *sdk.DeliveryRequest) sdk.Result {
	return sdk.Delivered(200, "")
}

func (h *healthInstance) Health(context.Context) sdk.Health {
	h.calls.Add(1)
	return h.health
}

func (h *healthInstance) Close() error { return nil }

func TestHealthOfAsksOnceWithinTTL(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	a := &App{clock: fake}
	failed := &healthInstance{health: sdk.Health{Message: "plugin relay is failed: exit status 1"}}
	fine := &healthInstance{health: sdk.Health{OK: true, Message: "ready"}}
	instances := map[string]sdk.Instance{"c1": failed, "c2": fine}

	got := a.healthOf(instances)
	if got["c1"].OK || got["c1"].Message != failed.health.Message || !got["c2"].OK {
		t.Fatalf("healthOf = %+v, want c1 failed with its reason and c2 healthy", got)
	}
	a.healthOf(instances)
	if n := failed.calls.Load(); n != 1 {
		t.Errorf("Health called %d times within the TTL, want 1", n)
	}
	fake.Advance(healthTTL)
	a.healthOf(instances)
	if n := failed.calls.Load(); n != 2 {
		t.Errorf("Health called %d times after the TTL, want 2", n)
	}
}

// startCheckedInstance is a healthInstance that asks for a health check at
// the start.
type startCheckedInstance struct{ healthInstance }

func (*startCheckedInstance) CheckAtStart() bool { return true }

func TestCheckAtStartWarnsOfProblem(t *testing.T) {
	var logs bytes.Buffer
	a := &App{clock: clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)),
		log: slog.New(slog.NewTextHandler(&logs, nil))}
	revoked := &startCheckedInstance{healthInstance{health: sdk.Health{Message: "GitHub rejected the token (401: Bad credentials)"}}}
	fine := &startCheckedInstance{healthInstance{health: sdk.Health{OK: true, Message: "can read acme/web"}}}
	unasked := &healthInstance{health: sdk.Health{Message: "not checked at start"}}

	a.checkAtStart(map[string]sdk.Instance{"github": revoked, "github-ok": fine, "hook": unasked})

	out := logs.String()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "connector=github ") || !strings.Contains(out, "Bad credentials") {
		t.Errorf("no warning names the revoked token:\n%s", out)
	}
	if strings.Contains(out, "github-ok") || strings.Contains(out, "not checked at start") {
		t.Errorf("a healthy or unasked connector was reported:\n%s", out)
	}
	if n := unasked.calls.Load(); n != 0 {
		t.Errorf("Health of an instance that did not ask was called %d times", n)
	}
}

func TestCheckAfterReloadChecksNewInstancesOnly(t *testing.T) {
	var logs bytes.Buffer
	a := &App{clock: clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)),
		log: slog.New(slog.NewTextHandler(&logs, nil))}
	kept := &startCheckedInstance{healthInstance{health: sdk.Health{Message: "kept instance, checked before"}}}
	revoked := &startCheckedInstance{healthInstance{health: sdk.Health{Message: "GitHub rejected the token (401: Bad credentials)"}}}
	keptConn := &dispatch.Connector{Instance: kept}
	old := &runtime{connectors: map[string]*dispatch.Connector{"kept": keptConn, "github": {Instance: &healthInstance{}}}}
	rt := &runtime{connectors: map[string]*dispatch.Connector{"kept": keptConn, "github": {Instance: revoked}}}

	a.checkAfterReload(old, rt)

	out := logs.String()
	if !strings.Contains(out, "after the config reload") || !strings.Contains(out, "connector=github ") || !strings.Contains(out, "Bad credentials") {
		t.Errorf("no warning names the revoked token after the reload:\n%s", out)
	}
	if n := kept.calls.Load(); n != 0 {
		t.Errorf("Health of the kept instance was called %d times, want 0", n)
	}
}
