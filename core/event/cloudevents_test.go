package event

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func readCloudEvent(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "cloudevents", name))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestCloudEventID(t *testing.T) {
	want := uuid.NewSHA1(CloudEventsNamespace, []byte("/turbo\nevt-1")).String()
	if got := CloudEventID("/turbo", "evt-1"); got != want {
		t.Errorf("CloudEventID = %s, want %s", got, want)
	}
	if CloudEventID("/turbo", "evt-1") == CloudEventID("/other", "evt-1") {
		t.Errorf("two sources gave one id")
	}
	if CloudEventID("a\nb", "c") == CloudEventID("a", "b\nc") {
		t.Logf("NOTE: a newline inside source or id can make two pairs collide; CloudEvents ids rarely hold one")
	}
	if parsed, err := uuid.Parse(want); err != nil || parsed.Version() != 5 {
		t.Errorf("id %s is not a UUIDv5", want)
	}
}

func TestFromCloudEventStructuredSingle(t *testing.T) {
	events, err := FromCloudEventStructured(readCloudEvent(t, "issue-created.json"), 10, received)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("got %d events, want 1", len(events))
	}
	in := events[0]
	env := in.Envelope
	if in.Format != FormatCloudEvents {
		t.Errorf("format = %q", in.Format)
	}
	if want := CloudEventID("/turbo/projects/6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f", "evt-1001"); env.EventID != want {
		t.Errorf("event_id = %s, want %s", env.EventID, want)
	}
	if env.EventType != "issue.created" || env.EntityType != "issue" || env.Action != "created" {
		t.Errorf("type = %s, entity_type = %s, action = %s", env.EventType, env.EntityType, env.Action)
	}
	if env.EntityID != "c4d5e6f7-a8b9-4c0d-8e1f-2a3b4c5d6e7f" {
		t.Errorf("entity_id = %q, want the subject", env.EntityID)
	}

	doc := decodeJSON(t, in.Body)
	if got := lookupPath(doc, "timestamp"); got != "2026-12-01T16:05:00.104+01:00" {
		t.Errorf("timestamp = %v, want the time attribute as sent", got)
	}
	if got := lookupPath(doc, "data", "current", "issue_key"); got != "TURBO-43" {
		t.Errorf("data.current.issue_key = %v", got)
	}
	wantAttrs := map[string]any{
		"id": "evt-1001", "source": "/turbo/projects/6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f", "specversion": "1.0",
		"type": "issue.created", "subject": "c4d5e6f7-a8b9-4c0d-8e1f-2a3b4c5d6e7f", "time": "2026-12-01T16:05:00.104+01:00",
		"datacontenttype": "application/json", "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	}
	if got := lookupPath(doc, "cloudevent"); !reflect.DeepEqual(got, wantAttrs) {
		t.Errorf("cloudevent = %v, want %v", got, wantAttrs)
	}
	if !strings.Contains(string(in.Body), `"cloudevent":{"id":"evt-1001","source":`) {
		t.Errorf("attributes are not in their fixed order: %s", in.Body)
	}
}

func TestFromCloudEventStructuredBatch(t *testing.T) {
	events, err := FromCloudEventStructured(readCloudEvent(t, "batch.json"), 10, received)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("got %d events, want 3", len(events))
	}

	tests := []struct {
		eventType, entityType, action, entityID string
		current                                 any
	}{
		{"com.example.pipeline.finished", "com", "finished", "pipeline-77", map[string]any{"status": "passed", "duration_seconds": 412.0}},
		{"com.example.Pipeline.Started", "cloudevent", "com.example.Pipeline.Started", "", map[string]any{"data_base64": "aGVsbG8gd29ybGQ="}},
		{"log.line", "log", "line", "pipeline-77", map[string]any{"data_base64": "YnVpbGQgc3RlcCAzIG9mIDk="}},
	}
	for i, tt := range tests {
		env := events[i].Envelope
		if env.EventType != tt.eventType || env.EntityType != tt.entityType || env.Action != tt.action || env.EntityID != tt.entityID {
			t.Errorf("events[%d] = %s %s %s %q, want %s %s %s %q", i, env.EventType, env.EntityType, env.Action, env.EntityID,
				tt.eventType, tt.entityType, tt.action, tt.entityID)
		}
		doc := decodeJSON(t, events[i].Body)
		if got := lookupPath(doc, "data", "current"); !reflect.DeepEqual(got, tt.current) {
			t.Errorf("events[%d] data.current = %v, want %v", i, got, tt.current)
		}
		if got := lookupPath(doc, "timestamp"); got != "2026-12-02T09:00:01.25Z" {
			t.Errorf("events[%d] timestamp = %v, want the received time", i, got)
		}
	}

	third := decodeJSON(t, events[2].Body)
	if got := lookupPath(third, "cloudevent", "retries"); got != 2.0 {
		t.Errorf("extension retries = %v, want the number 2", got)
	}
	if got := lookupPath(third, "cloudevent", "sampled"); got != true {
		t.Errorf("extension sampled = %v, want true", got)
	}
}

