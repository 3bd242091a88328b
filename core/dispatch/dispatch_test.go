package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/sqlite"
	"github.com/turbocode/switchboard/core/store/storetest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
)

var start = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

// fakeConnector answers each Deliver with what script returns and records calls.
type fakeConnector struct {
	info   sdk.Info
	script func(req *sdk.DeliveryRequest, call int) sdk.Result
	// hold, when set, answers sdk.Holder's Hold.
	hold func() (string, time.Duration, bool)

	mu    sync.Mutex
	calls []*sdk.DeliveryRequest
}

func (f *fakeConnector) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	f.mu.Lock()
	f.calls = append(f.calls, req)
	n := len(f.calls)
	f.mu.Unlock()
	if f.script == nil {
		return sdk.Delivered(200, "ok")
	}
	return f.script(req, n)
}

// Hold implements sdk.Holder; without a hold function nothing is held.
func (f *fakeConnector) Hold() (string, time.Duration, bool) {
	if f.hold == nil {
		return "", 0, false
	}
	return f.hold()
}

func (f *fakeConnector) Health(context.Context) sdk.Health { return sdk.Health{OK: true} }
func (f *fakeConnector) Close() error                      { return nil }

func (f *fakeConnector) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeConnector) request(i int) *sdk.DeliveryRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[i]
}

func (f *fakeConnector) eventIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, c := range f.calls {
		ids = append(ids, c.Events[0].ID)
	}
	return ids
}

type fakeSnapshot struct{ conns map[string]*Connector }

func (s *fakeSnapshot) Connector(name string) (*Connector, bool) {
	c, ok := s.conns[name]
	return c, ok
}

func (s *fakeSnapshot) RenderMessage(string, []*event.Incoming) (string, bool, error) {
	return "", false, nil
}

// harness is a dispatcher on a real SQLite store with a fake clock.
type harness struct {
	t      *testing.T
	store  *sqlite.Store
	clock  *clock.Fake
	disp   *Dispatcher
	opts   Options
	conns  map[string]*fakeConnector
	cancel context.CancelFunc
	done   chan error
}

func testPolicy() Policy {
	return Policy{MaxAttempts: 5, MaxAge: 24 * time.Hour, MinBackoff: time.Second, MaxBackoff: time.Minute,
		Workers: 4, MaxInFlightPerDestination: 2, Lease: time.Minute, PollInterval: time.Second,
		CircuitThreshold: 3, CircuitCooldown: 30 * time.Second, ShutdownTimeout: 5 * time.Second}
}

func newHarness(t *testing.T, policy Policy, conns map[string]*fakeConnector) *harness {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Options{Path: filepath.Join(t.TempDir(), "sb.db")})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, store: s, clock: clock.NewFake(start), conns: conns, done: make(chan error, 1)}
	snap := &fakeSnapshot{conns: map[string]*Connector{}}
	for name, c := range conns {
		snap.conns[name] = &Connector{Instance: c, Info: c.info, Timeout: 5 * time.Second, RateLimit: c.info.Capabilities.RateLimit}
	}
	h.opts = Options{Store: s, Clock: h.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Policy: policy, Owner: "test-owner", Snapshot: func() Snapshot { return snap }}
	h.disp = New(h.opts)
	return h
}

func (h *harness) run() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- h.disp.Run(ctx) }()
	h.t.Cleanup(h.stop)
	h.waitFor("the dispatcher to start", h.disp.HasRoom)
}

func (h *harness) stop() {
	if h.cancel != nil {
		h.cancel()
		<-h.done
		h.cancel = nil
	}
	h.store.Close()
}

