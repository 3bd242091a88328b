package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseEnvelopesFixtures(t *testing.T) {
	for _, f := range envelopeFixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			events, err := ParseEnvelopes(f.body, DefaultMaxBatch)
			if err != nil {
				t.Fatalf("ParseEnvelopes: %v", err)
			}
			if len(events) != 1 {
				t.Fatalf("got %d events, want 1", len(events))
			}
			in := events[0]
			if in.Format != FormatEnvelope {
				t.Errorf("format = %q, want %q", in.Format, FormatEnvelope)
			}

			// The canonical body holds the same JSON as the fixture.
			if got, want := decodeJSON(t, in.Body), decodeJSON(t, f.body); !reflect.DeepEqual(got, want) {
				t.Errorf("body differs from the fixture:\n got %s", in.Body)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, in.Body); err != nil || compact.String() != string(in.Body) {
				t.Errorf("body is not compact JSON (%v): %s", err, in.Body)
			}

			// Parsing the canonical body gives the same body back.
			again, err := ParseEnvelopes(in.Body, DefaultMaxBatch)
			if err != nil {
				t.Fatalf("parse canonical body: %v", err)
			}
			if !bytes.Equal(again[0].Body, in.Body) {
				t.Errorf("canonical body changes on a second parse:\n first  %s\n second %s", in.Body, again[0].Body)
			}
		})
	}
}