func TestFromCloudEventStructuredWrappedEnvelope(t *testing.T) {
	events, err := FromCloudEventStructured(readCloudEvent(t, "wrapped-envelope.json"), 10, received)
	if err != nil {
		t.Fatal(err)
	}
	env := events[0].Envelope
	if env.EventID != CloudEventID("/turbo", "milestone-3-completed") {
		t.Errorf("event_id = %s, want the id derived from source and id", env.EventID)
	}
	if env.EntityType != "milestone" || env.EntityID != "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d" || env.Action != "completed" {
		t.Errorf("entity = %s %s %s", env.EntityType, env.EntityID, env.Action)
	}
	if env.Actor == nil || env.Actor.Type != "system" {
		t.Errorf("actor = %+v, want the envelope's actor", env.Actor)
	}
	doc := decodeJSON(t, events[0].Body)
	if got := lookupPath(doc, "timestamp"); got != "2026-12-03T18:00:00Z" {
		t.Errorf("timestamp = %v, want the envelope's own", got)
	}
	if got := lookupPath(doc, "data", "current", "name"); got != "v2.4 release" {
		t.Errorf("data.current.name = %v, want the envelope's data", got)
	}
	if got := lookupPath(doc, "cloudevent", "id"); got != "milestone-3-completed" {
		t.Errorf("cloudevent.id = %v", got)
	}

	// Without its own timestamp the envelope takes the CloudEvent's time.
	body := strings.Replace(string(readCloudEvent(t, "wrapped-envelope.json")), `"timestamp": "2026-12-03T18:00:00Z",`, "", 1)
	events, err = FromCloudEventStructured([]byte(body), 10, received)
	if err != nil {
		t.Fatal(err)
	}
	if got := lookupPath(decodeJSON(t, events[0].Body), "timestamp"); got != "2026-12-03T18:00:05Z" {
		t.Errorf("timestamp = %v, want the time attribute", got)
	}
}