// accept stores events with one delivery each to connector and destination,
// handing them to the dispatcher in memory when handoff is true.
func (h *harness) accept(handoff bool, connector, destination, orderingKey string, ids ...string) {
	h.t.Helper()
	req := &store.AcceptRequest{ReceivedAt: h.clock.Now()}
	for _, id := range ids {
		req.Events = append(req.Events, &store.NewEvent{Incoming: storetest.NewIncoming(id, "issue.created", id),
			Deliveries: []*store.NewDelivery{{Route: "r", Connector: connector, Target: json.RawMessage(`{}`),
				Destination: destination, OrderingKey: orderingKey, EntityKey: "issue:1"}}})
	}
	if handoff && h.disp.HasRoom() {
		req.LeaseOwner, req.LeaseUntil = h.disp.Owner(), h.disp.LeaseUntil()
	}
	res, err := h.store.Accept(context.Background(), req)
	if err != nil {
		h.t.Fatalf("Accept: %v", err)
	}
	h.disp.Submit(res.Deliveries)
	h.disp.Wake()
}

// waitFor polls cond in real time, advancing nothing, until it holds.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// advanceUntil moves the fake clock by step until cond holds, giving the
// dispatcher's goroutines real time to react after each step.
func (h *harness) advanceUntil(what string, step time.Duration, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s (fake clock at %s)", what, h.clock.Now().Sub(start))
		}
		h.clock.Advance(step)
		time.Sleep(3 * time.Millisecond)
	}
}

func (h *harness) delivery(eventID string) *store.Delivery {
	h.t.Helper()
	ds, err := h.store.Deliveries(context.Background(), store.DeliveryFilter{EventID: eventID})
	if err != nil || len(ds) != 1 {
		h.t.Fatalf("Deliveries(%s) = %d, %v", eventID, len(ds), err)
	}
	return ds[0]
}

func (h *harness) waitState(eventID string, state store.State) *store.Delivery {
	h.t.Helper()
	var d *store.Delivery
	h.waitFor(fmt.Sprintf("%s to be %s", eventID, state), func() bool {
		d = h.delivery(eventID)
		return d.State == state && d.LeaseOwner == ""
	})
	return d
}

func TestHandedOverDeliveryIsDelivered(t *testing.T) {
	hook := &fakeConnector{}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	h.run()
	h.accept(true, "hook", "hook", "", "e1")

	d := h.waitState("e1", store.StateDelivered)
	if d.Attempts != 1 {
		t.Errorf("attempts = %d, want 1", d.Attempts)
	}
	req := hook.request(0)
	if req.DeliveryID != store.PublicDeliveryID(h.store.StoreID(), d.ID) || req.Attempt != 1 || req.Deadline.IsZero() {
		t.Errorf("request = %+v", req)
	}
	attempts, _ := h.store.Attempts(context.Background(), d.ID)
	if len(attempts) != 1 || attempts[0].Outcome != "delivered" || attempts[0].StatusCode != 200 {
		t.Errorf("attempts = %+v", attempts)
	}
}

func TestStoredDeliveryIsClaimedAndDelivered(t *testing.T) {
	hook := &fakeConnector{}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	h.accept(false, "hook", "hook", "", "e1", "e2")
	h.run()
	h.waitState("e1", store.StateDelivered)
	h.waitState("e2", store.StateDelivered)
	if got := hook.request(0).Events[0].Type; got != "issue.created" {
		t.Errorf("claimed event type = %q, want issue.created", got)
	}
}

func TestRetryWaitsForBackoff(t *testing.T) {
	hook := &fakeConnector{script: func(_ *sdk.DeliveryRequest, call int) sdk.Result {
		if call < 3 {
			return sdk.Result{Outcome: sdk.OutcomeRetry, StatusCode: 503, Reason: "503 Service Unavailable"}
		}
		return sdk.Delivered(200, "")
	}}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	h.run()
	h.accept(true, "hook", "hook", "", "e1")

	h.waitFor("first attempt", func() bool { return h.delivery("e1").Attempts == 1 && h.delivery("e1").LeaseOwner == "" })
	first := h.delivery("e1")
	if first.State != store.StateScheduled || !first.NextAt.After(start) || first.LastError != "503 Service Unavailable" {
		t.Fatalf("after a 503: %+v, want scheduled later with the reason", first)
	}
	if got := hook.callCount(); got != 1 {
		t.Fatalf("calls before the backoff passed = %d, want 1", got)
	}

	h.advanceUntil("the third attempt", time.Second, func() bool { return hook.callCount() >= 3 })
	d := h.waitState("e1", store.StateDelivered)
	if d.Attempts != 3 {
		t.Errorf("attempts = %d, want 3", d.Attempts)
	}
}

