package route

import (
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/render"
)

func TestPlanWithoutOptionsHasNoFlow(t *testing.T) {
	table := mustCompile(t, config.Route{Name: "plain", To: []config.Target{to("log", nil)}})

	planned := table.Evaluate(loadEvent(t, "issue-created-high.json"))

	if len(planned) != 1 {
		t.Fatalf("planned %d deliveries, want 1", len(planned))
	}
	if planned[0].Flow != nil {
		t.Errorf("Flow = %+v, want nil for a route without options", planned[0].Flow)
	}
}

func TestPlanRendersThrottleKey(t *testing.T) {
	throttle := &config.Throttle{Key: "{{ .entity_type }}:{{ .data.current.issue_key }}", Per: 10 * time.Minute}
	quiet := &config.Quiet{From: 22 * time.Hour, To: 7 * time.Hour, TZ: "UTC", Location: time.UTC}
	table := mustCompile(t, config.Route{Name: "throttled", Throttle: throttle, Quiet: quiet,
		To: []config.Target{to("log", nil), to("slack", map[string]any{"channel": "#a"})}})

	planned := table.Evaluate(loadEvent(t, "issue-created-high.json"))

	if len(planned) != 2 {
		t.Fatalf("planned %d deliveries, want 2", len(planned))
	}
	for _, p := range planned {
		if p.Flow == nil {
			t.Fatalf("%s: Flow is nil", p.Connector)
		}
		if p.Flow.ThrottleKey != "issue:TURBO-42" {
			t.Errorf("%s: ThrottleKey = %q, want issue:TURBO-42", p.Connector, p.Flow.ThrottleKey)
		}
		if p.Flow.Throttle != throttle || p.Flow.Quiet != quiet || p.Flow.Digest != nil {
			t.Errorf("%s: Flow = %+v, want the route's throttle and quiet options", p.Connector, p.Flow)
		}
		if len(p.Flow.RouteHash) != 16 {
			t.Errorf("%s: RouteHash = %q, want 16 hex digits", p.Connector, p.Flow.RouteHash)
		}
	}
	if table.Quiet("throttled") != quiet {
		t.Errorf("Quiet(throttled) = %+v, want the route's quiet hours", table.Quiet("throttled"))
	}
	if table.Quiet("removed") != nil {
		t.Error("Quiet(removed) is not nil")
	}
}

func TestPlanThrottleKeyFailure(t *testing.T) {
	table := mustCompile(t, config.Route{Name: "throttled", Throttle: &config.Throttle{Key: "{{ index .data.current.title 999 }}", Per: time.Minute},
		To: []config.Target{to("log", nil)}})

	planned := table.Evaluate(loadEvent(t, "issue-created-high.json"))

	if len(planned) != 1 || planned[0].Err == nil {
		t.Fatalf("planned %+v, want one delivery with an error", planned)
	}
	if !strings.Contains(planned[0].Err.Error(), "throttle key") {
		t.Errorf("Err = %v, want it to name the throttle key", planned[0].Err)
	}
}

func TestThrottleKeyTemplateError(t *testing.T) {
	cfg := testConfig(config.Route{Name: "throttled", Throttle: &config.Throttle{Key: "{{ .entity_id ", Per: time.Minute},
		To: []config.Target{to("log", nil)}})
	cfg.Routes[0].FieldAt["throttle.key"] = config.Position{Line: 104, Column: 20, Path: "routes[0].throttle.key"}

	_, errs := Compile(cfg, lookupInfo, render.New(render.Options{}))

	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1: %v", len(errs), errs)
	}
	if errs[0].At.Line != 104 || errs[0].At.Path != "routes[0].throttle.key" {
		t.Errorf("error at %+v, want line 104 at routes[0].throttle.key", errs[0].At)
	}
}

func TestRouteHashFollowsConfig(t *testing.T) {
	digest := func(window time.Duration) *config.Digest { return &config.Digest{Window: window, MaxItems: 50} }
	hashOf := func(r config.Route) string {
		t.Helper()
		table := mustCompile(t, r)
		planned := table.Evaluate(loadEvent(t, "issue-created-high.json"))
		if len(planned) != 1 || planned[0].Flow == nil {
			t.Fatalf("planned %+v, want one delivery with a Flow", planned)
		}
		return planned[0].Flow.RouteHash
	}
	base := config.Route{Name: "hourly", Digest: digest(time.Hour), To: []config.Target{to("slack", map[string]any{"channel": "#a"})}}
	same := base
	same.At = config.Position{Line: 7}

	tests := []struct {
		name   string
		change func(r *config.Route)
	}{
		{"window", func(r *config.Route) { r.Digest = digest(2 * time.Hour) }},
		{"target", func(r *config.Route) { r.To = []config.Target{to("slack", map[string]any{"channel": "#b"})} }},
		{"where", func(r *config.Route) { r.Where = []config.Match{where("data.current.priority", "high")} }},
		{"template", func(r *config.Route) { r.Template = "{{ .event_type }}" }},
	}

	want := hashOf(base)
	if got := hashOf(same); got != want {
		t.Errorf("an unchanged route hashes to %s, then %s", want, got)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed := base
			tt.change(&changed)
			if hashOf(changed) == want {
				t.Errorf("changing %s keeps hash %s", tt.name, want)
			}
		})
	}
}

func TestRenderMessageWithCounts(t *testing.T) {
	table := mustCompile(t, config.Route{Name: "digest", To: []config.Target{to("log", nil)},
		Template: "{{ len .events }} of {{ .total_events }}{{ with .suppressed }}, {{ . }} suppressed{{ end }}"},
		config.Route{Name: "one", To: []config.Target{to("log", nil)},
			Template: "{{ .event_type }}{{ with .suppressed }} ({{ . }} suppressed){{ end }}"})
	high, low := loadEvent(t, "issue-created-high.json"), loadEvent(t, "issue-created-low.json")

	tests := []struct {
		name   string
		route  string
		events []*event.Incoming
		counts MessageCounts
		want   string
	}{
		{"digest of two", "digest", []*event.Incoming{high, low}, MessageCounts{TotalEvents: 7}, "2 of 7"},
		{"throttled event", "one", []*event.Incoming{high}, MessageCounts{Suppressed: 3}, "issue.created (3 suppressed)"},
		{"plain event", "one", []*event.Incoming{high}, MessageCounts{}, "issue.created"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, ok, err := table.RenderMessageWith(tt.route, tt.events, tt.counts)
			if err != nil || !ok {
				t.Fatalf("ok %t, err %v", ok, err)
			}
			if text != tt.want {
				t.Errorf("got %q, want %q", text, tt.want)
			}
		})
	}
}
