package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/flow"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/storetest"
	"github.com/turbocode/switchboard/sdk"
)

// flowSnapshot is fakeSnapshot with quiet hours for route "r" and a template
// that shows the counts it renders with.
type flowSnapshot struct {
	fakeSnapshot
	quiet *config.Quiet
}

func (s *flowSnapshot) QuietUntil(route string, at time.Time) (time.Time, bool) {
	if route != "r" {
		return time.Time{}, false
	}
	return flow.QuietUntil(s.quiet, at)
}

func (s *flowSnapshot) RenderCounted(_ string, events []*event.Incoming, total, suppressed int) (string, bool, error) {
	return fmt.Sprintf("%d/%d/%d", len(events), total, suppressed), true, nil
}

// newFlowHarness is newHarness with a flowSnapshot of the given quiet hours.
func newFlowHarness(t *testing.T, policy Policy, hook *fakeConnector, quiet *config.Quiet) *harness {
	t.Helper()
	h := newHarness(t, policy, map[string]*fakeConnector{"hook": hook})
	snap := &flowSnapshot{fakeSnapshot: fakeSnapshot{conns: map[string]*Connector{
		"hook": {Instance: hook, Info: hook.info, Timeout: 5 * time.Second}}}, quiet: quiet}
	h.disp = New(Options{Store: h.store, Clock: h.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Policy: policy, Owner: "test-owner", Snapshot: func() Snapshot { return snap }})
	return h
}

// flowPolicy is testPolicy with a lease far longer than the steps the tests
// move the clock by, so that no lease expires while an attempt is recorded.
func flowPolicy() Policy {
	p := testPolicy()
	p.Lease = 3 * 24 * time.Hour
	return p
}

// nightHours are quiet hours from 22:00 to 07:00 UTC; the harness starts at
// 09:00.
var nightHours = &config.Quiet{From: 22 * time.Hour, To: 7 * time.Hour, TZ: "UTC", Location: time.UTC}

