package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// arrivedTime is a timestamp's text as it arrived with the instant it parsed to.
type arrivedTime struct {
	text string
	at   time.Time
}

// setArrivedTimestamp sets Timestamp to t and remembers text, which parsed to t.
func (e *Envelope) setArrivedTimestamp(t time.Time, text string) {
	e.Timestamp = t
	e.arrived = arrivedTime{text: text, at: t}
}

// Marshal returns the envelope's canonical JSON encoding: the keys event_id,
// event_type, timestamp, entity_type, entity_id, action, actor, data, context,
// derived and parent_event_id in that order, then the Extra keys sorted. Empty
// optional fields (actor, data, context, derived, parent_event_id) are left out.
// The timestamp is written as the text it arrived with, as long as Timestamp
// still has that instant and offset. Otherwise it is written in RFC 3339 with as
// many fractional digits as needed. Raw JSON (data, actor metadata, Extra values) is checked and compacted.
func (e *Envelope) Marshal() ([]byte, error) {
	return e.appendJSON(make([]byte, 0, e.sizeHint()), true)
}

// MarshalJSON implements json.Marshaler with the canonical encoding of Marshal.
func (e *Envelope) MarshalJSON() ([]byte, error) { return e.Marshal() }

// UnmarshalJSON implements json.Unmarshaler. It reads what Marshal writes and
// keeps unknown keys in Extra. It checks JSON syntax and each field's type, but
// not the envelope rules of ParseEnvelopes, so that every stored event reads
// back, CloudEvents whose type is not of the <entity>.<action> form included.
func (e *Envelope) UnmarshalJSON(data []byte) error {
	res, err := scanJSON(bytes.Clone(data), false)
	if err != nil {
		return err
	}
	defer res.release()
	if res.compact[0] != '{' {
		return fieldError("", "an envelope must be a JSON object, got %s", kindOf(res.compact))
	}

	var env Envelope
	if ferr := decodeEnvelope(res.compact, res.members, &env); ferr != nil {
		return ferr
	}
	*e = env
	return nil
}

// sizeHint estimates the length of the encoding.
func (e *Envelope) sizeHint() int {
	n := 200 + len(e.EventID) + len(e.EventType) + len(e.EntityID) + len(e.Data) + len(e.ParentEventID)
	if e.Actor != nil {
		n += 40 + len(e.Actor.Name) + len(e.Actor.Metadata)
	}
	for key, value := range e.Context {
		n += 6 + len(key) + len(value)
	}
	for key, value := range e.Extra {
		n += 4 + len(key) + len(value)
	}
	return n
}

// appendJSON appends the canonical encoding to b. With check false it trusts
// that the raw JSON parts are compact and valid, as they are straight after
// parsing.
func (e *Envelope) appendJSON(b []byte, check bool) ([]byte, error) {
	b = append(b, `{"event_id":`...)
	b = appendString(b, e.EventID)
	b = append(b, `,"event_type":`...)
	b = appendString(b, e.EventType)
	b = append(b, `,"timestamp":`...)
	b, err := e.appendTimestamp(b)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"entity_type":`...)
	b = appendString(b, e.EntityType)
	b = append(b, `,"entity_id":`...)
	b = appendString(b, e.EntityID)
	b = append(b, `,"action":`...)
	b = appendString(b, e.Action)

	if e.Actor != nil {
		b = append(b, `,"actor":`...)
		if b, err = e.Actor.appendJSON(b, check); err != nil {
			return nil, e.marshalError("actor.metadata", err)
		}
	}
	if len(e.Data) > 0 {
		b = append(b, `,"data":`...)
		if b, err = appendRaw(b, e.Data, check, true); err != nil {
			return nil, e.marshalError("data", err)
		}
	}
	if len(e.Context) > 0 {
		b = append(b, `,"context":`...)
		b = appendStringMap(b, e.Context)
	}
	if e.Derived {
		b = append(b, `,"derived":true`...)
	}
	if e.ParentEventID != "" {
		b = append(b, `,"parent_event_id":`...)
		b = appendString(b, e.ParentEventID)
	}
	if b, err = e.appendExtra(b, check); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func (e *Envelope) marshalError(field string, err error) error {
	return fmt.Errorf("marshal event %s: %s: %w", e.EventID, field, err)
}

// appendTimestamp appends the timestamp as a JSON string.
func (e *Envelope) appendTimestamp(b []byte) ([]byte, error) {
	if e.arrived.text != "" && e.arrived.at.Equal(e.Timestamp) && sameOffset(e.arrived.at, e.Timestamp) {
		b = append(b, '"')
		b = append(b, e.arrived.text...)
		return append(b, '"'), nil
	}
	if year := e.Timestamp.Year(); year < 0 || year > 9999 {
		return nil, fmt.Errorf("marshal event %s: timestamp: year %d cannot be written in RFC 3339", e.EventID, year)
	}
	b = append(b, '"')
	b = e.Timestamp.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

func sameOffset(a, b time.Time) bool {
	_, offsetA := a.Zone()
	_, offsetB := b.Zone()
	return offsetA == offsetB
}

// appendJSON appends the actor as a JSON object.
func (a *Actor) appendJSON(b []byte, check bool) ([]byte, error) {
	b = append(b, `{"type":`...)
	b = appendString(b, a.Type)
	if a.Name != "" {
		b = append(b, `,"name":`...)
		b = appendString(b, a.Name)
	}
	if len(a.Metadata) > 0 {
		b = append(b, `,"metadata":`...)
		var err error
		if b, err = appendRaw(b, a.Metadata, check, true); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendExtra appends the Extra keys in sorted order. A key that names a field
// of the envelope is an error, because the output would hold it twice.
func (e *Envelope) appendExtra(b []byte, check bool) ([]byte, error) {
	if len(e.Extra) == 0 {
		return b, nil
	}
	keys := make([]string, 0, len(e.Extra))
	for key := range e.Extra {
		if isEnvelopeField(key) {
			return nil, fmt.Errorf("marshal event %s: Extra key %q is an envelope field; set the field instead", e.EventID, key)
		}
		keys = append(keys, key)
	}
	slices.Sort(keys)

	for _, key := range keys {
		b = append(b, ',')
		b = appendString(b, key)
		b = append(b, ':')
		var err error
		if b, err = appendRaw(b, e.Extra[key], check, false); err != nil {
			return nil, e.marshalError(key, err)
		}
	}
	return b, nil
}

func isEnvelopeField(key string) bool {
	switch key {
	case "event_id", "event_type", "timestamp", "entity_type", "entity_id", "action",
		"actor", "data", "context", "derived", "parent_event_id":
		return true
	}
	return false
}

// errNotObject is returned for raw JSON that must be an object and is not.
var errNotObject = errors.New("must be a JSON object")

// appendRaw appends raw JSON, compacting and checking it when check is set.
func appendRaw(b []byte, raw json.RawMessage, check, object bool) ([]byte, error) {
	if !check {
		return append(b, raw...), nil
	}
	start := len(b)
	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, raw); err != nil {
		return nil, err
	}
	b = buf.Bytes()
	if object && b[start] != '{' {
		return nil, errNotObject
	}
	return b, nil
}

// appendStringMap appends a map of strings as a JSON object with sorted keys.
func appendStringMap(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	slices.Sort(keys)

	b = append(b, '{')
	for i, key := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, key)
		b = append(b, ':')
		b = appendString(b, m[key])
	}
	return append(b, '}')
}
