package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// duplicateFixture is the one fixture the sequence answers as a duplicate:
// Turbo's own issue.assigned, whose change Switchboard derived already from the
// issue.updated before it.
const duplicateFixture = "native/issue-assigned.json"

// sendSequence posts the fixtures and returns the ids of those accepted as new,
// in order; it fails the test when an answer is not the one expected.
func sendSequence(t *testing.T, in *instance, fixtures []fixture) []string {
	t.Helper()
	var accepted []string
	for _, f := range fixtures {
		status, answer := in.post(f.path, f.headers, f.body)
		duplicate := strings.Contains(mustJSON(answer), `"duplicate":true`)
		if f.name == duplicateFixture {
			if status != http.StatusOK || !duplicate {
				t.Fatalf("%s: status %d, answer %v; want 200 with duplicate true", f.name, status, answer)
			}
			continue
		}
		if status != http.StatusAccepted {
			t.Fatalf("%s: status %d, answer %v", f.name, status, answer)
		}
		accepted = append(accepted, f.eventID)
	}
	return accepted
}

// derivedGolden reads testdata/derived.golden: "<event id> <event type>" per
// line, the events the fixture sequence derives.
func derivedGolden(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("testdata/derived.golden")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(raw)), "\n")
}

// checkDerived compares the derived events received with the golden list: each
// once, with derived true and its parent. Deliveries to one receiver run
// concurrently, so both lists are compared sorted.
func checkDerived(t *testing.T, got []received, golden []string) {
	t.Helper()
	var lines []string
	for _, r := range got {
		var env struct {
			EventID  string `json:"event_id"`
			Type     string `json:"event_type"`
			Derived  bool   `json:"derived"`
			ParentID string `json:"parent_event_id"`
		}
		if err := json.Unmarshal(r.body, &env); err != nil {
			t.Fatalf("derived delivery is not an envelope: %v", err)
		}
		if !env.Derived || env.ParentID == "" {
			t.Errorf("derived event %s: derived %t, parent %q; want true and its parent", env.EventID, env.Derived, env.ParentID)
		}
		lines = append(lines, env.EventID+" "+env.Type)
	}
	slices.Sort(lines)
	want := slices.Sorted(slices.Values(golden))
	if !slices.Equal(lines, want) {
		t.Errorf("derived events received:\n  %s\nwant (testdata/derived.golden):\n  %s",
			strings.Join(lines, "\n  "), strings.Join(want, "\n  "))
	}
}

// withoutPrevious returns the fixtures with data.previous removed from every
// envelope and re-signed, so each change must be found against the stored state.
func withoutPrevious(t *testing.T, fixtures []fixture) []fixture {
	t.Helper()
	out := make([]fixture, len(fixtures))
	for i, f := range fixtures {
		out[i] = f
		if f.path != "/v1/events" {
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal(f.body, &doc); err != nil {
			t.Fatal(err)
		}
		if data, ok := doc["data"].(map[string]any); ok {
			delete(data, "previous")
		}
		var body bytes.Buffer
		if err := json.NewEncoder(&body).Encode(doc); err != nil {
			t.Fatal(err)
		}
		out[i].body = body.Bytes()
		out[i].headers = standardHeaders(t, out[i].body)
	}
	return out
}

// TestDerivedEventsWithoutPrevious sends the sequence with every previous
// removed, then the original sequence, then the stripped one again: the routes
// see the golden derived events once each, whichever copy arrives first.
func TestDerivedEventsWithoutPrevious(t *testing.T) {
	recv := newReceiver(t)
	in := newInstance(t, fixtureConfig, recv.server.URL)
	in.start()

	stripped := withoutPrevious(t, loadSequence(t))
	sendSequence(t, in, stripped)
	golden := derivedGolden(t)
	waitFor(t, "the derived events", 20*time.Second, func() bool { return len(recv.requests("/derived")) >= len(golden) })

	for _, round := range [][]fixture{loadSequence(t), stripped} {
		for _, f := range round {
			status, answer := in.post(f.path, f.headers, f.body)
			if f.path == "/v1/events" && status != http.StatusOK && status != http.StatusConflict {
				t.Errorf("resend of %s: status %d, answer %v", f.name, status, answer)
			}
		}
	}
	time.Sleep(300 * time.Millisecond) // a second derived delivery would arrive by now
	checkDerived(t, recv.requests("/derived"), golden)
}