func TestRetryAfterIsNeverUndercut(t *testing.T) {
	var times []time.Time
	var mu sync.Mutex
	h := (*harness)(nil)
	hook := &fakeConnector{script: func(_ *sdk.DeliveryRequest, call int) sdk.Result {
		mu.Lock()
		times = append(times, h.clock.Now())
		mu.Unlock()
		if call == 1 {
			return sdk.Result{Outcome: sdk.OutcomeRetry, StatusCode: 429, RetryAfter: 90 * time.Second}
		}
		return sdk.Delivered(200, "")
	}}
	h = newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	h.run()
	h.accept(true, "hook", "hook", "", "e1")
	h.waitFor("first attempt", func() bool { return h.delivery("e1").Attempts == 1 })

	for i := 0; i < 89; i++ {
		h.clock.Advance(time.Second)
	}
	time.Sleep(50 * time.Millisecond)
	if got := hook.callCount(); got != 1 {
		t.Fatalf("attempted %d times before Retry-After passed, want 1", got)
	}
	h.advanceUntil("delivery after Retry-After", time.Second, func() bool { return h.delivery("e1").State == store.StateDelivered })
	mu.Lock()
	defer mu.Unlock()
	if gap := times[1].Sub(times[0]); gap < 90*time.Second {
		t.Errorf("second attempt %s after the first, want at least 90s", gap)
	}
}

func TestPermanentFailureIsDeadAtOnce(t *testing.T) {
	hook := &fakeConnector{script: func(*sdk.DeliveryRequest, int) sdk.Result {
		return sdk.Result{Outcome: sdk.OutcomePermanent, StatusCode: 404, Reason: "404 Not Found"}
	}}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	h.run()
	h.accept(true, "hook", "hook", "", "e1")
	d := h.waitState("e1", store.StateDead)
	if d.Attempts != 1 || d.LastError != "404 Not Found" {
		t.Errorf("dead delivery = %+v", d)
	}
}

func TestMaxAttemptsMakesDead(t *testing.T) {
	hook := &fakeConnector{script: func(*sdk.DeliveryRequest, int) sdk.Result { return sdk.Retry("connection refused", 0) }}
	policy := testPolicy()
	policy.MaxAttempts, policy.CircuitThreshold = 3, 0
	h := newHarness(t, policy, map[string]*fakeConnector{"hook": hook})
	h.run()
	h.accept(true, "hook", "hook", "", "e1")

	h.advanceUntil("the delivery to die", 10*time.Second, func() bool { return h.delivery("e1").State == store.StateDead })
	d := h.waitState("e1", store.StateDead)
	if d.Attempts != 3 || !strings.Contains(d.LastError, "gave up after 3 attempts: connection refused") {
		t.Errorf("dead delivery = attempts %d, reason %q", d.Attempts, d.LastError)
	}
}

func TestRetryAfterPastMaxAgeMakesDead(t *testing.T) {
	hook := &fakeConnector{script: func(*sdk.DeliveryRequest, int) sdk.Result { return sdk.Retry("rate limited", 48*time.Hour) }}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	h.run()
	h.accept(true, "hook", "hook", "", "e1")
	d := h.waitState("e1", store.StateDead)
	if !strings.Contains(d.LastError, "would pass max_age 24h0m0s") {
		t.Errorf("reason = %q, want it to name max_age", d.LastError)
	}
}

