package route

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/render"
	"github.com/turbocode/switchboard/sdk"
)

func urgentRoute() config.Route {
	return config.Route{
		Name:   "urgent",
		Events: []string{"issue.*"},
		Where:  []config.Match{where("data.current.priority", "high", "critical")},
		To:     []config.Target{to("slack", map[string]any{"channel": "#urgent"})},
	}
}

func TestUrgentRoute(t *testing.T) {
	table := mustCompile(t, urgentRoute())
	tests := []struct {
		fixture string
		matched bool
	}{
		{"issue-created-high.json", true},
		{"issue-updated-status.json", true},
		{"issue-closed.json", true},
		{"issue-created-low.json", false},
		{"milestone-completed.json", false},
		{"comment-created.json", false},
		{"project-created.json", false},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			planned := table.Evaluate(loadEvent(t, tt.fixture))
			if got := len(planned) == 1; got != tt.matched {
				t.Fatalf("planned %d deliveries, want matched=%v", len(planned), tt.matched)
			}
		})
	}
}

func TestUrgentRoutePlan(t *testing.T) {
	table := mustCompile(t, urgentRoute())
	planned := table.Evaluate(loadEvent(t, "issue-created-high.json"))
	if len(planned) != 1 {
		t.Fatalf("planned %d deliveries, want 1", len(planned))
	}

	want := Planned{
		Route:       "urgent",
		Connector:   "slack",
		Params:      sdk.Params{"channel": "#urgent"},
		Destination: "slack|#urgent",
		EntityKey:   "issue:3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b",
	}
	if !reflect.DeepEqual(planned[0], want) {
		t.Errorf("got  %+v\nwant %+v", planned[0], want)
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, eventType string
		want               bool
	}{
		{"issue.*", "issue.created", true},
		{"issue.*", "issue.status_changed", true},
		{"issue.*", "issue", false},
		{"issue.*", "issues.created", false},
		{"*", "github.issue_comment.created", true},
		{"github.*", "github.issue_comment.created", true},
		{"*.created", "issue.created", true},
		{"*.created", "github.issues.created", true},
		{"*.created", "issue.created_late", false},
		{"issue.?losed", "issue.closed", true},
		{"issue.?losed", "issue.losed", false},
		{"i*e.*d", "issue.created", true},
		{"*issue*", "github.issue_comment.created", true},
		{"**", "", true},
		{"?", "", false},
		{"a*b*c", "abxbc", true},
		{"a*b*c", "abxbx", false},
		{"milestone.*", "issue.created", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.eventType, func(t *testing.T) {
			if got := glob(tt.pattern).match(tt.eventType); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEventsSelectRoutes(t *testing.T) {
	route := func(name string, events ...string) config.Route {
		return config.Route{Name: name, Events: events, To: []config.Target{to("log", nil)}}
	}
	table := mustCompile(t,
		route("issues", "issue.*"),
		route("exact", "issue.created"),
		route("both", "issue.created", "issue.*"),
		route("milestones", "milestone.*"),
		route("every"),
		route("created", "*.created"),
		route("single", "issue.?reated"),
	)

	tests := []struct {
		fixture string
		want    []string
	}{
		{"issue-created-high.json", []string{"issues", "exact", "both", "every", "created", "single"}},
		{"issue-closed.json", []string{"issues", "both", "every"}},
		{"milestone-completed.json", []string{"milestones", "every"}},
		{"project-created.json", []string{"every", "created"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			if got := routeNames(table.Evaluate(loadEvent(t, tt.fixture))); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWhere(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		where   []config.Match
		want    bool
	}{
		{"string in list", "issue-created-high.json", []config.Match{where("data.current.priority", "low", "high")}, true},
		{"string not in list", "issue-created-high.json", []config.Match{where("data.current.priority", "low", "medium")}, false},
		{"string is exact", "issue-created-high.json", []config.Match{where("data.current.priority", "HIGH")}, false},
		{"yaml int equals json number", "issue-created-high.json", []config.Match{where("data.current.issue_number", 42)}, true},
		{"yaml float equals json number", "issue-created-high.json", []config.Match{where("data.current.issue_number", 42.0)}, true},
		{"int64 from yaml", "issue-created-high.json", []config.Match{where("data.current.issue_number", int64(42))}, true},
		{"other number", "issue-created-high.json", []config.Match{where("data.current.issue_number", 43)}, false},
		{"string does not equal number", "issue-created-high.json", []config.Match{where("data.current.issue_number", "42")}, false},
		{"fractional number", "project-created.json", []config.Match{where("data.current.completion_percentage", 0)}, true},
		{"bool", "project-created.json", []config.Match{where("data.current.is_archived", false)}, true},
		{"bool mismatch", "project-created.json", []config.Match{where("data.current.is_archived", true)}, false},
		{"null matches json null", "issue-created-high.json", []config.Match{where("data.current.assignee", nil)}, true},
		{"null matches missing key", "issue-created-high.json", []config.Match{where("context.milestone_id", nil)}, true},
		{"null matches missing parent", "issue-created-high.json", []config.Match{where("data.previous.assignee", nil)}, true},
		{"null does not match a value", "issue-updated-status.json", []config.Match{where("data.current.assignee", nil)}, false},
		{"null or value", "issue-updated-status.json", []config.Match{where("data.current.assignee", nil, "lead@example.com")}, true},
		{"array contains value", "issue-updated-status.json", []config.Match{where("data.changes", "priority")}, true},
		{"array lacks value", "issue-updated-status.json", []config.Match{where("data.changes", "title", "due_date")}, false},
		{"empty array", "issue-created-high.json", []config.Match{where("data.current.blocking", nil, "x")}, false},
		{"top-level key", "milestone-completed.json", []config.Match{where("entity_type", "milestone")}, true},
		{"context", "issue-created-high.json", []config.Match{where("context.project_id", "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f")}, true},
		{"actor", "issue-created-low.json", []config.Match{where("actor.type", "ai")}, true},
		{"all must hold", "issue-created-high.json", []config.Match{where("data.current.priority", "high"), where("data.current.type", "feature")}, false},
		{"path through a string", "issue-created-high.json", []config.Match{where("data.current.title.x", nil)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := mustCompile(t, config.Route{Name: "r", Where: tt.where, To: []config.Target{to("log", nil)}})
			if got := len(table.Evaluate(loadEvent(t, tt.fixture))) == 1; got != tt.want {
				t.Errorf("matched = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCondition(t *testing.T) {
	tests := []struct {
		name      string
		fixture   string
		expr      string
		want      bool
		wantError string
	}{
		{"true", "issue-created-high.json", `data.current.priority == "high"`, true, ""},
		{"false", "issue-created-low.json", `data.current.priority == "high"`, false, ""},
		{"in list", "issue-updated-status.json", `"priority" in data.changes`, true, ""},
		{"number compare", "issue-created-high.json", `data.current.issue_number > 40`, true, ""},
		{"number equality", "issue-created-high.json", `data.current.issue_number == 42`, true, ""},
		{"timestamp", "issue-created-high.json", `timestamp > timestamp("2026-12-01T00:00:00Z")`, true, ""},
		{"timestamp false", "issue-created-high.json", `timestamp < timestamp("2026-01-01T00:00:00Z")`, false, ""},
		{"context", "comment-created.json", `context.issue_id == "3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"`, true, ""},
		{"missing context map", "issue-created-high.json", `!("issue_id" in context)`, true, ""},
		{"actor", "issue-created-low.json", `actor.type == "ai" && actor.name.startsWith("AI:")`, true, ""},
		{"scalars", "milestone-completed.json", `entity_type == "milestone" && action == "completed" && event_type.endsWith(".completed") && !derived && parent_event_id == ""`, true, ""},
		{"null field", "issue-created-high.json", `data.current.assignee == null`, true, ""},
		{"has", "issue-created-high.json", `has(data.previous)`, false, ""},
		{"string extension", "issue-created-high.json", `data.current.title.lowerAscii().contains("login")`, true, ""},
		{"missing key", "issue-created-high.json", `data.current.nope == "x"`, false, "no such key: nope"},
		{"missing data parent", "issue-created-high.json", `data.previous.status == "open"`, false, "no such key: previous"},
		{"missing context key", "issue-created-high.json", `context.issue_id == "x"`, false, "no such key: issue_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := mustCompile(t, config.Route{Name: "r", If: tt.expr, To: []config.Target{to("log", nil)}})
			in := loadEvent(t, tt.fixture)
			if got := len(table.Evaluate(in)) == 1; got != tt.want {
				t.Errorf("matched = %v, want %v", got, tt.want)
			}

			decision := table.Explain(loadEvent(t, tt.fixture))[0]
			switch {
			case tt.want && decision.Reason != "":
				t.Errorf("reason %q for a match", decision.Reason)
			case !tt.want && tt.wantError == "" && decision.Reason != "if: evaluated to false":
				t.Errorf("reason %q, want %q", decision.Reason, "if: evaluated to false")
			case tt.wantError != "" && decision.Reason != "if: "+tt.wantError:
				t.Errorf("reason %q, want %q", decision.Reason, "if: "+tt.wantError)
			}
		})
	}
}

func TestConditionCostLimit(t *testing.T) {
	expr := `[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, a + b + c + d + e > 0)))))`
	table := mustCompile(t, config.Route{Name: "r", If: expr, To: []config.Target{to("log", nil)}})

	decision := table.Explain(loadEvent(t, "issue-created-high.json"))[0]
	if decision.Matched {
		t.Fatal("an expression over the cost limit matched")
	}
	if !strings.Contains(decision.Reason, "cost limit exceeded") {
		t.Errorf("reason %q does not name the cost limit", decision.Reason)
	}
}

func TestStop(t *testing.T) {
	logTo := []config.Target{to("log", nil)}
	table := mustCompile(t,
		config.Route{Name: "low-stop", Events: []string{"issue.*"}, Where: []config.Match{where("data.current.priority", "low")}, Stop: true, To: logTo},
		config.Route{Name: "urgent", Events: []string{"issue.*"}, Where: []config.Match{where("data.current.priority", "high", "critical")}, Stop: true, To: logTo},
		config.Route{Name: "all-issues", Events: []string{"issue.*"}, To: logTo},
		config.Route{Name: "milestones", Events: []string{"milestone.*"}, To: logTo},
	)

	if got, want := routeNames(table.Evaluate(loadEvent(t, "issue-created-high.json"))), []string{"urgent"}; !slices.Equal(got, want) {
		t.Errorf("high issue: got %v, want %v", got, want)
	}
	if got, want := routeNames(table.Evaluate(loadEvent(t, "issue-created-low.json"))), []string{"low-stop"}; !slices.Equal(got, want) {
		t.Errorf("low issue: got %v, want %v", got, want)
	}
	if got, want := routeNames(table.Evaluate(loadEvent(t, "milestone-completed.json"))), []string{"milestones"}; !slices.Equal(got, want) {
		t.Errorf("milestone: got %v, want %v", got, want)
	}

	decisions := table.Explain(loadEvent(t, "issue-created-high.json"))
	want := `not evaluated: route "urgent" matched earlier with stop: true`
	for _, d := range decisions[2:] {
		if d.Matched || d.Reason != want {
			t.Errorf("route %s: matched %v, reason %q; want %q", d.Route, d.Matched, d.Reason, want)
		}
	}
}

func TestDerivedEvents(t *testing.T) {
	logTo := []config.Target{to("log", nil)}
	table := mustCompile(t,
		config.Route{Name: "glob", Events: []string{"issue.*"}, To: logTo},
		config.Route{Name: "glob-derived", Events: []string{"issue.*"}, Derived: true, To: logTo},
		config.Route{Name: "exact", Events: []string{"issue.status_changed"}, To: logTo},
		config.Route{Name: "exact-and-glob", Events: []string{"issue.*", "issue.status_changed"}, To: logTo},
		config.Route{Name: "every", To: logTo},
		config.Route{Name: "derived-if", Events: []string{"issue.*"}, Derived: true, If: "derived && parent_event_id != \"\"", To: logTo},
	)

	derived := derivedEvent(t, "issue-updated-status.json", "issue.status_changed")
	want := []string{"glob-derived", "exact", "exact-and-glob", "derived-if"}
	if got := routeNames(table.Evaluate(derived)); !slices.Equal(got, want) {
		t.Errorf("derived event: got %v, want %v", got, want)
	}

	decisions := table.Explain(derived)
	for _, i := range []int{0, 4} {
		if wantReason := "derived event issue.status_changed needs derived: true or its exact name"; decisions[i].Reason != wantReason {
			t.Errorf("route %s: reason %q, want %q", decisions[i].Route, decisions[i].Reason, wantReason)
		}
	}

	received := loadEvent(t, "issue-updated-status.json")
	if got, want := routeNames(table.Evaluate(received)), []string{"glob", "glob-derived", "exact-and-glob", "every"}; !slices.Equal(got, want) {
		t.Errorf("received event: got %v, want %v", got, want)
	}
}

func TestParamTemplates(t *testing.T) {
	table := mustCompile(t,
		config.Route{Name: "by-type", Events: []string{"issue.*"}, To: []config.Target{
			to("slack", map[string]any{"channel": "#{{ .data.current.type }}", "thread": "fixed"}),
			to("hook", map[string]any{"url": "https://hooks.example.com/{{ .context.project_id }}", "headers": map[string]any{"X-Key": "{{ .data.current.issue_key }}", "X-Fixed": "1"}}),
			to("mail", map[string]any{"to": []any{"lead@example.com", "{{ .actor.name }}"}, "subject": "{{ .data.current.title }} & <more>"}),
			to("log", nil),
		}},
	)
	in := loadEvent(t, "issue-created-high.json")
	planned := table.Evaluate(in)
	if len(planned) != 4 {
		t.Fatalf("planned %d deliveries, want 4", len(planned))
	}

	entity := "issue:3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"
	want := []Planned{
		{
			Route: "by-type", Connector: "slack",
			Params:    sdk.Params{"channel": "#bug", "thread": "fixed"},
			Untrusted: []string{"channel"}, Destination: "slack|#bug", EntityKey: entity,
		},
		{
			Route: "by-type", Connector: "hook",
			Params: sdk.Params{
				"url":     "https://hooks.example.com/6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
				"headers": map[string]string{"X-Key": "TURBO-42", "X-Fixed": "1"},
			},
			Untrusted:   []string{"headers", "url"},
			Destination: "hook|https://hooks.example.com",
			OrderingKey: "hook|" + entity, EntityKey: entity,
		},
		{
			Route: "by-type", Connector: "mail",
			Params:    sdk.Params{"to": []string{"lead@example.com", "dev@example.com"}, "subject": "Login fails with 500 after password reset & <more>"},
			Untrusted: []string{"subject", "to", "to[1]"}, Destination: "mail|lead@example.com,dev@example.com", EntityKey: entity,
		},
		{Route: "by-type", Connector: "log", Params: sdk.Params{}, Destination: "log", EntityKey: entity},
	}
	for i := range want {
		if !reflect.DeepEqual(planned[i], want[i]) {
			t.Errorf("target %d:\ngot  %+v\nwant %+v", i, planned[i], want[i])
		}
	}
}

func TestParamListFromString(t *testing.T) {
	table := mustCompile(t, config.Route{Name: "mail", To: []config.Target{to("mail", map[string]any{"to": "lead@example.com"})}})
	planned := table.Evaluate(loadEvent(t, "project-created.json"))
	if got := planned[0].Params["to"]; !reflect.DeepEqual(got, []string{"lead@example.com"}) {
		t.Errorf("to = %#v, want a list of one", got)
	}
	if len(planned[0].Untrusted) != 0 {
		t.Errorf("literal list marked untrusted: %v", planned[0].Untrusted)
	}
}

func TestParamRenderFailure(t *testing.T) {
	table := mustCompile(t, config.Route{Name: "broken", To: []config.Target{
		to("slack", map[string]any{"channel": "#ok", "thread": "{{ truncate 0 .event_id }}"}),
		to("log", nil),
	}})
	planned := table.Evaluate(loadEvent(t, "issue-created-high.json"))
	if len(planned) != 2 {
		t.Fatalf("planned %d deliveries, want 2", len(planned))
	}

	failed := planned[0]
	if failed.Err == nil {
		t.Fatal("a parameter that failed to render gave no error")
	}
	if failed.Params != nil {
		t.Errorf("failed delivery has params %v; want none", failed.Params)
	}
	var renderErr *render.Error
	if !errors.As(failed.Err, &renderErr) || renderErr.Line != 1 {
		t.Errorf("error %v does not carry the template line", failed.Err)
	}
	for _, part := range []string{"thread", `"broken"`, "slack", "truncate"} {
		if !strings.Contains(failed.Err.Error(), part) {
			t.Errorf("error %q does not mention %s", failed.Err, part)
		}
	}
	if failed.Destination != "slack" {
		t.Errorf("destination %q, want the bare connector name", failed.Destination)
	}
	if planned[1].Err != nil {
		t.Errorf("the other target failed too: %v", planned[1].Err)
	}
}

func TestOrderingAndEntityKeys(t *testing.T) {
	table := mustCompile(t, config.Route{Name: "sync", To: []config.Target{to("hook", map[string]any{"url": "https://hooks.example.com"}), to("log", nil)}})
	tests := []struct {
		fixture string
		entity  string
	}{
		{"issue-created-high.json", "issue:3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"},
		{"comment-created.json", "issue:3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"},
		{"milestone-completed.json", "milestone:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			planned := table.Evaluate(loadEvent(t, tt.fixture))
			if planned[0].EntityKey != tt.entity || planned[0].OrderingKey != "hook|"+tt.entity {
				t.Errorf("ordered connector: entity %q, ordering %q; want %q", planned[0].EntityKey, planned[0].OrderingKey, tt.entity)
			}
			if planned[1].EntityKey != tt.entity || planned[1].OrderingKey != "" {
				t.Errorf("unordered connector: entity %q, ordering %q; want %q and none", planned[1].EntityKey, planned[1].OrderingKey, tt.entity)
			}
		})
	}
}

func TestExplainReasons(t *testing.T) {
	logTo := []config.Target{to("log", nil)}
	table := mustCompile(t,
		config.Route{Name: "milestones", Events: []string{"milestone.*"}, To: logTo},
		config.Route{Name: "low", Events: []string{"issue.*"}, Where: []config.Match{where("data.current.priority", "low")}, To: logTo},
		config.Route{Name: "urgent", Events: []string{"issue.*"}, Where: []config.Match{where("data.current.priority", "high", "critical")}, To: []config.Target{to("slack", map[string]any{"channel": "#urgent"})}},
		config.Route{Name: "feature", If: `data.current.type == "feature"`, To: logTo},
		config.Route{Name: "assigned", If: `data.current.assignee.contains("@")`, To: logTo},
		config.Route{Name: "milestone-set", Where: []config.Match{where("context.milestone_id", "m-1", 3)}, To: logTo},
		config.Route{Name: "changed", Where: []config.Match{where("data.changes", "status")}, To: logTo},
	)

	decisions := table.Explain(loadEvent(t, "issue-created-high.json"))
	want := []Decision{
		{Route: "milestones", Reason: "event type issue.created does not match events [milestone.*]"},
		{Route: "low", Reason: `where data.current.priority: "high" is not one of [low]`},
		{Route: "urgent", Matched: true},
		{Route: "feature", Reason: "if: evaluated to false"},
		{Route: "assigned", Reason: "if: no such overload"},
		{Route: "milestone-set", Reason: "where context.milestone_id: (missing) is not one of [m-1 3]"},
		{Route: "changed", Reason: "where data.changes: (missing) is not one of [status]"},
	}
	if len(decisions) != len(want) {
		t.Fatalf("got %d decisions, want %d", len(decisions), len(want))
	}
	for i, w := range want {
		got := decisions[i]
		if got.Route != w.Route || got.Matched != w.Matched || !strings.HasPrefix(got.Reason, w.Reason) || (w.Reason == "" && got.Reason != "") {
			t.Errorf("decision %d: got {%s %v %q}, want {%s %v %q}", i, got.Route, got.Matched, got.Reason, w.Route, w.Matched, w.Reason)
		}
	}
	if targets := decisions[2].Targets; len(targets) != 1 || targets[0].Destination != "slack|#urgent" {
		t.Errorf("matched decision targets %+v, want the #urgent delivery", targets)
	}
}

func TestExplainAgreesWithEvaluate(t *testing.T) {
	table := mustCompile(t, benchmarkRoutes(60)...)
	fixtures := []string{"issue-created-high.json", "issue-created-low.json", "issue-updated-status.json", "issue-closed.json", "comment-created.json", "milestone-completed.json", "project-created.json"}
	for _, fixture := range fixtures {
		t.Run(fixture, func(t *testing.T) {
			var explained []string
			for _, d := range table.Explain(loadEvent(t, fixture)) {
				if d.Matched {
					explained = append(explained, d.Route)
				}
			}
			evaluated := slices.Compact(routeNames(table.Evaluate(loadEvent(t, fixture))))
			if !slices.Equal(explained, evaluated) {
				t.Errorf("Explain matched %v, Evaluate planned %v", explained, evaluated)
			}
		})
	}
}

func TestRenderMessage(t *testing.T) {
	table := mustCompile(t,
		config.Route{Name: "slack", Template: "*{{ .data.current.title }}* {{ .data.current.description }}", To: []config.Target{to("slack", map[string]any{"channel": "#a"})}},
		config.Route{Name: "digest", Template: "{{ len .events }}:{{ range .events }} {{ .event_type }}{{ end }} first={{ .event_id }}", To: []config.Target{to("log", nil)}},
		config.Route{Name: "plain", To: []config.Target{to("log", nil)}},
	)
	high := loadEvent(t, "issue-created-high.json")

	text, ok, err := table.RenderMessage("slack", []*event.Incoming{high})
	if err != nil || !ok {
		t.Fatalf("slack: ok %v, err %v", ok, err)
	}
	want := "*Login fails with 500 after password reset* Steps: reset password, log in with the new one.\nExpected: dashboard. Actual: HTTP 500 &lt;stack trace omitted&gt; &amp; a blank page."
	if text != want {
		t.Errorf("slack:\ngot  %q\nwant %q", text, want)
	}

	text, ok, err = table.RenderMessage("digest", []*event.Incoming{high, loadEvent(t, "milestone-completed.json")})
	if err != nil || !ok {
		t.Fatalf("digest: ok %v, err %v", ok, err)
	}
	if want := "2: issue.created milestone.completed first=5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b"; text != want {
		t.Errorf("digest: got %q, want %q", text, want)
	}

	if text, ok, err := table.RenderMessage("plain", []*event.Incoming{high}); ok || err != nil || text != "" {
		t.Errorf("route without template: got %q, %v, %v; want no message", text, ok, err)
	}
	if _, _, err := table.RenderMessage("removed", []*event.Incoming{high}); err == nil || !strings.Contains(err.Error(), `"removed"`) {
		t.Errorf("unknown route: got %v, want an error naming it", err)
	}
	if _, _, err := table.RenderMessage("slack", nil); err == nil {
		t.Error("no events: got no error")
	}
}

func TestRoutes(t *testing.T) {
	table := mustCompile(t, urgentRoute(), config.Route{Name: "all", To: []config.Target{to("log", nil), to("mail", map[string]any{"to": "a@example.com"})}})
	want := []RouteInfo{
		{Name: "urgent", Events: []string{"issue.*"}, Targets: []string{"slack"}},
		{Name: "all", Targets: []string{"log", "mail"}},
	}
	if got := table.Routes(); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestCandidateCacheBound(t *testing.T) {
	table := mustCompile(t, config.Route{Name: "every", To: []config.Target{to("log", nil)}})
	in := loadEvent(t, "issue-created-high.json")

	for i := range maxCachedTypes + 100 {
		in.Envelope.EventType = fmt.Sprintf("custom.type_%d", i)
		if got := len(table.Evaluate(in)); got != 1 {
			t.Fatalf("event type %d: planned %d deliveries, want 1", i, got)
		}
	}
	if got := table.index.cachedTypes(); got != maxCachedTypes {
		t.Errorf("cache holds %d types, want %d", got, maxCachedTypes)
	}
}

func TestCandidatesOnlyForType(t *testing.T) {
	table := mustCompile(t, benchmarkRoutes(1000)...)
	candidates := table.index.candidates("issue.created")
	if len(candidates) != issueRoutes-1 {
		t.Errorf("issue.created has %d candidate routes of 1000; want the %d routes whose events match it", len(candidates), issueRoutes-1)
	}
	for _, c := range candidates {
		if matched, _ := c.route.matchType("issue.created"); !matched {
			t.Errorf("candidate %s does not match issue.created", c.route.name)
		}
	}
}

func TestEvaluateConcurrently(t *testing.T) {
	table := mustCompile(t, benchmarkRoutes(100)...)
	fixtures := []string{"issue-created-high.json", "issue-updated-status.json", "comment-created.json", "milestone-completed.json"}

	want := make([][]string, len(fixtures))
	for i, fixture := range fixtures {
		want[i] = routeNames(table.Evaluate(loadEvent(t, fixture)))
	}

	var wg sync.WaitGroup
	failures := make(chan string, 8*len(fixtures))
	for range 8 {
		wg.Go(func() {
			for i, fixture := range fixtures {
				in := loadEvent(t, fixture)
				if got := routeNames(table.Evaluate(in)); !slices.Equal(got, want[i]) {
					failures <- fmt.Sprintf("%s: got %v, want %v", fixture, got, want[i])
				}
			}
		})
	}
	wg.Wait()
	close(failures)
	for failure := range failures {
		t.Error(failure)
	}
}

func TestEvaluateWithErrors(t *testing.T) {
	logTo := []config.Target{to("log", nil)}
	table := mustCompile(t,
		config.Route{Name: "missing-key", If: `data.current.nope == "x"`, To: logTo},
		config.Route{Name: "false", If: `data.current.priority == "low"`, To: logTo},
		config.Route{Name: "where", Where: []config.Match{where("data.current.priority", "low")}, To: logTo},
		config.Route{Name: "ok", If: `data.current.priority == "high"`, To: logTo},
	)
	in := loadEvent(t, "issue-created-high.json")

	planned, errs := table.EvaluateWithErrors(in)
	if got, want := routeNames(planned), []string{"ok"}; !slices.Equal(got, want) {
		t.Errorf("planned %v, want %v", got, want)
	}
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1: %v", len(errs), errs)
	}
	if want := `route "missing-key": if: no such key: nope`; errs[0].Error() != want {
		t.Errorf("error %q, want %q", errs[0], want)
	}
	if got := routeNames(table.Evaluate(in)); !slices.Equal(got, routeNames(planned)) {
		t.Errorf("Evaluate planned %v, EvaluateWithErrors %v", got, routeNames(planned))
	}
}

func TestInvalidBody(t *testing.T) {
	logTo := []config.Target{to("log", nil)}
	table := mustCompile(t,
		config.Route{Name: "where", Where: []config.Match{where("data.current.priority", "high")}, To: logTo},
		config.Route{Name: "param", To: []config.Target{to("slack", map[string]any{"channel": "#{{ .event_type }}"})}},
	)
	in := loadEvent(t, "issue-created-high.json")
	in.Body = []byte("{not json")

	planned, errs := table.EvaluateWithErrors(in)
	if len(errs) != 1 || errs[0].Route != "where" {
		t.Errorf("errors %v, want one for route where", errs)
	}
	if len(planned) != 1 || planned[0].Err == nil || planned[0].Params != nil {
		t.Fatalf("planned %+v, want one delivery that failed to render", planned)
	}
	if !strings.Contains(planned[0].Err.Error(), in.Envelope.EventID) {
		t.Errorf("error %q does not name the event", planned[0].Err)
	}
}

// TestReferencedDestinationShownByFingerprint checks that a destination value
// written with a ${...} reference never appears in the destination key, which
// is stored, logged and shown with open circuits, while two values still make
// two destinations.
func TestReferencedDestinationShownByFingerprint(t *testing.T) {
	keys := map[string]bool{}
	for _, channel := range []string{"secret-channel-token-42", "another-secret-channel"} {
		r := urgentRoute()
		r.To[0].Params["channel"] = channel
		r.To[0].Referenced = map[string]bool{"channel": true}
		planned := mustCompile(t, r).Evaluate(loadEvent(t, "issue-created-high.json"))
		if len(planned) != 1 {
			t.Fatalf("planned %d deliveries, want 1", len(planned))
		}
		key := planned[0].Destination
		if strings.Contains(key, channel) || !strings.HasPrefix(key, "slack|<secret:") {
			t.Errorf("destination key %q, want slack|<secret:...> without the channel", key)
		}
		keys[key] = true
	}
	if len(keys) != 2 {
		t.Errorf("destination keys %v, want one per channel", keys)
	}
}
