package event

import (
	"encoding/json"
	"time"
)

// decodeEnvelope fills env from the members of one event object. The members
// locate keys and values in buf, which holds compact, validated JSON. It checks
// each field's JSON type and keeps unknown keys in Extra; the envelope rules are
// validate's job.
func decodeEnvelope(buf []byte, members []member, env *Envelope) *FieldError {
	for _, m := range members {
		key := buf[m.key.start:m.key.end]
		if m.key.escaped {
			key = []byte(unescape(key))
		}
		if err := env.decodeField(key, buf[m.val.start:m.val.end]); err != nil {
			return err
		}
	}
	return nil
}

// decodeField sets the field named key from its JSON value.
func (env *Envelope) decodeField(key, val []byte) *FieldError {
	var err *FieldError
	switch string(key) {
	case "event_id":
		env.EventID, err = decodeString("event_id", val)
	case "event_type":
		env.EventType, err = decodeString("event_type", val)
	case "timestamp":
		err = env.decodeTimestamp(val)
	case "entity_type":
		env.EntityType, err = decodeTypeSegment("entity_type", val, typeEntity(env.EventType))
	case "entity_id":
		env.EntityID, err = decodeString("entity_id", val)
	case "action":
		env.Action, err = decodeTypeSegment("action", val, typeAction(env.EventType))
	case "actor":
		env.Actor, err = decodeActor(val)
	case "data":
		env.Data, err = decodeObject("data", val)
	case "context":
		env.Context, err = decodeContext(val)
	case "derived":
		env.Derived, err = decodeBool("derived", val)
	case "parent_event_id":
		env.ParentEventID, err = decodeString("parent_event_id", val)
	default:
		if env.Extra == nil {
			env.Extra = make(map[string]json.RawMessage)
		}
		env.Extra[string(key)] = val
	}
	return err
}

// decodeTypeSegment decodes entity_type or action. When the value equals
// segment, the matching part of the event type already decoded, it returns
// segment and so saves a copy.
func decodeTypeSegment(field string, val []byte, segment string) (string, *FieldError) {
	if segment != "" && val[0] == '"' && len(val) == len(segment)+2 && string(val[1:len(val)-1]) == segment {
		return segment, nil
	}
	return decodeString(field, val)
}

// decodeTimestamp parses an RFC 3339 timestamp and keeps its text, so that
// Marshal writes it back with the precision and offset it arrived with.
func (env *Envelope) decodeTimestamp(val []byte) *FieldError {
	text, err := decodeString("timestamp", val)
	if err != nil || text == "" {
		return err
	}
	t, perr := time.Parse(time.RFC3339Nano, text)
	if perr != nil {
		return fieldError("timestamp", "%s is not an RFC 3339 time; send it like \"2026-12-01T16:03:10Z\" or \"2026-12-01T17:03:10.552+01:00\"",
			quoteValue(text))
	}
	env.setArrivedTimestamp(t, text)
	return nil
}

// decodeActor decodes {"type", "name", "metadata"}; other keys are an error,
// because the envelope would drop them.
func decodeActor(val []byte) (*Actor, *FieldError) {
	if isNull(val) {
		return nil, nil
	}
	if val[0] != '{' {
		return nil, fieldError("actor", "must be an object like {\"type\": \"user\", \"name\": \"dev@example.com\"}, got %s", kindOf(val))
	}

	actor := &Actor{}
	var scratch [4]member
	for _, m := range objectMembers(val, scratch[:0]) {
		item := val[m.val.start:m.val.end]
		var err *FieldError
		key := m.key.bytes(val)
		if m.key.escaped {
			key = []byte(m.key.text(val))
		}
		switch string(key) {
		case "type":
			actor.Type, err = decodeString("actor.type", item)
			actor.Type = internActorType(actor.Type)
		case "name":
			actor.Name, err = decodeString("actor.name", item)
		case "metadata":
			actor.Metadata, err = decodeObject("actor.metadata", item)
		default:
			err = fieldError("actor."+string(key), "unknown key; an actor has type, name and metadata, so put other details in actor.metadata")
		}
		if err != nil {
			return nil, err
		}
	}
	return actor, nil
}

// decodeContext decodes an object of string values; null values are dropped.
func decodeContext(val []byte) (map[string]string, *FieldError) {
	if isNull(val) {
		return nil, nil
	}
	if val[0] != '{' {
		return nil, fieldError("context", "must be an object of ids like {\"project_id\": \"...\"}, got %s", kindOf(val))
	}

	var scratch [8]member
	members := objectMembers(val, scratch[:0])
	var ids map[string]string
	for _, m := range members {
		item := val[m.val.start:m.val.end]
		if isNull(item) {
			continue
		}
		key := contextKey(m.key, val)
		if item[0] != '"' {
			return nil, fieldError("context."+key, "must be a string or null, got %s", kindOf(item))
		}
		if ids == nil {
			ids = make(map[string]string, len(members))
		}
		ids[key] = stringValue(item)
	}
	return ids, nil
}

// internActorType returns the constant for a known actor type, so that each
// event does not keep a copy.
func internActorType(actorType string) string {
	switch actorType {
	case "user":
		return "user"
	case "ai":
		return "ai"
	case "system":
		return "system"
	}
	return actorType
}

// contextKey returns a context key's text, as a constant for the common keys,
// so that each event does not keep a copy.
func contextKey(k keyRef, buf []byte) string {
	if k.escaped {
		return k.text(buf)
	}
	switch key := k.bytes(buf); string(key) {
	case "project_id":
		return "project_id"
	case "issue_id":
		return "issue_id"
	case "milestone_id":
		return "milestone_id"
	case "initiative_id":
		return "initiative_id"
	default:
		return string(key)
	}
}

// decodeString decodes a string value; null decodes as "".
func decodeString(field string, val []byte) (string, *FieldError) {
	switch {
	case val[0] == '"':
		return stringValue(val), nil
	case isNull(val):
		return "", nil
	default:
		return "", fieldError(field, "must be a string, got %s", kindOf(val))
	}
}

// decodeObject returns an object value as it is; null decodes as nil.
func decodeObject(field string, val []byte) (json.RawMessage, *FieldError) {
	switch {
	case val[0] == '{':
		return val, nil
	case isNull(val):
		return nil, nil
	default:
		return nil, fieldError(field, "must be an object, got %s", kindOf(val))
	}
}

// decodeBool decodes true or false; null decodes as false.
func decodeBool(field string, val []byte) (bool, *FieldError) {
	switch val[0] {
	case 't':
		return true, nil
	case 'f', 'n':
		return false, nil
	default:
		return false, fieldError(field, "must be true or false, got %s", kindOf(val))
	}
}

func isNull(val []byte) bool { return len(val) == 4 && val[0] == 'n' }

// kindOf names the JSON type of a validated value for error messages.
func kindOf(val []byte) string {
	switch val[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}
