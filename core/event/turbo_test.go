package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var received = time.Date(2026, 12, 2, 10, 0, 1, 250000000, time.FixedZone("CET", 3600))

func TestFromTurboWebhookFixtures(t *testing.T) {
	tests := map[string]struct {
		entityType, entityID, action string
		context                      map[string]string
		current                      string // a key of data.current that must be present
		native                       string // a key of data.native that must be present
	}{
		"issue-assigned.json": {
			"issue", "3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b", "assigned",
			map[string]string{"project_id": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"}, "issue_key", "assigned_to_id",
		},
		"issue-implementation-requested.json": {
			"issue", "3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b", "implementation_requested",
			map[string]string{"project_id": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"}, "status", "request_notes",
		},
		"issue-ready.json": {
			"issue", "c4d5e6f7-a8b9-4c0d-8e1f-2a3b4c5d6e7f", "ready",
			map[string]string{"project_id": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"}, "priority", "old_status",
		},
		"note-created.json": {
			"note", "f5a6b7c8-d9e0-4f1a-8b2c-4d5e6f7a8b9c", "created",
			nil, "title", "workspace",
		},
	}

	fixtures := nativeFixtures(t)
	if len(fixtures) != len(tests) {
		t.Fatalf("found %d native fixtures, the test expects %d", len(fixtures), len(tests))
	}
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			want, ok := tests[f.name]
			if !ok {
				t.Fatalf("no expectation for %s", f.name)
			}
			in, err := FromTurboWebhook(f.eventName, f.deliveryID, f.body, received)
			if err != nil {
				t.Fatalf("FromTurboWebhook: %v", err)
			}
			env := in.Envelope

			if env.EventID != f.deliveryID || env.EventType != f.eventName {
				t.Errorf("event_id, event_type = %q, %q; want the delivery id and the event name", env.EventID, env.EventType)
			}
			if env.EntityType != want.entityType || env.EntityID != want.entityID || env.Action != want.action {
				t.Errorf("entity = %s %s %s, want %s %s %s", env.EntityType, env.EntityID, env.Action, want.entityType, want.entityID, want.action)
			}
			if !reflect.DeepEqual(env.Context, want.context) {
				t.Errorf("context = %v, want %v", env.Context, want.context)
			}
			if env.Actor == nil || env.Actor.Type != "system" || env.Actor.Name != "turbo" || env.Actor.Metadata != nil {
				t.Errorf("actor = %+v, want system/turbo", env.Actor)
			}
			if !env.Timestamp.Equal(received) {
				t.Errorf("timestamp = %v, want the received time %v", env.Timestamp, received)
			}
			if in.Format != FormatTurbo {
				t.Errorf("format = %q", in.Format)
			}

			doc := decodeJSON(t, in.Body)
			if lookupPath(doc, "data", "current", want.current) == nil {
				t.Errorf("data.current has no %q: %s", want.current, in.Body)
			}
			if lookupPath(doc, "data", "previous") != nil {
				t.Errorf("data.previous is set: %s", in.Body)
			}
			if got, sent := lookupPath(doc, "data", "native"), decodeJSON(t, f.body); !reflect.DeepEqual(got, sent) {
				t.Errorf("data.native differs from the body sent")
			}
			if lookupPath(doc, "data", "native", want.native) == nil {
				t.Errorf("data.native has no %q", want.native)
			}
			if lookupPath(doc, "timestamp") != "2026-12-02T09:00:01.25Z" {
				t.Errorf("timestamp in body = %v, want the received time in UTC", lookupPath(doc, "timestamp"))
			}
		})
	}
}