func TestSlowDestinationDoesNotStarveOthers(t *testing.T) {
	release := make(chan struct{})
	slow := &fakeConnector{script: func(req *sdk.DeliveryRequest, _ int) sdk.Result {
		<-release
		return sdk.Delivered(200, "")
	}}
	fast := &fakeConnector{}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"slow": slow, "fast": fast})
	defer close(release)
	h.run()

	var slowIDs []string
	for i := 0; i < 40; i++ {
		slowIDs = append(slowIDs, fmt.Sprintf("slow-%d", i))
	}
	h.accept(true, "slow", "slow", "", slowIDs...)
	h.waitFor("slow attempts to start", func() bool { return slow.callCount() == 2 })
	h.accept(true, "fast", "fast", "", "fast-1", "fast-2", "fast-3")

	h.waitState("fast-3", store.StateDelivered)
	if got := slow.callCount(); got != 2 {
		t.Errorf("slow destination has %d attempts running, want at most 2 (max_in_flight_per_destination)", got)
	}
}

func TestCircuitOpensAndHoldsDeliveries(t *testing.T) {
	down := &fakeConnector{script: func(*sdk.DeliveryRequest, int) sdk.Result { return sdk.Retry("502 Bad Gateway", 0) }}
	policy := testPolicy()
	policy.Workers, policy.MaxInFlightPerDestination = 1, 1
	h := newHarness(t, policy, map[string]*fakeConnector{"down": down})
	h.run()
	var ids []string
	for i := 0; i < 10; i++ {
		ids = append(ids, fmt.Sprintf("e%d", i))
	}
	h.accept(true, "down", "down", "", ids...)

	h.waitFor("the circuit to open and hold the rest", func() bool {
		held := 0
		for _, id := range ids {
			d := h.delivery(id)
			if d.HoldReason == store.HoldCircuitOpen && d.LeaseOwner == "" {
				held++
			}
		}
		// The attempt that opened the circuit waits for the block's end too.
		return held == len(ids)-policy.CircuitThreshold+1
	})
	if got := down.callCount(); got != policy.CircuitThreshold {
		t.Errorf("attempts before the circuit opened = %d, want %d", got, policy.CircuitThreshold)
	}
	for _, id := range ids[policy.CircuitThreshold:] {
		if d := h.delivery(id); d.Attempts != 0 || !d.NextAt.Equal(start.Add(policy.CircuitCooldown)) {
			t.Errorf("held delivery %s: attempts %d, next_at %s; want no attempt used, due at the cooldown's end", id, d.Attempts, d.NextAt)
		}
	}

	// After the cooldown exactly one probe goes out.
	h.advanceUntil("a probe", time.Second, func() bool { return down.callCount() == policy.CircuitThreshold+1 })
	time.Sleep(50 * time.Millisecond)
	if got := down.callCount(); got != policy.CircuitThreshold+1 {
		t.Errorf("attempts after the cooldown = %d, want exactly one probe", got)
	}
}

func TestOrderedDeliveriesRunInArrivalOrder(t *testing.T) {
	var mu sync.Mutex
	running := 0
	overlap := false
	sync := &fakeConnector{info: sdk.Info{Capabilities: sdk.Capabilities{Ordered: true}},
		script: func(req *sdk.DeliveryRequest, call int) sdk.Result {
			mu.Lock()
			running++
			if running > 1 {
				overlap = true
			}
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
			if call == 2 {
				return sdk.Retry("conflict, try again", time.Second)
			}
			return sdk.Delivered(200, "")
		}}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"sync": sync})
	h.run()
	ids := []string{"o1", "o2", "o3", "o4", "o5"}
	h.accept(true, "sync", "sync", "sync|issue:1", ids...)

	h.advanceUntil("every ordered delivery", 500*time.Millisecond, func() bool {
		return h.delivery("o5").State == store.StateDelivered
	})
	want := []string{"o1", "o2", "o2", "o3", "o4", "o5"}
	if got := sync.eventIDs(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("attempt order = %v, want %v", got, want)
	}
	if overlap {
		t.Errorf("two deliveries of one ordering key ran at once")
	}
}

