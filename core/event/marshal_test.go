package event

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestMarshalBuiltEnvelope(t *testing.T) {
	env := &Envelope{
		EventID:       "d-1",
		EventType:     "issue.status_changed",
		Timestamp:     time.Date(2026, 12, 2, 10, 0, 0, 20113000, time.FixedZone("", -5*3600)),
		EntityType:    "issue",
		EntityID:      "i-1",
		Action:        "status_changed",
		Actor:         &Actor{Type: "system", Metadata: json.RawMessage(`{ "rule" : "derive" }`)},
		Data:          json.RawMessage("{\n  \"changes\": [\"status\"]\n}"),
		Context:       map[string]string{"project_id": "p-1"},
		Derived:       true,
		ParentEventID: "p-0",
		Extra:         map[string]json.RawMessage{"b": json.RawMessage(`[1, 2]`), "a": json.RawMessage(`"x"`)},
	}
	got, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"event_id":"d-1","event_type":"issue.status_changed","timestamp":"2026-12-02T10:00:00.020113-05:00",` +
		`"entity_type":"issue","entity_id":"i-1","action":"status_changed","actor":{"type":"system","metadata":{"rule":"derive"}},` +
		`"data":{"changes":["status"]},"context":{"project_id":"p-1"},"derived":true,"parent_event_id":"p-0","a":"x","b":[1,2]}`
	if string(got) != want {
		t.Errorf("Marshal:\n got %s\nwant %s", got, want)
	}

	viaJSON, err := json.Marshal(env)
	if err != nil || string(viaJSON) != want {
		t.Errorf("json.Marshal = %s, %v; want the canonical encoding", viaJSON, err)
	}
}

func TestMarshalErrors(t *testing.T) {
	base := func() *Envelope {
		return &Envelope{EventID: "m-1", EventType: "issue.created", Timestamp: time.Unix(0, 0), EntityType: "issue", EntityID: "i", Action: "created"}
	}
	tests := []struct {
		name   string
		change func(*Envelope)
		want   string
	}{
		{"invalid data", func(e *Envelope) { e.Data = json.RawMessage(`{"a":`) }, "data"},
		{"data not an object", func(e *Envelope) { e.Data = json.RawMessage(`[1]`) }, "must be a JSON object"},
		{"invalid metadata", func(e *Envelope) { e.Actor = &Actor{Type: "user", Metadata: json.RawMessage(`nope`)} }, "actor.metadata"},
		{"extra collides", func(e *Envelope) { e.Extra = map[string]json.RawMessage{"event_id": json.RawMessage(`"x"`)} }, `Extra key "event_id" is an envelope field`},
		{"invalid extra", func(e *Envelope) { e.Extra = map[string]json.RawMessage{"x": json.RawMessage(`{`)} }, "m-1: x"},
		{"year out of range", func(e *Envelope) { e.Timestamp = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "year 10000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := base()
			tt.change(env)
			_, err := env.Marshal()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestMarshalKeepsArrivedTimestamp(t *testing.T) {
	body := `{"event_id": "t-1", "event_type": "issue.created", "timestamp": "2026-12-01T17:03:10.500000+01:00", "entity_id": "i"}`
	events, err := ParseEnvelopes([]byte(body), 1)
	if err != nil {
		t.Fatal(err)
	}
	env := events[0].Envelope
	if !strings.Contains(string(events[0].Body), `"timestamp":"2026-12-01T17:03:10.500000+01:00"`) {
		t.Errorf("body lost the timestamp's precision or offset: %s", events[0].Body)
	}

	// Changing the instant or the offset writes the new value.
	env.Timestamp = env.Timestamp.UTC()
	got, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"timestamp":"2026-12-01T16:03:10.5Z"`) {
		t.Errorf("after a change of offset: %s", got)
	}
	env.Timestamp = env.Timestamp.Add(time.Second)
	got, _ = env.Marshal()
	if !strings.Contains(string(got), `"timestamp":"2026-12-01T16:03:11.5Z"`) {
		t.Errorf("after a change of instant: %s", got)
	}
}

func TestUnmarshalJSONRoundTrip(t *testing.T) {
	for _, f := range envelopeFixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			events, err := ParseEnvelopes(f.body, 1)
			if err != nil {
				t.Fatal(err)
			}
			var env Envelope
			if err := json.Unmarshal(events[0].Body, &env); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			again, err := env.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(events[0].Body) {
				t.Errorf("round trip:\n got %s\nwant %s", again, events[0].Body)
			}
		})
	}
}

func TestUnmarshalJSONSkipsEnvelopeRules(t *testing.T) {
	// A stored CloudEvent may have a type that is not of the <entity>.<action>
	// form and no entity id; it must still read back.
	body := `{"event_id":"c-1","event_type":"com.Example.Thing","timestamp":"2026-12-01T16:03:10Z","entity_type":"cloudevent","entity_id":"","action":"com.Example.Thing","cloudevent":{"id":"1"}}`
	var env Envelope
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if string(env.Extra["cloudevent"]) != `{"id":"1"}` {
		t.Errorf("Extra[cloudevent] = %s", env.Extra["cloudevent"])
	}

	if err := json.Unmarshal([]byte(`{"event_id": "a", "event_id": "b"}`), &env); err == nil {
		t.Errorf("a duplicate key was accepted")
	}
	if err := json.Unmarshal([]byte(`{"derived": "yes"}`), &env); err == nil {
		t.Errorf("a string for derived was accepted")
	}
}
