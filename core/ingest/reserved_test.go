package ingest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk/signature"
)

func TestReservedEventTypesRejected(t *testing.T) {
	single := []byte(`{"event_id":"e-1","event_type":"switchboard.delivery_dead","timestamp":"2026-12-01T08:00:00Z","entity_id":"d-1"}`)
	batch := []byte(`[{"event_id":"e-1","event_type":"issue.created","timestamp":"2026-12-01T08:00:00Z","entity_id":"i-1"},
		{"event_id":"e-2","event_type":"system.daily_digest","timestamp":"2026-12-01T08:00:00Z"}]`)
	cloud := []byte(`{"specversion":"1.0","id":"ce-1","source":"/turbo","type":"switchboard.circuit_opened","data":{}}`)
	overdue := []byte(`{"event_id":"e-3","event_type":"issue.overdue","timestamp":"2026-12-01T08:00:00Z","entity_id":"i-1"}`)

	tests := []struct {
		name  string
		req   *http.Request
		field string
		value string
	}{
		{"envelope", envelopeRequest(single), "event_type", "switchboard.delivery_dead"},
		{"envelope batch", envelopeRequest(batch), "events[1].event_type", "system.daily_digest"},
		{"scheduler's due-date type", envelopeRequest(overdue), "event_type", "issue.overdue"},
		{"CloudEvent", signTurbo(request("/v1/events", "application/cloudevents+json", cloud), cloud), "type", "switchboard.circuit_opened"},
		{"Turbo native", func() *http.Request {
			body := []byte(`{}`)
			req := request("/v1/turbo/webhook", "application/json", body)
			req.Header.Set(signature.HeaderTurboEvent, "system.weekly_report")
			req.Header.Set(signature.HeaderTurboDeliveryID, "d-1")
			return signTurbo(req, body)
		}(), signature.HeaderTurboEvent, "system.weekly_report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			a := ts.do(t, tt.req)
			if a.status != http.StatusBadRequest || a.body.Field != tt.field {
				t.Fatalf("response = %d field %q, want 400 at %s: %s", a.status, a.body.Field, tt.field, a.raw)
			}
			if !strings.Contains(a.body.Error, `"`+tt.value+`"`) || !strings.Contains(a.body.Error, "reserved") {
				t.Errorf("error = %q, want it to name %q as reserved", a.body.Error, tt.value)
			}
			if n := ts.acceptor.callCount(); n != 0 {
				t.Errorf("the acceptor was called %d times, want none: nothing is stored for a rejected request", n)
			}
		})
	}
}