func TestPanickingConnectorIsRetried(t *testing.T) {
	hook := &fakeConnector{script: func(_ *sdk.DeliveryRequest, call int) sdk.Result {
		if call == 1 {
			panic("boom")
		}
		return sdk.Delivered(200, "")
	}}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	h.run()
	h.accept(true, "hook", "hook", "", "e1")
	h.waitFor("the panic to be recorded", func() bool { return h.delivery("e1").Attempts == 1 })
	if d := h.delivery("e1"); !strings.Contains(d.LastError, "connector panicked: boom") {
		t.Errorf("reason = %q", d.LastError)
	}
}

func TestHolderHoldsWithoutAttempt(t *testing.T) {
	var held atomic.Bool
	held.Store(true)
	conn := &fakeConnector{hold: func() (string, time.Duration, bool) {
		return store.HoldPluginFailed, 10 * time.Second, held.Load()
	}}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"plug": conn})
	h.run()
	h.accept(true, "plug", "plug", "", "e1")
	h.waitFor("the hold", func() bool {
		d := h.delivery("e1")
		return d.HoldReason == store.HoldPluginFailed && d.LeaseOwner == ""
	})
	if d := h.delivery("e1"); d.State != store.StateScheduled || d.Attempts != 0 || !d.NextAt.Equal(start.Add(10*time.Second)) {
		t.Errorf("held delivery = %+v, want scheduled 10s on with no attempt used", d)
	}
	if n := conn.callCount(); n != 0 {
		t.Errorf("Deliver called %d times while held, want 0", n)
	}

	held.Store(false)
	h.advanceUntil("the delivery after the hold", time.Second, func() bool {
		return h.delivery("e1").State == store.StateDelivered
	})
}

func TestRemovedConnectorHoldsDelivery(t *testing.T) {
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{})
	h.run()
	h.accept(true, "gone", "gone", "", "e1")
	h.waitFor("the hold", func() bool {
		d := h.delivery("e1")
		return d.HoldReason == store.HoldNoConnector && d.LeaseOwner == ""
	})
	if d := h.delivery("e1"); d.State != store.StateScheduled || d.Attempts != 0 {
		t.Errorf("held delivery = %+v, want scheduled with no attempt used", d)
	}
}

func TestEntityStateRoundTrip(t *testing.T) {
	hook := &fakeConnector{info: sdk.Info{Capabilities: sdk.Capabilities{State: true}},
		script: func(req *sdk.DeliveryRequest, call int) sdk.Result {
			res := sdk.Delivered(200, "")
			res.UpdateState, res.State = true, []byte(fmt.Sprintf(`{"seen":%d,"had":%q}`, call, req.State))
			return res
		}}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	h.run()
	h.accept(true, "hook", "hook", "", "e1")
	h.waitState("e1", store.StateDelivered)
	h.accept(true, "hook", "hook", "", "e2")
	h.waitState("e2", store.StateDelivered)

	data, version, err := h.store.EntityState(context.Background(), "hook", "issue:1")
	if err != nil || version != 2 || !strings.Contains(string(data), `"seen":2`) || !strings.Contains(string(data), `seen\":1`) {
		t.Errorf("state = %s v%d, %v; want the second write, which saw the first", data, version, err)
	}
}