func TestFromTurboWebhookComment(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"entity reference", `{"comment": {"id": "c-1", "entity_type": "issue", "entity_id": "i-9", "content": "hi"}, "project_id": "p-1"}`},
		{"issue_id on the comment", `{"comment": {"id": "c-1", "issue_id": "i-9", "content": "hi", "project_id": "p-1"}}`},
		{"issue_id at the top", `{"comment": {"id": "c-1", "content": "hi"}, "issue_id": "i-9", "project_id": "p-1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := FromTurboWebhook("comment.created", "d-1", []byte(tt.body), received)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"project_id": "p-1", "issue_id": "i-9"}
			if !reflect.DeepEqual(in.Envelope.Context, want) {
				t.Errorf("context = %v, want %v", in.Envelope.Context, want)
			}
			if key := in.Envelope.EntityKey(); key != "issue:i-9" {
				t.Errorf("entity key = %q, want issue:i-9", key)
			}
		})
	}
}

func TestFromTurboWebhookEntityID(t *testing.T) {
	tests := []struct {
		name, event, body, want string
	}{
		{"nested id", "issue.updated", `{"issue": {"id": "i-1"}, "issue_id": "other"}`, "i-1"},
		{"flat entity_id key", "note.created", `{"note_id": "n-1", "id": "other"}`, "n-1"},
		{"flat id", "project.updated", `{"id": "p-1", "name": "x"}`, "p-1"},
		{"numeric id", "issue.updated", `{"issue": {"id": 42}}`, "42"},
		{"system event without id", "system.ping", `{}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := FromTurboWebhook(tt.event, "d-1", []byte(tt.body), received)
			if err != nil {
				t.Fatal(err)
			}
			if in.Envelope.EntityID != tt.want {
				t.Errorf("entity_id = %q, want %q", in.Envelope.EntityID, tt.want)
			}
		})
	}
}

func TestFromTurboWebhookErrors(t *testing.T) {
	tests := []struct {
		name, event, delivery, body, field, message string
	}{
		{"missing event name", "", "d-1", `{}`, "X-Webhook-Event", "missing"},
		{"bad event name", "Issue Created", "d-1", `{}`, "X-Webhook-Event", "not a valid event type"},
		{"missing delivery id", "issue.created", "", `{}`, "X-Webhook-Delivery-Id", "missing"},
		{"bad delivery id", "issue.created", "a/b", `{}`, "X-Webhook-Delivery-Id", "not a valid event id"},
		{"body not an object", "issue.created", "d-1", `[1]`, "", "must be a JSON object"},
		{"no entity id", "issue.created", "d-1", `{"issue": {"title": "x"}}`, "issue.id", "names no issue.id, issue_id or id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromTurboWebhook(tt.event, tt.delivery, []byte(tt.body), received)
			var fieldErr *FieldError
			if !errors.As(err, &fieldErr) {
				t.Fatalf("error = %v, want a *FieldError", err)
			}
			if fieldErr.Field != tt.field || !strings.Contains(fieldErr.Message, tt.message) {
				t.Errorf("error = %q on %q, want %q on %q", fieldErr.Message, fieldErr.Field, tt.message, tt.field)
			}
		})
	}

	_, err := FromTurboWebhook("issue.created", "d-1", []byte(`{"issue": {"id": "a", "id": "b"}}`), received)
	var syntaxErr *SyntaxError
	if !errors.As(err, &syntaxErr) || syntaxErr.Path != "issue.id" {
		t.Errorf("duplicate key: error = %v, want a *SyntaxError at issue.id", err)
	}
}

func TestFromTurboWebhookContentHash(t *testing.T) {
	f := nativeFixtures(t)[0]
	hash := func(event string, body []byte) [16]byte {
		t.Helper()
		in, err := FromTurboWebhook(event, f.deliveryID, body, received)
		if err != nil {
			t.Fatal(err)
		}
		return in.ContentHash
	}

	var indented bytes.Buffer
	if err := json.Indent(&indented, f.body, "", "    "); err != nil {
		t.Fatal(err)
	}
	if hash(f.eventName, f.body) != hash(f.eventName, indented.Bytes()) {
		t.Errorf("whitespace changed the content hash")
	}
	if hash(f.eventName, f.body) == hash("issue.updated", f.body) {
		t.Errorf("another event name kept the content hash")
	}

	// The same bytes as an envelope must not hash like the native delivery.
	native, err := FromTurboWebhook(f.eventName, f.deliveryID, f.body, received)
	if err != nil {
		t.Fatal(err)
	}
	if native.ContentHash == hashContent(FormatEnvelope, f.eventName, f.body) {
		t.Errorf("the format name is not part of the content hash")
	}

	// A redelivery received later is still the same content.
	later, err := FromTurboWebhook(f.eventName, f.deliveryID, f.body, received.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if later.ContentHash != native.ContentHash {
		t.Errorf("the received time changed the content hash")
	}
}