func TestParseEnvelopesCanonicalOrder(t *testing.T) {
	body := `{"zeta": 1, "context": {"b": "2", "a": "1"}, "data": {"z": 1, "a": 2},
		"action": "created", "timestamp": "2026-12-01T17:03:10.500+01:00", "entity_id": "e1",
		"event_type": "issue.created", "alpha": [true], "event_id": "id-1",
		"actor": {"name": "dev@example.com", "type": "user"}}`
	events, err := ParseEnvelopes([]byte(body), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"event_id":"id-1","event_type":"issue.created","timestamp":"2026-12-01T17:03:10.500+01:00",` +
		`"entity_type":"issue","entity_id":"e1","action":"created","actor":{"type":"user","name":"dev@example.com"},` +
		`"data":{"z":1,"a":2},"context":{"a":"1","b":"2"},"alpha":[true],"zeta":1}`
	if got := string(events[0].Body); got != want {
		t.Errorf("body:\n got %s\nwant %s", got, want)
	}
}

func TestParseEnvelopesDefaultsAndKeeps(t *testing.T) {
	body := `{"event_id": "e-1", "event_type": "issue.status_changed", "timestamp": "2026-12-01T16:03:10Z",
		"entity_id": "i-1", "context": {"project_id": "p-1", "issue_id": null}, "source_system": "turbo"}`
	events, err := ParseEnvelopes([]byte(body), 0)
	if err != nil {
		t.Fatal(err)
	}
	env := events[0].Envelope
	if env.EntityType != "issue" || env.Action != "status_changed" {
		t.Errorf("entity_type, action = %q, %q; want issue, status_changed", env.EntityType, env.Action)
	}
	if want := map[string]string{"project_id": "p-1"}; !reflect.DeepEqual(env.Context, want) {
		t.Errorf("context = %v, want %v (null values dropped)", env.Context, want)
	}
	if got := string(env.Extra["source_system"]); got != `"turbo"` {
		t.Errorf("Extra[source_system] = %s, want \"turbo\"", got)
	}
	if env.Actor != nil || env.Data != nil {
		t.Errorf("actor = %v, data = %s; want both absent", env.Actor, env.Data)
	}
}

func TestParseEnvelopesFieldErrors(t *testing.T) {
	const valid = `"event_id": "e-1", "event_type": "issue.created", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i-1"`
	tests := []struct {
		name, body, field, message string
	}{
		{"missing event_id", `{"event_type": "issue.created", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i"}`, "event_id", "missing"},
		{"event_id with space", `{"event_id": "a b", "event_type": "issue.created", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i"}`, "event_id", `"a b" is not a valid event id`},
		{"event_id too long", `{"event_id": "` + strings.Repeat("x", 129) + `", "event_type": "issue.created", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i"}`, "event_id", "1 to 128 characters"},
		{"event_id number", `{"event_id": 7, "event_type": "issue.created", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i"}`, "event_id", "must be a string, got a number"},
		{"missing event_type", `{"event_id": "e-1", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i"}`, "event_type", "missing"},
		{"uppercase event_type", `{"event_id": "e-1", "event_type": "Issue.Created", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i"}`, "event_type", `"Issue.Created" is not a valid event type`},
		{"one segment", `{"event_id": "e-1", "event_type": "issue", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i"}`, "event_type", "2 to 4 dot-separated"},
		{"five segments", `{"event_id": "e-1", "event_type": "a.b.c.d.e", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i"}`, "event_type", "2 to 4 dot-separated"},
		{"empty segment", `{"event_id": "e-1", "event_type": "issue..created", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i"}`, "event_type", "not a valid event type"},
		{"missing timestamp", `{"event_id": "e-1", "event_type": "issue.created", "entity_id": "i"}`, "timestamp", "missing"},
		{"timestamp without zone", `{"event_id": "e-1", "event_type": "issue.created", "timestamp": "2026-12-01T16:03:10", "entity_id": "i"}`, "timestamp", "not an RFC 3339 time"},
		{"timestamp as number", `{"event_id": "e-1", "event_type": "issue.created", "timestamp": 1764604990, "entity_id": "i"}`, "timestamp", "must be a string"},
		{"entity_type disagrees", `{` + valid + `, "entity_type": "comment"}`, "entity_type", `"comment" disagrees with event_type "issue.created"`},
		{"action disagrees", `{` + valid + `, "action": "updated"}`, "action", `"updated" disagrees`},
		{"missing entity_id", `{"event_id": "e-1", "event_type": "issue.created", "timestamp": "2026-12-01T16:03:10Z"}`, "entity_id", "missing"},
		{"entity_id number", `{"event_id": "e-1", "event_type": "issue.created", "timestamp": "2026-12-01T16:03:10Z", "entity_id": 42}`, "entity_id", "must be a string"},
		{"actor type unknown", `{` + valid + `, "actor": {"type": "robot"}}`, "actor.type", `"robot" is not an actor type`},
		{"actor type missing", `{` + valid + `, "actor": {"name": "x"}}`, "actor.type", "missing"},
		{"actor unknown key", `{` + valid + `, "actor": {"type": "user", "email": "x"}}`, "actor.email", "unknown key"},
		{"actor not object", `{` + valid + `, "actor": "dev"}`, "actor", "must be an object"},
		{"data not object", `{` + valid + `, "data": [1]}`, "data", "must be an object, got an array"},
		{"context number", `{` + valid + `, "context": {"project_id": 5}}`, "context.project_id", "must be a string or null"},
		{"context not object", `{` + valid + `, "context": "p"}`, "context", "must be an object"},
		{"derived not bool", `{` + valid + `, "derived": "yes"}`, "derived", "must be true or false"},
		{"derived set by sender", `{` + valid + `, "derived": true}`, "derived", "Switchboard sets derived"},
		{"parent id set by sender", `{` + valid + `, "parent_event_id": "p-1"}`, "parent_event_id", "Switchboard sets parent_event_id"},
		{"invalid parent id set by sender", `{` + valid + `, "parent_event_id": "a/b"}`, "parent_event_id", "Switchboard sets parent_event_id"},
		{"not an object", `"issue.created"`, "", "must be one event object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEnvelopes([]byte(tt.body), DefaultMaxBatch)
			var fieldErr *FieldError
			if !errors.As(err, &fieldErr) {
				t.Fatalf("error = %v, want a *FieldError", err)
			}
			if fieldErr.Index != -1 {
				t.Errorf("index = %d, want -1 for a single event", fieldErr.Index)
			}
			if fieldErr.Field != tt.field {
				t.Errorf("field = %q, want %q", fieldErr.Field, tt.field)
			}
			if !strings.Contains(fieldErr.Message, tt.message) {
				t.Errorf("message = %q, want it to contain %q", fieldErr.Message, tt.message)
			}
		})
	}
}