func TestShutdownReleasesQueuedDeliveries(t *testing.T) {
	release := make(chan struct{})
	slow := &fakeConnector{script: func(*sdk.DeliveryRequest, int) sdk.Result {
		<-release
		return sdk.Delivered(200, "")
	}}
	policy := testPolicy()
	policy.Workers, policy.MaxInFlightPerDestination = 1, 1
	h := newHarness(t, policy, map[string]*fakeConnector{"slow": slow})
	h.run()
	h.accept(true, "slow", "slow", "", "e1", "e2", "e3")
	h.waitFor("the first attempt", func() bool { return slow.callCount() == 1 })

	h.cancel()
	h.waitFor("the dispatcher to stop taking work", func() bool { return !h.disp.HasRoom() })
	close(release)
	<-h.done
	h.cancel = nil

	if d := h.delivery("e1"); d.State != store.StateDelivered {
		t.Errorf("in-flight delivery = %s, want delivered before shutdown finished", d.State)
	}
	for _, id := range []string{"e2", "e3"} {
		if d := h.delivery(id); d.State != store.StateScheduled || d.LeaseOwner != "" {
			t.Errorf("queued delivery %s = %s leased by %q, want scheduled and released", id, d.State, d.LeaseOwner)
		}
	}
}

func TestCircuitCooldownIgnoresAttemptsAlreadyRunning(t *testing.T) {
	p := testPolicy()
	p.CircuitThreshold = 2
	var c circuit
	opened := start.Add(time.Second)
	if got := c.failure(p, start, start); got != 0 {
		t.Fatalf("first failure opened the circuit for %s", got)
	}
	if got := c.failure(p, start, opened); got != p.CircuitCooldown {
		t.Fatalf("second failure: cooldown %s, want %s", got, p.CircuitCooldown)
	}
	for i := 0; i < 3; i++ {
		if got := c.failure(p, start, opened.Add(time.Duration(i)*time.Millisecond)); got != 0 {
			t.Errorf("an attempt that started before the circuit opened changed the cooldown to %s", got)
		}
	}
	if got := c.failure(p, opened.Add(p.CircuitCooldown), opened.Add(p.CircuitCooldown+time.Second)); got != 2*p.CircuitCooldown {
		t.Errorf("a failed probe: cooldown %s, want %s", got, 2*p.CircuitCooldown)
	}
}

func TestDecideRetryAfterNeverShortensBackoff(t *testing.T) {
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{})
	it := &item{delivery: &store.Delivery{ID: 1, CreatedAt: start, Attempts: 0}}
	u := h.disp.decide(it, sdk.Retry("503", 10*time.Millisecond), start, 0)
	if u.State != store.StateScheduled || u.NextAt.Sub(start) < testPolicy().MinBackoff {
		t.Errorf("next attempt %s after the failure, want at least the minimum backoff %s", u.NextAt.Sub(start), testPolicy().MinBackoff)
	}
	u = h.disp.decide(it, sdk.Retry("429", 10*time.Minute), start, 0)
	if got := u.NextAt.Sub(start); got != 10*time.Minute {
		t.Errorf("next attempt %s after a 10m Retry-After, want exactly 10m", got)
	}
}

func TestDecideHeldTimeExtendsMaxAge(t *testing.T) {
	policy := testPolicy()
	policy.MaxAge = time.Minute
	h := newHarness(t, policy, map[string]*fakeConnector{})
	now := start.Add(50 * time.Second)
	fresh := &item{delivery: &store.Delivery{ID: 1, CreatedAt: start}}
	held := &item{delivery: &store.Delivery{ID: 2, CreatedAt: start, HeldFor: 40 * time.Second}}

	if u := h.disp.decide(fresh, sdk.Retry("429", 20*time.Second), now, 0); u.State != store.StateDead {
		t.Errorf("a retry past max_age: state %s, want dead", u.State)
	}
	if u := h.disp.decide(held, sdk.Retry("429", 20*time.Second), now, 0); u.State != store.StateScheduled {
		t.Errorf("a delivery held for 40s: state %s (%s), want scheduled: held time does not use up its age", u.State, u.Reason)
	}
}

