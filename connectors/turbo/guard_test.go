package turbo

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

var assignQA = sdk.Params{"action": "assign", "assignee": "qa@example.com"}

// assignedEcho is the issue.updated Turbo sends after an assignment, and
// the issue.assigned Switchboard derives from it: both report the change
// stamped at.
func assignedEcho(t *testing.T, id, eventType, assignee, at string) sdk.Event {
	return issueEvent(t, id, eventType, map[string]any{"assignee": nil, "updated_at": "t0"},
		map[string]any{"assignee": assignee, "updated_at": at}, "assignee")
}

func TestEchoOfOwnActionSkipped(t *testing.T) {
	e := newEnv(t, nil)
	first := e.deliver(request{target: assignQA})
	if first.Outcome != sdk.OutcomeDelivered || !first.UpdateState {
		t.Fatalf("the action = %v %q, want delivered with state", first.Outcome, first.Reason)
	}

	echo := e.deliver(request{target: assignQA, state: first.State, event: assignedEcho(t, "e2", "issue.updated", "qa@example.com", "t1")})
	if echo.Outcome != sdk.OutcomeSkipped || !strings.Contains(echo.Reason, "echo of this route's own action") {
		t.Fatalf("the echo = %v %q, want skipped as the route's own echo", echo.Outcome, echo.Reason)
	}
	if echo.SkipKind != sdk.SkipEcho {
		t.Errorf("SkipKind = %q, want %q for metrics", echo.SkipKind, sdk.SkipEcho)
	}
	state := first.State
	if echo.UpdateState {
		state = echo.State
	}

	// Switchboard derives issue.assigned from the same change: an echo too.
	derived := e.deliver(request{target: assignQA, state: state, event: assignedEcho(t, "e3", "issue.assigned", "qa@example.com", "t1")})
	if derived.Outcome != sdk.OutcomeSkipped {
		t.Errorf("the derived echo = %v %q, want skipped", derived.Outcome, derived.Reason)
	}
	if got := e.in.counts.echoes.Load(); got != 2 {
		t.Errorf("echo count = %d, want 2", got)
	}
	if !strings.Contains(e.logs.String(), "loop guard: skipped the echo") {
		t.Errorf("no log line for the skipped echo:\n%s", e.logs)
	}
	if n := len(e.fake.Requests()); n != 1 {
		t.Errorf("Turbo received %d requests, want the one assignment", n)
	}
}

func TestEchoIsPerRoute(t *testing.T) {
	e := newEnv(t, nil)
	first := e.deliver(request{target: assignQA})
	other := e.deliver(request{route: "notify-qa", target: sdk.Params{"action": "comment", "content": "Assigned to you"},
		state: first.State, event: assignedEcho(t, "e2", "issue.updated", "qa@example.com", "t1")})
	if other.Outcome != sdk.OutcomeDelivered {
		t.Errorf("another route on the echo = %v %q, want delivered", other.Outcome, other.Reason)
	}
}

func TestLaterChangeToSameValueIsNoEcho(t *testing.T) {
	e := newEnv(t, nil)
	first := e.deliver(request{target: assignQA})
	echo := e.deliver(request{target: assignQA, state: first.State, event: assignedEcho(t, "e2", "issue.updated", "qa@example.com", "t1")})
	if echo.Outcome != sdk.OutcomeSkipped || !echo.UpdateState {
		t.Fatalf("the echo = %v, state stored %v; want skipped, with the change's stamp stored", echo.Outcome, echo.UpdateState)
	}
	// Someone assigns the issue to qa again, in a change of their own.
	again := e.deliver(request{target: assignQA, state: echo.State, event: assignedEcho(t, "e3", "issue.updated", "qa@example.com", "t5")})
	if again.Outcome != sdk.OutcomeDelivered {
		t.Errorf("a later change = %v %q, want delivered: it is no echo", again.Outcome, again.Reason)
	}
}

func TestEchoExpires(t *testing.T) {
	e := newEnv(t, map[string]any{"echo_window": "1m"})
	first := e.deliver(request{target: assignQA})
	e.clock.Advance(2 * time.Minute)
	late := e.deliver(request{target: assignQA, state: first.State, event: assignedEcho(t, "e2", "issue.updated", "qa@example.com", "t1")})
	if late.Outcome != sdk.OutcomeDelivered {
		t.Errorf("after echo_window = %v %q, want delivered", late.Outcome, late.Reason)
	}
}