func TestParseEnvelopesAcceptedVariants(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"system event without entity_id", `{"event_id": "d-1", "event_type": "system.daily_digest", "timestamp": "2026-12-01T08:00:00Z"}`},
		{"github type with three segments", `{"event_id": "g-1", "event_type": "github.issue_comment.created", "timestamp": "2026-12-01T08:00:00Z", "entity_id": "o/r#1"}`},
		{"braced UUID", `{"event_id": "{5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b}", "event_type": "issue.created", "timestamp": "2026-12-01T08:00:00Z", "entity_id": "i"}`},
		{"id characters", `{"event_id": "turbo:delivery.42_a~b-c", "event_type": "issue.created", "timestamp": "2026-12-01T08:00:00Z", "entity_id": "i"}`},
		{"nulls for optional fields", `{"event_id": "n-1", "event_type": "issue.created", "timestamp": "2026-12-01T08:00:00Z", "entity_id": "i", "actor": null, "data": null, "context": null, "derived": null, "parent_event_id": null}`},
		{"derived false", `{"event_id": "n-2", "event_type": "issue.created", "timestamp": "2026-12-01T08:00:00Z", "entity_id": "i", "derived": false, "parent_event_id": ""}`},
		{"escaped key", `{"event\u005fid": "e-1", "event_type": "issue.created", "timestamp": "2026-12-01T08:00:00Z", "entity_id": "i"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseEnvelopes([]byte(tt.body), DefaultMaxBatch); err != nil {
				t.Errorf("ParseEnvelopes: %v", err)
			}
		})
	}
}

func TestParseEnvelopesSyntaxErrors(t *testing.T) {
	tests := []struct {
		name, body, path string
	}{
		{"malformed", `{"event_id": }`, "event_id"},
		{"duplicate key", `{"event_id": "a", "event_id": "b"}`, "event_id"},
		{"duplicate in a batch", `[{"a": 1}, {"data": {"x": 1, "x": 2}}]`, "events[1].data.x"},
		{"invalid utf-8", "{\"data\": {\"t\": \"\xc3\x28\"}}", "data.t"},
		{"invalid utf-8 in a top-level key", "{\"timestamp\": \"2026-12-01T16:03:10Z\", \"n\xc3\x28te\": 1}", ""},
		{"invalid utf-8 in a key in a batch", "[{\"a\": 1}, {\"a\": 1, \"\xff\": 2}]", "events[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEnvelopes([]byte(tt.body), DefaultMaxBatch)
			var syntaxErr *SyntaxError
			if !errors.As(err, &syntaxErr) {
				t.Fatalf("error = %v, want a *SyntaxError", err)
			}
			if syntaxErr.Path != tt.path {
				t.Errorf("path = %q, want %q", syntaxErr.Path, tt.path)
			}
		})
	}
}

// batchOf returns a JSON array of the envelope fixtures, repeated to n events
// with distinct event ids.
func batchOf(t *testing.T, n int) []byte {
	t.Helper()
	fixtures := envelopeFixtures(t)
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		body := fixtures[i%len(fixtures)].body
		if i >= len(fixtures) {
			body = bytes.Replace(body, []byte(`"event_id": "`), []byte(`"event_id": "copy-`+strings.Repeat("x", i/len(fixtures))+`-`), 1)
		}
		b.Write(body)
	}
	b.WriteByte(']')
	return b.Bytes()
}

func TestParseEnvelopesBatch(t *testing.T) {
	body := batchOf(t, 20)
	events, err := ParseEnvelopes(body, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 20 {
		t.Fatalf("got %d events, want 20", len(events))
	}
	for i, in := range events {
		single, err := ParseEnvelopes(in.Body, 1)
		if err != nil {
			t.Fatalf("events[%d] body does not parse: %v", i, err)
		}
		if !bytes.Equal(single[0].Body, in.Body) {
			t.Errorf("events[%d] body changes when parsed alone", i)
		}
	}
	// Appending to one body must not overwrite the next one.
	first := string(events[1].Body)
	_ = append(events[0].Body, "garbage"...)
	if string(events[1].Body) != first {
		t.Errorf("appending to events[0].Body changed events[1].Body")
	}
}

func TestParseEnvelopesBatchErrors(t *testing.T) {
	good := `{"event_id": "e-%s", "event_type": "issue.created", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i"}`
	one := strings.ReplaceAll(good, "%s", "1")
	two := strings.ReplaceAll(good, "%s", "2")
	bad := `{"event_id": "e-3", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i"}`

	tests := []struct {
		name, body, path, message string
		max                       int
	}{
		{"empty array", `[]`, "", "the batch is empty", 10},
		{"over the limit", "[" + one + "," + two + "]", "", "the batch contains 2 events; send at most 1", 1},
		{"bad event fails the batch", "[" + one + "," + two + "," + bad + "]", "events[2].event_type", "missing", 10},
		{"element not an object", "[" + one + ", 7]", "events[1]", "each event must be a JSON object", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := ParseEnvelopes([]byte(tt.body), tt.max)
			if events != nil {
				t.Errorf("got %d events with the error, want none", len(events))
			}
			var fieldErr *FieldError
			if !errors.As(err, &fieldErr) {
				t.Fatalf("error = %v, want a *FieldError", err)
			}
			if fieldErr.Path() != tt.path {
				t.Errorf("path = %q, want %q", fieldErr.Path(), tt.path)
			}
			if !strings.Contains(fieldErr.Message, tt.message) {
				t.Errorf("message = %q, want it to contain %q", fieldErr.Message, tt.message)
			}
		})
	}
}