func TestRetryNeverUndercutsDestinationBlock(t *testing.T) {
	release := make(chan struct{})
	hook := &fakeConnector{script: func(req *sdk.DeliveryRequest, _ int) sdk.Result {
		if req.Events[0].ID == "running" {
			<-release
			return sdk.Result{Outcome: sdk.OutcomeRetry, StatusCode: 503}
		}
		return sdk.Result{Outcome: sdk.OutcomeRetry, StatusCode: 429, RetryAfter: 5 * time.Minute}
	}}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	h.run()
	h.accept(true, "hook", "hook", "", "running")
	h.waitFor("the first attempt to start", func() bool { return hook.callCount() == 1 })
	h.accept(true, "hook", "hook", "", "limited")
	h.waitFor("the 429", func() bool { return h.delivery("limited").Attempts == 1 })

	close(release)
	h.waitFor("the 503", func() bool {
		d := h.delivery("running")
		return d.Attempts == 1 && d.LeaseOwner == ""
	})
	if d := h.delivery("running"); d.NextAt.Before(start.Add(5 * time.Minute)) {
		t.Errorf("an attempt that failed during the block is due at %s, before the Retry-After ends at %s", d.NextAt, start.Add(5*time.Minute))
	}
}

func TestRateLimitPacesDestination(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	h := (*harness)(nil)
	paced := &fakeConnector{info: sdk.Info{Capabilities: sdk.Capabilities{RateLimit: &sdk.RateLimit{PerSecond: 1, Burst: 2}}},
		script: func(*sdk.DeliveryRequest, int) sdk.Result {
			mu.Lock()
			times = append(times, h.clock.Now())
			mu.Unlock()
			return sdk.Delivered(200, "")
		}}
	h = newHarness(t, testPolicy(), map[string]*fakeConnector{"paced": paced})
	h.run()
	var ids []string
	for i := 0; i < 10; i++ {
		ids = append(ids, fmt.Sprintf("e%d", i))
	}
	h.accept(true, "paced", "paced", "", ids...)

	h.advanceUntil("every paced delivery", 100*time.Millisecond, func() bool { return paced.callCount() == len(ids) })
	mu.Lock()
	defer mu.Unlock()
	// A burst of 2 lets the first two go at the start; each later one needs a
	// token that takes a second to come: delivery i goes no sooner than i-1
	// seconds after the start.
	for i := 2; i < len(times); i++ {
		if since := times[i].Sub(start); since < time.Duration(i-1)*time.Second {
			t.Errorf("delivery %d went %s after the start, want at least %ds at 1 per second", i, since, i-1)
		}
	}
	if total := times[len(times)-1].Sub(start); total > 9*time.Second {
		t.Errorf("10 deliveries at 1 per second with a burst of 2 took %s of clock time, want about 8s", total)
	}
	// The completer writes outcomes after the calls return, so wait for them;
	// a delivery that pacing charged an attempt never gets to 1.
	h.advanceUntil("every outcome written", 100*time.Millisecond, func() bool {
		for _, id := range ids {
			if h.delivery(id).State != store.StateDelivered {
				return false
			}
		}
		return true
	})
	for _, id := range ids {
		if d := h.delivery(id); d.Attempts != 1 {
			t.Errorf("%s used %d attempts; pacing must use none", id, d.Attempts)
		}
	}
}