func TestDigestDeliveredAsOneRequest(t *testing.T) {
	hook := &fakeConnector{}
	h := newFlowHarness(t, flowPolicy(), hook, nil)
	due := start.Add(time.Hour)
	for i, id := range []string{"d1", "d2", "d3"} {
		req := &store.AcceptRequest{ReceivedAt: start.Add(time.Duration(i) * time.Minute), Events: []*store.NewEvent{{
			Incoming: storetest.NewIncoming(id, "issue.created", id),
			Deliveries: []*store.NewDelivery{{Route: "r", Connector: "hook", Target: json.RawMessage(`{}`), Destination: "hook",
				Digest: &store.DigestSpec{Key: "r|k", MaxItems: 2}, NotBefore: due, HoldReason: store.HoldDigest}}}}}
		if _, err := h.store.Accept(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	h.run()

	h.advanceUntil("the digest to be attempted", time.Minute, func() bool { return hook.callCount() > 0 })
	d := h.waitState("d1", store.StateDelivered)

	if !h.clock.Now().After(due.Add(-time.Nanosecond)) {
		t.Errorf("the digest went out at %s, before its window ended at %s", h.clock.Now(), due)
	}
	req := hook.calls[0]
	if got := strings.Join(hook.eventIDs(), " "); got != "d1" || len(req.Events) != 2 || req.Events[1].ID != "d2" {
		t.Errorf("request events %d starting with %s, want d1 and d2 (max_items 2)", len(req.Events), got)
	}
	if req.TotalEvents != 3 || req.MoreEvents() != 1 || req.Message != "2/3/0" {
		t.Errorf("TotalEvents %d, MoreEvents %d, message %q; want 3, 1 and 2/3/0", req.TotalEvents, req.MoreEvents(), req.Message)
	}
	if d.Attempts != 1 || hook.callCount() != 1 {
		t.Errorf("%d attempts and %d calls, want one of each", d.Attempts, hook.callCount())
	}
}

func TestSuppressedCountReachesConnector(t *testing.T) {
	hook := &fakeConnector{}
	h := newFlowHarness(t, flowPolicy(), hook, nil)
	h.run()
	for i, id := range []string{"t1", "t2", "t3", "t4"} {
		at := start.Add(time.Duration(i) * time.Minute)
		if id == "t4" {
			at = start.Add(time.Hour)
		}
		req := &store.AcceptRequest{ReceivedAt: at, LeaseOwner: h.disp.Owner(), LeaseUntil: at.Add(time.Minute), Events: []*store.NewEvent{{
			Incoming: storetest.NewIncoming(id, "issue.updated", id),
			Deliveries: []*store.NewDelivery{{Route: "r", Connector: "hook", Target: json.RawMessage(`{}`), Destination: "hook",
				Throttle: &store.ThrottleSpec{Key: "r|k", Per: 10 * time.Minute}}}}}}
		res, err := h.store.Accept(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		h.disp.Submit(res.Deliveries)
	}

	h.waitState("t4", store.StateDelivered)

	if got := strings.Join(hook.eventIDs(), " "); got != "t1 t4" {
		t.Fatalf("delivered %s, want t1 t4", got)
	}
	if last := hook.calls[1]; last.Suppressed != 2 || last.SuppressedNotice() != "2 similar messages were suppressed" || last.Message != "1/0/2" {
		t.Errorf("t4: Suppressed %d, notice %q, message %q; want 2 and the count in both", last.Suppressed, last.SuppressedNotice(), last.Message)
	}
	for _, id := range []string{"t2", "t3"} {
		if d := h.delivery(id); d.State != store.StateSkipped {
			t.Errorf("%s is %s, want skipped", id, d.State)
		}
	}
}

func TestQuietHoursHoldWithoutAttempt(t *testing.T) {
	hook := &fakeConnector{}
	h := newFlowHarness(t, flowPolicy(), hook, nightHours)
	h.clock.Set(start.Add(14 * time.Hour)) // 23:00
	h.run()
	h.accept(true, "hook", "hook", "", "e1")

	h.waitFor("the delivery to be held", func() bool {
		d := h.delivery("e1")
		return d.HoldReason == store.HoldQuietHours && d.LeaseOwner == ""
	})
	d := h.delivery("e1")
	morning := start.Add(22 * time.Hour) // 07:00 the next day
	if !d.NextAt.Equal(morning) || d.Attempts != 0 || d.HeldFor != 8*time.Hour || hook.callCount() != 0 {
		t.Errorf("held: due %s, %d attempts, held %s, %d calls; want due at 07:00, no attempt, held 8h", d.NextAt, d.Attempts, d.HeldFor, hook.callCount())
	}

	h.advanceUntil("the morning", time.Hour, func() bool { return hook.callCount() > 0 })
	d = h.waitState("e1", store.StateDelivered)
	if d.Attempts != 1 || h.clock.Now().Before(morning) {
		t.Errorf("delivered with %d attempts at %s, want one attempt after 07:00", d.Attempts, h.clock.Now())
	}
}

func TestRetryIntoQuietHoursWaitsForTheirEnd(t *testing.T) {
	hook := &fakeConnector{script: func(_ *sdk.DeliveryRequest, call int) sdk.Result {
		if call == 1 {
			return sdk.Result{Outcome: sdk.OutcomeRetry, StatusCode: 503, Reason: "503 Service Unavailable"}
		}
		return sdk.Delivered(200, "")
	}}
	policy := flowPolicy()
	policy.MinBackoff, policy.MaxBackoff = 10*time.Minute, 10*time.Minute
	policy.MaxAge = time.Hour // shorter than the quiet hours: their wait must not count
	h := newFlowHarness(t, policy, hook, nightHours)
	h.clock.Set(start.Add(12*time.Hour + 55*time.Minute)) // 21:55
	h.run()
	h.accept(true, "hook", "hook", "", "e1")

	h.waitFor("the first attempt", func() bool { d := h.delivery("e1"); return d.Attempts == 1 && d.LeaseOwner == "" })
	d := h.delivery("e1")
	morning := start.Add(22 * time.Hour)
	if d.State != store.StateScheduled || !d.NextAt.Equal(morning) || d.HoldReason != store.HoldQuietHours {
		t.Fatalf("after a 503 at 21:55: %s, due %s, hold %q; want scheduled for 07:00 for quiet hours", d.State, d.NextAt, d.HoldReason)
	}
	if want := 8*time.Hour + 55*time.Minute; d.HeldFor != want {
		t.Errorf("held for %s, want %s: from the retry's time, 22:05, to 07:00", d.HeldFor, want)
	}

	h.advanceUntil("the second attempt", time.Hour, func() bool { return hook.callCount() >= 2 })
	if d := h.waitState("e1", store.StateDelivered); d.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", d.Attempts)
	}
}
