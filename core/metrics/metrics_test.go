package metrics

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
)

var now = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

type fakeSource struct{ stats *store.Stats }

func (f *fakeSource) Backlog() int64                              { return 7 }
func (f *fakeSource) Stats(context.Context) (*store.Stats, error) { return f.stats, nil }
func (f *fakeSource) OpenCircuits() int                           { return 2 }
func (f *fakeSource) PausedConnectors() []string                  { return []string{"mail"} }

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

func TestMetricsLabelsAreBounded(t *testing.T) {
	m := New(&fakeSource{stats: &store.Stats{}}, clock.NewFake(now))
	m.SetRouteTypes([]string{"custom.thing", "issue.*"})
	m.Received("issue.created", "envelope")
	m.Received("made.up.by_sender", "envelope")
	m.Received("another.invented", "envelope")
	m.Received("custom.thing", "cloudevents")

	out := scrape(t, m)
	for _, want := range []string{
		`switchboard_events_received_total{event_type="issue.created",source="envelope"} 1`,
		`switchboard_events_received_total{event_type="other",source="envelope"} 2`,
		`switchboard_events_received_total{event_type="custom.thing",source="cloudevents"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if strings.Contains(out, "made.up") {
		t.Errorf("an unknown event type became a label value")
	}
}

func TestMetricsStoreFigures(t *testing.T) {
	m := New(&fakeSource{stats: &store.Stats{Dead: 3, OldestPending: now.Add(-90 * time.Second)}}, clock.NewFake(now))
	m.Attempted("hook", "urgent", sdk.OutcomeRetry, 20*time.Millisecond)
	m.Reloaded(false)

	out := scrape(t, m)
	for _, want := range []string{
		"switchboard_queue_depth 7",
		"switchboard_oldest_pending_age_seconds 90",
		"switchboard_dead_deliveries 3",
		"switchboard_open_circuits 2",
		`switchboard_connector_paused{connector="mail"} 1`,
		`switchboard_delivery_attempts_total{connector="hook",outcome="retry",route="urgent"} 1`,
		`switchboard_attempt_duration_seconds_count{connector="hook"} 1`,
		`switchboard_config_reloads_total{result="rejected"} 1`,
		"switchboard_config_last_reload_successful 0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}

func TestCountRejectionsByReason(t *testing.T) {
	m := New(&fakeSource{stats: &store.Stats{}}, clock.NewFake(now))
	endpoints := map[string]bool{"/bad": true, "/big": true, "/ok": true}
	h := m.CountRejections(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bad":
			w.WriteHeader(http.StatusUnauthorized)
		case "/big":
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		case "/ok":
			w.WriteHeader(http.StatusAccepted)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}), func(path string) bool { return endpoints[path] })
	for _, path := range []string{"/bad", "/bad", "/big", "/ok", "/favicon.ico", "/metrics", "/foo"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, path, nil))
	}
	out := scrape(t, m)
	if strings.Contains(out, `switchboard_events_rejected_total{reason="not_found"}`) {
		t.Errorf("requests for paths that take no events count as rejected events:\n%s", out)
	}
	for _, want := range []string{`switchboard_events_rejected_total{reason="unauthorized"} 2`,
		`switchboard_events_rejected_total{reason="too_large"} 1`, `switchboard_ingest_unknown_path_requests_total 3`} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}

func TestSkipsCountedByKind(t *testing.T) {
	m := New(&fakeSource{stats: &store.Stats{}}, clock.NewFake(now))
	m.Skipped("turbo", "triage", sdk.SkipEcho)
	m.Skipped("turbo", "triage", sdk.SkipEcho)
	m.Skipped("turbo", "triage", sdk.SkipLoopLimit)
	m.Skipped("turbo", "triage", sdk.SkipCondition)
	m.Skipped("plugin", "triage", sdk.SkipKind("invented by a plugin"))
	m.Skipped("github", "sync", "")

	out := scrape(t, m)
	for _, want := range []string{
		`switchboard_delivery_skips_total{connector="turbo",kind="echo",route="triage"} 2`,
		`switchboard_delivery_skips_total{connector="turbo",kind="loop_limit",route="triage"} 1`,
		`switchboard_delivery_skips_total{connector="turbo",kind="condition",route="triage"} 1`,
		`switchboard_delivery_skips_total{connector="plugin",kind="other",route="triage"} 1`,
		`switchboard_delivery_skips_total{connector="github",kind="other",route="sync"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if strings.Contains(out, "invented") {
		t.Error("a kind outside the SDK's list became a label value")
	}
}
