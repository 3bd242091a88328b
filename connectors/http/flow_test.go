package http

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// received is one request a test receiver got.
type received struct {
	header http.Header
	body   []byte
}

func receiver(t *testing.T) (string, <-chan received) {
	t.Helper()
	got := make(chan received, 1)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- received{header: r.Header.Clone(), body: body}
	}))
	t.Cleanup(server.Close)
	return server.URL, got
}

func TestDigestIsArrayWithTotal(t *testing.T) {
	url, got := receiver(t)
	in, _ := configure(t, map[string]any{"url": url}, true)
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.TotalEvents = 7

	if result := deliver(t, in, req); result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v (%s), want delivered", result.Outcome, result.Reason)
	}

	r := <-got
	var events []json.RawMessage
	if err := json.Unmarshal(r.body, &events); err != nil || len(events) != 1 {
		t.Errorf("body is %d events (%v), want an array of the one listed event: %s", len(events), err, r.body)
	}
	if total := r.header.Get("Switchboard-Events-Total"); total != "7" {
		t.Errorf("Switchboard-Events-Total = %q, want 7", total)
	}
	if r.header.Get("Switchboard-Suppressed") != "" {
		t.Errorf("Switchboard-Suppressed is set with nothing suppressed")
	}
}

func TestSuppressedHeader(t *testing.T) {
	url, got := receiver(t)
	in, _ := configure(t, map[string]any{"url": url}, true)
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Suppressed = 3

	deliver(t, in, req)

	r := <-got
	if suppressed := r.header.Get("Switchboard-Suppressed"); suppressed != "3" {
		t.Errorf("Switchboard-Suppressed = %q, want 3", suppressed)
	}
	if r.header.Get("Switchboard-Events-Total") != "" {
		t.Errorf("Switchboard-Events-Total is set on a delivery that is no digest")
	}
	if strings.HasPrefix(string(r.body), "[") {
		t.Errorf("a single event was sent as an array")
	}
}

func TestFlowHeadersReserved(t *testing.T) {
	for _, name := range []string{"Switchboard-Events-Total", "switchboard-suppressed"} {
		if err := checkHeader(name, "1"); err == nil || !strings.Contains(err.Error(), "connector sets it") {
			t.Errorf("checkHeader(%s) = %v, want it reserved", name, err)
		}
	}
}

func TestPreviewShowsFlowHeaders(t *testing.T) {
	in, _ := configure(t, map[string]any{"url": "https://hooks.example.com/turbo"}, false)
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile), connectortest.LoadEvent(t, commentFile))
	req.TotalEvents, req.Suppressed = 9, 0

	preview, err := in.(sdk.Previewer).Preview(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}

	if !strings.Contains(preview, "\nSwitchboard-Events-Total: 9\n") {
		t.Errorf("preview lacks the total:\n%s", preview)
	}
}