func TestNativeEchoes(t *testing.T) {
	tests := []struct {
		name   string
		target sdk.Params
		event  func(t *testing.T) sdk.Event
	}{
		{name: "issue.assigned for a staff assignment", target: sdk.Params{"action": "assign", "staff_id": staffID},
			event: func(t *testing.T) sdk.Event {
				return nativeEvent(t, "issue.assigned", map[string]any{"assignee": nil, "updated_at": "t1"},
					map[string]any{"assigned_to_type": "staff", "assigned_to_id": staffID})
			}},
		{name: "issue.ready for a status", target: sdk.Params{"action": "set_status", "status": "ready"},
			event: func(t *testing.T) sdk.Event {
				return nativeEvent(t, "issue.ready", map[string]any{"status": "ready", "updated_at": "t1"},
					map[string]any{"old_status": "open", "new_status": "ready"})
			}},
		{name: "derived priority change", target: sdk.Params{"action": "set_priority", "priority": "low"},
			event: func(t *testing.T) sdk.Event {
				return issueEvent(t, "e2", "issue.priority_changed", map[string]any{"priority": "high"},
					map[string]any{"priority": "low", "updated_at": "t1"}, "priority")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			first := e.deliver(request{target: tc.target})
			if first.Outcome != sdk.OutcomeDelivered {
				t.Fatalf("the action = %v %q", first.Outcome, first.Reason)
			}
			echo := e.deliver(request{target: tc.target, state: first.State, event: tc.event(t)})
			if echo.Outcome != sdk.OutcomeSkipped {
				t.Errorf("the echo = %v %q, want skipped", echo.Outcome, echo.Reason)
			}
		})
	}
}

// nativeEvent is a Turbo native webhook as ingest converts it: the issue in
// data.current, the whole body in data.native, no previous.
func nativeEvent(t *testing.T, eventType string, issue, extra map[string]any) sdk.Event {
	t.Helper()
	issue["id"] = issueID
	native := map[string]any{"issue": issue}
	for k, v := range extra {
		native[k] = v
	}
	raw, _ := json.Marshal(map[string]any{"event_id": "n1", "event_type": eventType, "entity_type": "issue",
		"entity_id": issueID, "timestamp": testStart.Format(time.RFC3339), "data": map[string]any{"current": issue, "native": native}})
	return connectortest.ParseEvent(t, raw)
}

func TestCommentEchoByMarker(t *testing.T) {
	e := newEnv(t, nil)
	target := sdk.Params{"action": "comment", "content": "An answer"}
	first := e.deliver(request{target: target})
	if first.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("the comment = %v %q", first.Outcome, first.Reason)
	}
	written := e.fake.Comments(issueID)[0]
	raw, _ := json.Marshal(map[string]any{"event_id": "c1", "event_type": "comment.created", "entity_type": "comment",
		"entity_id": written.ID, "timestamp": testStart.Format(time.RFC3339), "context": map[string]string{"issue_id": issueID},
		"data": map[string]any{"current": map[string]any{"content": written.Content, "author_type": written.AuthorType}}})
	event := connectortest.ParseEvent(t, raw)

	if echo := e.deliver(request{target: target, state: first.State, event: event}); echo.Outcome != sdk.OutcomeSkipped {
		t.Errorf("the comment's own event on its route = %v %q, want skipped", echo.Outcome, echo.Reason)
	}
	if other := e.deliver(request{route: "other", target: target, state: first.State, event: event}); other.Outcome != sdk.OutcomeDelivered {
		t.Errorf("the comment's event on another route = %v %q, want delivered", other.Outcome, other.Reason)
	}
}

func TestHopLimitStopsChain(t *testing.T) {
	e := newEnv(t, map[string]any{"hop_limit": 3, "hop_window": "10m"})
	var state []byte
	routes := []string{"raise", "lower", "raise", "lower"}
	var results []sdk.Result
	for i, route := range routes {
		priority := []string{"high", "low"}[i%2]
		r := e.deliver(request{route: route, state: state, target: sdk.Params{"action": "set_priority", "priority": priority}})
		if r.UpdateState {
			state = r.State
		}
		results = append(results, r)
		e.clock.Advance(time.Second)
	}
	for i, r := range results[:3] {
		if r.Outcome != sdk.OutcomeDelivered {
			t.Errorf("action %d = %v %q, want delivered", i+1, r.Outcome, r.Reason)
		}
	}
	stopped := results[3]
	if stopped.Outcome != sdk.OutcomeSkipped || !strings.Contains(stopped.Reason, "hop limit reached: 3 actions on issue:"+issueID+" within 10m0s (routes lower, raise)") {
		t.Errorf("the fourth action = %v %q, want skipped by the hop limit naming the routes", stopped.Outcome, stopped.Reason)
	}
	if stopped.SkipKind != sdk.SkipLoopLimit {
		t.Errorf("SkipKind = %q, want %q for metrics", stopped.SkipKind, sdk.SkipLoopLimit)
	}
	if !strings.Contains(e.logs.String(), "hop limit reached") {
		t.Errorf("the stop was not logged:\n%s", e.logs)
	}

	// Once the window has passed, actions go through again.
	e.clock.Advance(10 * time.Minute)
	if r := e.deliver(request{route: "raise", state: state, target: sdk.Params{"action": "set_priority", "priority": "high"}}); r.Outcome != sdk.OutcomeDelivered {
		t.Errorf("after the window = %v %q, want delivered", r.Outcome, r.Reason)
	}
}