func TestSuccessReleasesCircuitHolds(t *testing.T) {
	down := true
	var mu sync.Mutex
	hook := &fakeConnector{script: func(*sdk.DeliveryRequest, int) sdk.Result {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return sdk.Result{Outcome: sdk.OutcomeRetry, StatusCode: 502, Reason: "502 Bad Gateway"}
		}
		return sdk.Delivered(200, "")
	}}
	policy := testPolicy()
	policy.Workers, policy.MaxInFlightPerDestination, policy.CircuitCooldown = 1, 1, time.Hour
	h := newHarness(t, policy, map[string]*fakeConnector{"hook": hook})
	h.run()
	var ids []string
	for i := 0; i < 6; i++ {
		ids = append(ids, fmt.Sprintf("e%d", i))
	}
	h.accept(true, "hook", "hook", "", ids...)
	h.waitFor("deliveries held for the open circuit", func() bool {
		d := h.delivery("e5")
		return d.HoldReason == store.HoldCircuitOpen && d.LeaseOwner == ""
	})

	// The destination recovers, and its circuit state is forgotten as in a
	// restart: the next success must release the holds at once, not after an hour.
	mu.Lock()
	down = false
	mu.Unlock()
	h.disp.mu.Lock()
	h.disp.dests = map[string]*destination{}
	h.disp.mu.Unlock()
	h.accept(true, "hook", "hook", "", "fresh")
	h.advanceUntil("every held delivery", 100*time.Millisecond, func() bool {
		for _, id := range ids {
			if h.delivery(id).State != store.StateDelivered {
				return false
			}
		}
		return true
	})
	if waited := h.clock.Now().Sub(start); waited > 10*time.Minute {
		t.Errorf("held deliveries waited %s of clock time after the destination recovered", waited)
	}
}

func TestShutdownCancellationIsNotAFailure(t *testing.T) {
	returned := make(chan struct{})
	hook := &fakeConnector{script: func(*sdk.DeliveryRequest, int) sdk.Result {
		<-returned
		return sdk.Retry("context canceled", 0)
	}}
	policy := testPolicy()
	policy.ShutdownTimeout, policy.CircuitThreshold = 100*time.Millisecond, 1
	h := newHarness(t, policy, map[string]*fakeConnector{"hook": hook})
	h.run()
	h.accept(true, "hook", "hook", "", "e1")
	h.waitFor("the attempt to start", func() bool { return hook.callCount() == 1 })

	// The attempt returns after the shutdown timeout cancelled it, as a
	// connector does when its context ends.
	go func() {
		time.Sleep(300 * time.Millisecond)
		close(returned)
	}()
	h.cancel()
	<-h.done
	h.cancel = nil

	d := h.delivery("e1")
	if d.HoldReason != store.HoldShutdown || d.NextAt.After(start.Add(time.Second)) {
		t.Errorf("cancelled delivery: hold %q, due %s; want held for shutdown and due at once", d.HoldReason, d.NextAt)
	}
	if dst := h.disp.dests["hook"]; dst != nil && dst.circuit.open {
		t.Errorf("a cancelled attempt opened the destination's circuit")
	}
}

func TestCurrentStateLoadedBeforeAttempt(t *testing.T) {
	hook := &fakeConnector{info: sdk.Info{Capabilities: sdk.Capabilities{CurrentState: true}}}
	plain := &fakeConnector{}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook, "plain": plain})
	h.run()

	in := storetest.NewIncoming("e1", "issue.created", "Login fails")
	req := &store.AcceptRequest{ReceivedAt: h.clock.Now(), Derive: true,
		Plan: func(*event.Incoming) ([]*store.NewDelivery, error) { return nil, nil },
		Events: []*store.NewEvent{{Incoming: in, Deliveries: []*store.NewDelivery{
			{Route: "r", Connector: "hook", Target: json.RawMessage(`{}`), Destination: "hook", EntityKey: "issue:issue-e1"},
			{Route: "r", Connector: "plain", Target: json.RawMessage(`{}`), Destination: "plain", EntityKey: "issue:issue-e1"},
		}}}}
	res, err := h.store.Accept(context.Background(), req)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	h.disp.Submit(res.Deliveries)
	h.disp.Wake()
	h.waitFor("both attempts", func() bool { return hook.callCount() == 1 && plain.callCount() == 1 })

	if got := string(hook.calls[0].Current); got != `{"title":"Login fails"}` {
		t.Errorf("Current = %q, want the entity's stored data.current", got)
	}
	if plain.calls[0].Current != nil {
		t.Errorf("Current = %q for a connector that did not ask for it", plain.calls[0].Current)
	}
}