func TestParseEnvelopesSameIDInBatch(t *testing.T) {
	event := `{"event_id": "same", "event_type": "issue.created", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i"}`
	respaced := strings.ReplaceAll(event, ": ", ":")
	changed := strings.Replace(event, `"entity_id": "i"`, `"entity_id": "j"`, 1)

	events, err := ParseEnvelopes([]byte("["+event+","+respaced+"]"), 10)
	if err != nil {
		t.Fatalf("identical content in other whitespace: %v", err)
	}
	if len(events) != 2 || events[0].ContentHash != events[1].ContentHash {
		t.Errorf("want two events with one content hash, got %d events", len(events))
	}

	_, err = ParseEnvelopes([]byte("["+event+","+changed+"]"), 10)
	var conflictErr *BatchConflictError
	if !errors.As(err, &conflictErr) {
		t.Fatalf("error = %v, want a *BatchConflictError", err)
	}
	if conflictErr.EventID != "same" || conflictErr.First != 0 || conflictErr.Second != 1 {
		t.Errorf("conflict = %+v, want event same at 0 and 1", conflictErr)
	}
}

func TestParseEnvelopesConflictInLargeBatch(t *testing.T) {
	body := batchOf(t, 30)
	fixtures := envelopeFixtures(t)
	// Append a changed copy of the first fixture: same event_id, other content.
	changed := bytes.Replace(fixtures[0].body, []byte(`"created"`), []byte(`"created" `), 1)
	changed = bytes.Replace(changed, []byte(`"metadata": {}`), []byte(`"metadata": {"via": "api"}`), 1)
	body = append(body[:len(body)-1], ',')
	body = append(append(body, changed...), ']')

	_, err := ParseEnvelopes(body, 100)
	var conflictErr *BatchConflictError
	if !errors.As(err, &conflictErr) {
		t.Fatalf("error = %v, want a *BatchConflictError", err)
	}
	if conflictErr.First != 0 || conflictErr.Second != 30 {
		t.Errorf("conflict between %d and %d, want 0 and 30", conflictErr.First, conflictErr.Second)
	}
}

func TestContentHash(t *testing.T) {
	base := `{"event_id": "h-1", "event_type": "issue.created", "timestamp": "2026-12-01T16:03:10Z", "entity_id": "i", "data": {"a": 1, "b": 2}}`
	hash := func(body string) [16]byte {
		t.Helper()
		events, err := ParseEnvelopes([]byte(body), 1)
		if err != nil {
			t.Fatal(err)
		}
		return events[0].ContentHash
	}

	if hash(base) != hash(strings.ReplaceAll(base, " ", "\n  ")) {
		t.Errorf("whitespace changed the content hash")
	}
	if hash(base) != hash("["+base+"]") {
		t.Errorf("sending the event in a batch changed its content hash")
	}
	if hash(base) == hash(strings.Replace(base, `"a": 1, "b": 2`, `"b": 2, "a": 1`, 1)) {
		t.Errorf("reordered keys kept the content hash; any change but whitespace must change it")
	}
	if hash(base) == hash(strings.Replace(base, `"a": 1`, `"a": 1.0`, 1)) {
		t.Errorf("a rewritten number kept the content hash")
	}
}

func TestFieldErrorText(t *testing.T) {
	tests := []struct {
		err  FieldError
		want string
	}{
		{FieldError{Index: -1, Field: "event_type", Message: "missing"}, "event_type: missing"},
		{FieldError{Index: 2, Field: "context.project_id", Message: "must be a string"}, "events[2].context.project_id: must be a string"},
		{FieldError{Index: 3, Message: "must be an object"}, "events[3]: must be an object"},
		{FieldError{Index: -1, Message: "the batch is empty"}, "the batch is empty"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestCheckJSONLocatesProblem(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   string
		offset int
	}{
		{"valid object", `{"event_type": "issue.created"}`, -1},
		{"valid array", `[{"a": 1}, {"b": 2}]`, -1},
		{"word", "hello", 0},
		{"trailing comma", `{"a": 1,}`, 8},
		{"second value", `{"a": 1} {"b": 2}`, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckJSON([]byte(tc.body))
			if tc.offset < 0 {
				if err != nil {
					t.Fatalf("CheckJSON = %v, want nil", err)
				}
				return
			}
			var syntaxErr *SyntaxError
			if !errors.As(err, &syntaxErr) {
				t.Fatalf("CheckJSON = %v, want a *SyntaxError", err)
			}
			if syntaxErr.Offset != tc.offset {
				t.Errorf("offset = %d, want %d (%v)", syntaxErr.Offset, tc.offset, err)
			}
		})
	}
}
