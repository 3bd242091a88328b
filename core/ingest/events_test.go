package ingest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/store"
)

func TestNativeConflictNamesDeliveryID(t *testing.T) {
	f := nativeFixtures(t)[0]
	delivery := f.headers["X-Webhook-Delivery-Id"]
	ts := newTestServer(t, nil)
	ts.acceptor.err = &store.ConflictError{EventID: delivery}

	a := ts.do(t, f.request())
	if a.status != http.StatusConflict || a.body.Code != codeConflict {
		t.Fatalf("response = %d %s, want 409 conflict: %s", a.status, a.body.Code, a.raw)
	}
	if a.body.Field != "X-Webhook-Delivery-Id" {
		t.Errorf("field = %q, want X-Webhook-Delivery-Id", a.body.Field)
	}
	want := "a delivery with X-Webhook-Delivery-Id " + quote(delivery) + " was already accepted with a different body"
	if !strings.Contains(a.body.Error, want) {
		t.Errorf("error = %q, want it to contain %q", a.body.Error, want)
	}
	if strings.Contains(a.body.Error, "event_id") {
		t.Errorf("error = %q names event_id, which Turbo does not send", a.body.Error)
	}
}

func TestNativeBodyOnEventsEndpointHint(t *testing.T) {
	const hint = "this looks like a Turbo native delivery; post it to /v1/turbo/webhook"
	f := nativeFixtures(t)[0]
	toEvents := func(header bool) *http.Request {
		req := signTurbo(request("/v1/events", "application/json", f.body), f.body)
		if header {
			req.Header.Set("X-Webhook-Event", f.headers["X-Webhook-Event"])
		}
		return req
	}
	envelope := envelopeFixtures(t)["issue-created-high.json"]
	withoutID := bytes.Replace(envelope, []byte(`"event_id"`), []byte(`"id"`), 1)

	tests := []struct {
		name     string
		req      *http.Request
		wantHint bool
	}{
		{"native body with X-Webhook-Event", toEvents(true), true},
		{"native body without the header", toEvents(false), false},
		{"envelope with event_type and the header", func() *http.Request {
			req := signTurbo(request("/v1/events", "application/json", withoutID), withoutID)
			req.Header.Set("X-Webhook-Event", "issue.created")
			return req
		}(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			a := ts.do(t, tt.req)
			if a.status != http.StatusBadRequest || a.body.Code != codeInvalidEvent {
				t.Fatalf("response = %d %s, want 400 invalid_event: %s", a.status, a.body.Code, a.raw)
			}
			if got := strings.Contains(a.body.Error, hint); got != tt.wantHint {
				t.Errorf("hint shown = %v, want %v: %q", got, tt.wantHint, a.body.Error)
			}
			if a.body.Field == "" {
				t.Errorf("field is empty, want the missing field: %s", a.raw)
			}
		})
	}
}

func TestCloudEventWrappingAnotherType(t *testing.T) {
	body := []byte(`{"specversion":"1.0","id":"ce-1","source":"/turbo","type":"issue.created","subject":"i-1",
		"data":{"event_type":"issue.updated","entity_id":"i-2","timestamp":"2026-12-01T16:03:10Z"}}`)
	ts := newTestServer(t, nil)
	a := ts.do(t, signTurbo(request("/v1/events", "application/cloudevents+json", body), body))
	if a.status != http.StatusBadRequest || a.body.Field != "data.event_type" {
		t.Fatalf("response = %d field %q, want 400 at data.event_type: %s", a.status, a.body.Field, a.raw)
	}
	for _, value := range []string{`"issue.updated"`, `"issue.created"`} {
		if !strings.Contains(a.body.Error, value) {
			t.Errorf("error = %q, want it to name %s", a.body.Error, value)
		}
	}
	if ts.acceptor.callCount() != 0 {
		t.Errorf("the acceptor was called")
	}
}

func TestDerivedFieldsRejected(t *testing.T) {
	envelope := envelopeFixtures(t)["issue-created-high.json"]
	derived := bytes.Replace(envelope, []byte(`"event_type": "issue.created",`), []byte(`"event_type": "issue.created", "derived": true,`), 1)
	parent := bytes.Replace(envelope, []byte(`"event_type": "issue.created",`), []byte(`"event_type": "issue.created", "parent_event_id": "p-1",`), 1)
	wrapped := []byte(`{"specversion":"1.0","id":"ce-1","source":"/turbo","type":"issue.created",
		"data":{"event_type":"issue.created","entity_id":"i-1","derived":true}}`)

	tests := []struct {
		name, contentType string
		body              []byte
		field             string
	}{
		{"envelope derived", "application/json", derived, "derived"},
		{"envelope parent_event_id", "application/json", parent, "parent_event_id"},
		{"CloudEvent wrapping a derived envelope", "application/cloudevents+json", wrapped, "data.derived"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if bytes.Equal(tt.body, envelope) {
				t.Fatal("the fixture no longer contains the text the test replaces")
			}
			ts := newTestServer(t, nil)
			a := ts.do(t, signTurbo(request("/v1/events", tt.contentType, tt.body), tt.body))
			if a.status != http.StatusBadRequest || a.body.Field != tt.field {
				t.Fatalf("response = %d field %q, want 400 at %s: %s", a.status, a.body.Field, tt.field, a.raw)
			}
			if !strings.Contains(a.body.Error, "Switchboard sets") {
				t.Errorf("error = %q, want it to say Switchboard sets the field", a.body.Error)
			}
		})
	}
}

func TestInvalidUTF8InKeyLocated(t *testing.T) {
	body := []byte("{\"event_id\": \"e-1\", \"timestamp\": \"2026-12-01T16:03:10Z\", \"n\xc3\x28te\": 1}")
	ts := newTestServer(t, nil)
	a := ts.do(t, envelopeRequest(body))
	if a.status != http.StatusBadRequest || a.body.Code != codeInvalidJSON {
		t.Fatalf("response = %d %s, want 400 invalid_json: %s", a.status, a.body.Code, a.raw)
	}
	if a.body.Field != "" {
		t.Errorf("field = %q, want none: the bad byte is in a top-level key", a.body.Field)
	}
	if want := "invalid JSON at byte 59: invalid UTF-8 in an object key"; !strings.Contains(a.body.Error, want) {
		t.Errorf("error = %q, want it to contain %q", a.body.Error, want)
	}
}