func TestFromCloudEventStructuredErrors(t *testing.T) {
	const head = `"specversion": "1.0", "id": "1", "source": "/s"`
	tests := []struct {
		name, body, path, message string
	}{
		{"missing id", `{"specversion": "1.0", "source": "/s", "type": "a.b"}`, "id", "missing"},
		{"missing source", `{"specversion": "1.0", "id": "1", "type": "a.b"}`, "source", "missing"},
		{"missing type", `{` + head + `}`, "type", "missing"},
		{"missing specversion", `{"id": "1", "source": "/s", "type": "a.b"}`, "specversion", "missing"},
		{"old specversion", `{"specversion": "0.3", "id": "1", "source": "/s", "type": "a.b"}`, "specversion", `"0.3" is not supported`},
		{"id not a string", `{"specversion": "1.0", "id": 1, "source": "/s", "type": "a.b"}`, "id", "must be a string"},
		{"bad time", `{` + head + `, "type": "a.b", "time": "yesterday"}`, "time", "not an RFC 3339 time"},
		{"bad extension name", `{` + head + `, "type": "a.b", "trace_id": "x"}`, "trace_id", "attribute names use only a-z and 0-9"},
		{"object extension", `{` + head + `, "type": "a.b", "ext": {"a": 1}}`, "ext", "must be a string, number or boolean"},
		{"data and data_base64", `{` + head + `, "type": "a.b", "data": {}, "data_base64": "AA=="}`, "data_base64", "set together with data"},
		{"bad base64", `{` + head + `, "type": "a.b", "data_base64": "!!"}`, "data_base64", "not valid base64"},
		{"wrapped envelope invalid", `{` + head + `, "type": "a.b", "data": {"event_type": "Bad"}}`, "data.event_type", "not a valid event type"},
		{"wrapped envelope of another type", `{` + head + `, "type": "issue.created", "subject": "i-1", "data": {"event_type": "issue.updated", "entity_id": "i-2"}}`,
			"data.event_type", `"issue.updated" differs from the CloudEvent's type "issue.created"`},
		{"wrapped envelope marked derived", `{` + head + `, "type": "issue.created", "data": {"event_type": "issue.created", "entity_id": "i-1", "derived": true}}`,
			"data.derived", "Switchboard sets derived"},
		{"wrapped envelope with a parent", `{` + head + `, "type": "issue.created", "data": {"event_type": "issue.created", "entity_id": "i-1", "parent_event_id": "p-1"}}`,
			"data.parent_event_id", "Switchboard sets parent_event_id"},
		{"batch index", `[{` + head + `, "type": "a.b"}, {"specversion": "1.0"}]`, "events[1].id", "missing"},
		{"empty batch", `[]`, "", "the batch is empty; send 1 to 10 CloudEvents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromCloudEventStructured([]byte(tt.body), 10, received)
			var fieldErr *FieldError
			if !errors.As(err, &fieldErr) {
				t.Fatalf("error = %v, want a *FieldError", err)
			}
			if fieldErr.Path() != tt.path || !strings.Contains(fieldErr.Message, tt.message) {
				t.Errorf("error = %q at %q, want %q at %q", fieldErr.Message, fieldErr.Path(), tt.message, tt.path)
			}
		})
	}
}

func TestFromCloudEventStructuredSameEventTwice(t *testing.T) {
	event := `{"specversion": "1.0", "id": "1", "source": "/s", "type": "a.b", "data": {"x": 1}}`
	changed := strings.Replace(event, `"x": 1`, `"x": 2`, 1)

	events, err := FromCloudEventStructured([]byte("["+event+","+strings.ReplaceAll(event, " ", "")+"]"), 10, received)
	if err != nil {
		t.Fatalf("the same event twice: %v", err)
	}
	if events[0].ContentHash != events[1].ContentHash || events[0].Envelope.EventID != events[1].Envelope.EventID {
		t.Errorf("the same event twice gave two ids or hashes")
	}

	_, err = FromCloudEventStructured([]byte("["+event+","+changed+"]"), 10, received)
	var conflictErr *BatchConflictError
	if !errors.As(err, &conflictErr) {
		t.Errorf("error = %v, want a *BatchConflictError", err)
	}
}

func TestFromCloudEventBinary(t *testing.T) {
	attrs := map[string]string{
		"specversion": "1.0", "id": "b-1", "source": "urn:turbo:ci", "type": "issue.updated",
		"subject": "i-7", "time": "2026-12-02T10:00:00Z", "traceparent": "00-abc",
	}
	tests := []struct {
		name, contentType, body string
		current                 any
	}{
		{"json object", "application/json; charset=utf-8", `{ "status" : "ready" }`, map[string]any{"status": "ready"}},
		{"json suffix", "application/vnd.turbo+json", `[1, 2]`, []any{1.0, 2.0}},
		{"text", "text/plain", "hello", map[string]any{"data_base64": "aGVsbG8="}},
		{"no content type", "", "\x00\x01", map[string]any{"data_base64": "AAE="}},
		{"no data", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := FromCloudEventBinary(attrs, tt.contentType, []byte(tt.body), received)
			if err != nil {
				t.Fatal(err)
			}
			env := in.Envelope
			if env.EventID != CloudEventID("urn:turbo:ci", "b-1") || env.EntityID != "i-7" || env.EntityType != "issue" {
				t.Errorf("envelope = %s %s %s", env.EventID, env.EntityType, env.EntityID)
			}
			doc := decodeJSON(t, in.Body)
			if got := lookupPath(doc, "data", "current"); !reflect.DeepEqual(got, tt.current) {
				t.Errorf("data.current = %v, want %v", got, tt.current)
			}
			if got := lookupPath(doc, "cloudevent", "traceparent"); got != "00-abc" {
				t.Errorf("cloudevent.traceparent = %v", got)
			}
			if got := lookupPath(doc, "cloudevent", "datacontenttype"); tt.contentType != "" && got != tt.contentType {
				t.Errorf("cloudevent.datacontenttype = %v, want %q", got, tt.contentType)
			}
		})
	}
}

