package admin_test

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// derivedConfig adds a route for a derived event to the fake's config.
const derivedConfig = admintest.Config + `
  - name: derived-status
    events: ["issue.status_changed"]
    template: "status {{ .data.previous.status }} -> {{ .data.current.status }}"
    to: [{connector: spare, mode: ok, channel: "#status"}]
`

// dryRunEvent is one event of a dry run's answer, with its derived events.
type dryRunEvent struct {
	EventID       string        `json:"event_id"`
	EventType     string        `json:"event_type"`
	ParentEventID string        `json:"parent_event_id"`
	DerivedFrom   string        `json:"derived_from"`
	Derived       []dryRunEvent `json:"derived"`
	Routes        []struct {
		Route   string           `json:"route"`
		Matched bool             `json:"matched"`
		Targets []map[string]any `json:"targets"`
	} `json:"routes"`
}

func TestDryRunShowsDerivedEvents(t *testing.T) {
	inst := admintest.Start(t, derivedConfig)
	update, err := os.ReadFile("../../testdata/turbo/envelope/issue-updated-status.json")
	if err != nil {
		t.Fatal(err)
	}

	resp := inst.API(t, "POST", "/api/v1/dry-run", string(update))
	if resp.Status != http.StatusOK {
		t.Fatalf("dry run = %d: %s", resp.Status, resp.Body)
	}
	var res struct{ Events []dryRunEvent }
	resp.Decode(t, &res)
	if len(res.Events) != 1 {
		t.Fatalf("dry run events = %d, want the one sent", len(res.Events))
	}
	parent := res.Events[0]
	if parent.DerivedFrom != "data.previous (the store has no state of issue:3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b)" {
		t.Errorf("derived_from = %q", parent.DerivedFrom)
	}
	status := derivedOfType(parent.Derived, "issue.status_changed")
	if status == nil {
		t.Fatalf("derived events = %+v, want issue.status_changed among them", parent.Derived)
	}
	if status.ParentEventID != parent.EventID {
		t.Errorf("parent_event_id = %q, want %q", status.ParentEventID, parent.EventID)
	}
	route := status.Routes[3]
	if route.Route != "derived-status" || !route.Matched || len(route.Targets) != 1 {
		t.Fatalf("route decision for the derived event = %+v, want derived-status matched", route)
	}
	if got := route.Targets[0]["message"]; got != "status open -> in_progress" {
		t.Errorf("derived event's message = %q", got)
	}
	if derivedOfType(parent.Derived, "issue.priority_changed") == nil || derivedOfType(parent.Derived, "issue.assigned") == nil {
		t.Errorf("derived events = %+v, want the priority and assignee changes too", parent.Derived)
	}

	t.Run("against the stored state", func(t *testing.T) {
		inst.Emit(t, "stored-1", "issue.created", "i-stored", map[string]any{"title": "t", "status": "open"})
		update := `{"event_id":"stored-2","event_type":"issue.updated","timestamp":"2026-12-01T17:00:00Z",` +
			`"entity_type":"issue","entity_id":"i-stored","action":"updated","data":{"current":{"title":"t","status":"review"}}}`
		var res struct{ Events []dryRunEvent }
		inst.API(t, "POST", "/api/v1/dry-run", update).Decode(t, &res)
		if got := res.Events[0].DerivedFrom; got != "the stored state of issue:i-stored" {
			t.Errorf("derived_from = %q, want the stored state", got)
		}
		if derivedOfType(res.Events[0].Derived, "issue.status_changed") == nil {
			t.Errorf("derived events = %+v, want issue.status_changed from the stored status", res.Events[0].Derived)
		}
	})

	t.Run("data.current not an object", func(t *testing.T) {
		closed := `{"event_id":"not-object-1","event_type":"issue.closed","timestamp":"2026-12-01T17:00:00Z",` +
			`"entity_type":"issue","entity_id":"i-text","action":"closed","data":{"current":"closed"}}`
		var res struct {
			Events []struct {
				DeriveNotes []string `json:"derive_notes"`
			}
		}
		inst.API(t, "POST", "/api/v1/dry-run", closed).Decode(t, &res)
		if len(res.Events) != 1 || len(res.Events[0].DeriveNotes) == 0 ||
			!strings.Contains(res.Events[0].DeriveNotes[0], "data.current is a string, not an object") {
			t.Errorf("dry run = %+v, want a note that data.current is a string", res.Events)
		}
	})

	t.Run("web UI tester", func(t *testing.T) {
		b := newBrowser(t, inst)
		b.login(admintest.Token)
		_, page := b.get("/ui/tester")
		status, body, _ := b.post("/ui/tester", url.Values{"csrf": {hidden(t, page, "csrf")}, "event": {string(update)}})
		if status != http.StatusOK {
			t.Fatalf("rule tester = %d", status)
		}
		for _, want := range []string{"issue.status_changed", "status open -&gt; in_progress", "Derived events, compared with data.previous"} {
			if !strings.Contains(body, want) {
				t.Errorf("rule tester page lacks %q:\n%s", want, body)
			}
		}
	})
}

func derivedOfType(events []dryRunEvent, eventType string) *dryRunEvent {
	for i := range events {
		if events[i].EventType == eventType {
			return &events[i]
		}
	}
	return nil
}
