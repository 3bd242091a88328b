package event

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkBodies checks what every parser promises about a successful result: each
// body is compact JSON that decodes back into an envelope which encodes to the
// same bytes.
func checkBodies(t *testing.T, events []*Incoming) {
	t.Helper()
	for i, in := range events {
		var compact bytes.Buffer
		if err := json.Compact(&compact, in.Body); err != nil {
			t.Fatalf("events[%d] body is not valid JSON: %v\n%s", i, err, in.Body)
		}
		if !bytes.Equal(compact.Bytes(), in.Body) {
			t.Fatalf("events[%d] body is not compact: %s", i, in.Body)
		}
		var env Envelope
		if err := json.Unmarshal(in.Body, &env); err != nil {
			t.Fatalf("events[%d] body does not decode: %v\n%s", i, err, in.Body)
		}
		again, err := env.Marshal()
		if err != nil {
			t.Fatalf("events[%d] decoded envelope does not encode: %v", i, err)
		}
		if !bytes.Equal(again, in.Body) {
			t.Fatalf("events[%d] body changes on a round trip:\n first  %s\n second %s", i, in.Body, again)
		}
	}
}

func FuzzScanJSON(f *testing.F) {
	for _, fx := range envelopeFixtures(f) {
		f.Add(fx.body)
	}
	for _, seed := range []string{`{"a":1,"a":2}`, `"\ud800"`, `[[[]]]`, `{"a":"\u00e9"}`, "\"\xff\"", `1e5`, `{"":{}}`} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := scanJSON(in, true)
		if err != nil {
			// A body that encoding/json accepts may be rejected only for the
			// stricter rules.
			if json.Valid(in) && utf8.Valid(in) {
				msg := err.Error()
				if !strings.Contains(msg, "duplicate key") && !strings.Contains(msg, "nesting deeper") && !strings.Contains(msg, "surrogate") {
					t.Fatalf("valid JSON rejected: %v", err)
				}
			}
			return
		}
		if !json.Valid(in) {
			t.Fatalf("scanJSON accepted invalid JSON %q", in)
		}
		var want bytes.Buffer
		if err := json.Compact(&want, in); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(res.compact, want.Bytes()) {
			t.Fatalf("compact = %q, want %q", res.compact, want.Bytes())
		}
	})
}

func FuzzParseEnvelopes(f *testing.F) {
	for _, fx := range envelopeFixtures(f) {
		f.Add(fx.body)
		f.Add(append(append([]byte("["), fx.body...), ']'))
	}
	f.Add([]byte(`{"event_id":"s","event_type":"system.daily_digest","timestamp":"2026-12-01T08:00:00+05:30","x":{"y":null}}`))

	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := ParseEnvelopes(body, 5)
		if err != nil {
			return
		}
		checkBodies(t, events)
		for i, in := range events {
			again, err := ParseEnvelopes(in.Body, 1)
			if err != nil {
				t.Fatalf("events[%d] canonical body is rejected: %v\n%s", i, err, in.Body)
			}
			if !bytes.Equal(again[0].Body, in.Body) {
				t.Fatalf("events[%d] canonical body is not stable", i)
			}
		}
	})
}

func FuzzFromTurboWebhook(f *testing.F) {
	for _, fx := range nativeFixtures(f) {
		f.Add(fx.eventName, fx.deliveryID, fx.body)
	}
	f.Add("comment.created", "d-1", []byte(`{"comment":{"id":"c","entity_type":"issue","entity_id":"i"}}`))

	f.Fuzz(func(t *testing.T, eventName, deliveryID string, body []byte) {
		in, err := FromTurboWebhook(eventName, deliveryID, body, received)
		if err != nil {
			return
		}
		checkBodies(t, []*Incoming{in})

		var compact bytes.Buffer
		if err := json.Compact(&compact, body); err != nil {
			t.Fatalf("accepted a body that is not JSON: %v", err)
		}
		var data struct {
			Native json.RawMessage `json:"native"`
		}
		if err := json.Unmarshal(in.Envelope.Data, &data); err != nil || !bytes.Equal(data.Native, compact.Bytes()) {
			t.Fatalf("data.native = %s, want the compacted body %s (%v)", data.Native, compact.Bytes(), err)
		}
	})
}

func FuzzFromCloudEventStructured(f *testing.F) {
	for _, fx := range cloudEventFixtures(f) {
		f.Add(fx.body)
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := FromCloudEventStructured(body, 5, received)
		if err != nil {
			return
		}
		checkBodies(t, events)
	})
}

func FuzzFromCloudEventBinary(f *testing.F) {
	f.Add("b-1", "/s", "issue.created", "i-1", "2026-12-01T08:00:00Z", "application/json", []byte(`{"a":1}`))
	f.Add("b-2", "urn:x", "com.Example", "", "", "text/plain", []byte("hi"))
	f.Add("b-3", "/s", "a.b", "", "", "application/json", []byte(`{"event_type":"issue.created","entity_id":"i"}`))

	f.Fuzz(func(t *testing.T, id, source, eventType, subject, time, contentType string, body []byte) {
		attrs := map[string]string{"specversion": "1.0", "id": id, "source": source, "type": eventType}
		if subject != "" {
			attrs["subject"] = subject
		}
		if time != "" {
			attrs["time"] = time
		}
		in, err := FromCloudEventBinary(attrs, contentType, body, received)
		if err != nil {
			return
		}
		checkBodies(t, []*Incoming{in})
	})
}