func TestFromCloudEventBinaryContentHash(t *testing.T) {
	attrs := map[string]string{"specversion": "1.0", "id": "b-1", "source": "/s", "type": "a.b"}
	hash := func(attrs map[string]string, contentType, body string) [16]byte {
		t.Helper()
		in, err := FromCloudEventBinary(attrs, contentType, []byte(body), received)
		if err != nil {
			t.Fatal(err)
		}
		return in.ContentHash
	}

	base := hash(attrs, "application/json", `{"a": 1}`)
	if base != hash(attrs, "application/json", "{\n\"a\":1}") {
		t.Errorf("whitespace in JSON data changed the content hash")
	}
	if base == hash(attrs, "application/json", `{"a": 2}`) {
		t.Errorf("other data kept the content hash")
	}
	if base == hash(attrs, "application/vnd.a+json", `{"a": 1}`) {
		t.Errorf("another content type kept the content hash")
	}
	withSubject := map[string]string{"specversion": "1.0", "id": "b-1", "source": "/s", "type": "a.b", "subject": "x"}
	if base == hash(withSubject, "application/json", `{"a": 1}`) {
		t.Errorf("another attribute kept the content hash")
	}
}

func TestFromCloudEventBinaryErrors(t *testing.T) {
	valid := map[string]string{"specversion": "1.0", "id": "b-1", "source": "/s", "type": "a.b"}
	with := func(key, value string) map[string]string {
		attrs := map[string]string{}
		for k, v := range valid {
			attrs[k] = v
		}
		if value == "" {
			delete(attrs, key)
		} else {
			attrs[key] = value
		}
		return attrs
	}

	tests := []struct {
		name        string
		attrs       map[string]string
		contentType string
		body        string
		wantField   string
	}{
		{"missing id", with("id", ""), "", "", "ce-id"},
		{"missing source", with("source", ""), "", "", "ce-source"},
		{"bad specversion", with("specversion", "1.1"), "", "", "ce-specversion"},
		{"invalid utf-8", with("subject", "\xff"), "", "", "ce-subject"},
		{"bad name", with("Trace-Id", "x"), "", "", "ce-Trace-Id"},
		{"bad time", with("time", "noon"), "", "", "ce-time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromCloudEventBinary(tt.attrs, tt.contentType, []byte(tt.body), received)
			var fieldErr *FieldError
			if !errors.As(err, &fieldErr) {
				t.Fatalf("error = %v, want a *FieldError", err)
			}
			if fieldErr.Field != tt.wantField {
				t.Errorf("field = %q, want %q (%s)", fieldErr.Field, tt.wantField, fieldErr.Message)
			}
		})
	}

	_, err := FromCloudEventBinary(with("type", "issue.created"), "application/json",
		[]byte(`{"event_type": "issue.updated", "entity_id": "i-1"}`), received)
	var fieldErr *FieldError
	if !errors.As(err, &fieldErr) || fieldErr.Field != "data.event_type" || !strings.Contains(fieldErr.Message, `ce-type "issue.created"`) {
		t.Errorf("binary data of another event type: error = %v, want data.event_type naming ce-type", err)
	}

	_, err = FromCloudEventBinary(valid, "application/json", []byte(`{"a": `), received)
	var syntaxErr *SyntaxError
	if !errors.As(err, &syntaxErr) {
		t.Errorf("malformed JSON data: error = %v, want a *SyntaxError", err)
	}
}