func TestOnlyIfOnCurrentState(t *testing.T) {
	unassigned := json.RawMessage(`{"id":"` + issueID + `","assignee":null,"status":"open"}`)
	taken := json.RawMessage(`{"id":"` + issueID + `","assignee":"dev@example.com","status":"in_progress"}`)
	tests := []struct {
		name    string
		onlyIf  string
		current json.RawMessage
		event   string
		want    sdk.Outcome
		reason  string
	}{
		{name: "holds", onlyIf: "current.assignee == null", current: unassigned, want: sdk.OutcomeDelivered},
		{name: "stale action skipped", onlyIf: "current.assignee == null", current: taken, want: sdk.OutcomeSkipped,
			reason: "only_if current.assignee == null is false on the current state of issue:" + issueID},
		{name: "event and now", onlyIf: `event.event_type == "issue.created" && now > timestamp("2026-01-01T00:00:00Z")`,
			current: unassigned, want: sdk.OutcomeDelivered},
		{name: "untouched for three days", onlyIf: `timestamp(current.updated_at) < now - duration("72h") && current.priority in ["low", "medium"]`,
			current: json.RawMessage(`{"priority":"medium","updated_at":"2026-11-28T16:03:10.552901Z"}`), want: sdk.OutcomeDelivered},
		{name: "touched recently", onlyIf: `timestamp(current.updated_at) < now - duration("72h")`,
			current: json.RawMessage(`{"updated_at":"2026-12-01T16:03:10.552901Z"}`), want: sdk.OutcomeSkipped, reason: "is false"},
		{name: "no state, the event's own", onlyIf: "current.priority == 'high'", want: sdk.OutcomeDelivered},
		{name: "no state for a comment", onlyIf: "current.assignee == null", event: "comment-created.json", want: sdk.OutcomeSkipped,
			reason: "Switchboard has stored no state of issue:" + issueID},
		{name: "missing key", onlyIf: "current.reviewer == null", current: unassigned, want: sdk.OutcomePermanent,
			reason: "has(current.assignee)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			r := request{target: sdk.Params{"action": "assign", "assignee": "qa@example.com", "only_if": tc.onlyIf}, current: tc.current}
			if tc.event != "" {
				r.event = connectortest.LoadEvent(t, fixturePath+tc.event)
			}
			result := e.deliver(r)
			if result.Outcome != tc.want || !strings.Contains(result.Reason, tc.reason) {
				t.Fatalf("result = %v %q, want %v containing %q", result.Outcome, result.Reason, tc.want, tc.reason)
			}
			if tc.want == sdk.OutcomeSkipped && result.SkipKind != sdk.SkipCondition {
				t.Errorf("SkipKind = %q, want %q for metrics", result.SkipKind, sdk.SkipCondition)
			}
			calls := len(e.fake.Requests())
			if tc.want == sdk.OutcomeDelivered && calls == 0 || tc.want != sdk.OutcomeDelivered && calls != 0 {
				t.Errorf("Turbo received %d requests with outcome %v", calls, result.Outcome)
			}
		})
	}
}

func TestUnreadableStateStartsAfresh(t *testing.T) {
	e := newEnv(t, nil)
	result := e.deliver(request{target: assignQA, state: []byte("not json")})
	if result.Outcome != sdk.OutcomeDelivered || !json.Valid(result.State) {
		t.Errorf("result = %v with state %q, want delivered with fresh state", result.Outcome, result.State)
	}
	if !strings.Contains(e.logs.String(), "unreadable") {
		t.Errorf("the unreadable state was not logged:\n%s", e.logs)
	}
}

func TestHealthReportsGuard(t *testing.T) {
	e := newEnv(t, nil)
	e.in.counts.echoes.Add(2)
	health := e.in.Health(t.Context())
	if !health.OK || !strings.Contains(health.Message, "2 echoes skipped") {
		t.Errorf("health = %+v", health)
	}
	e.fake.Fail("GET", "issues/", 1, turbofakeFailure(503))
	if health := e.in.Health(t.Context()); health.OK {
		t.Errorf("health with Turbo down = %+v, want not OK", health)
	}
}
