package event

import (
	"time"
)

// The headers of Turbo's native webhook that FromTurboWebhook reads, as its
// errors name them.
const (
	turboEventHeader    = "X-Webhook-Event"
	turboDeliveryHeader = "X-Webhook-Delivery-Id"
)

// turboActor is the actor of every native delivery: Turbo's payloads do not say
// who made the change.
var turboActor = Actor{Type: "system", Name: "turbo"}

// contextKeys are the ids copied into the envelope's context from a native
// payload's top level or from its entity.
var contextKeys = [...]string{"project_id", "issue_id", "milestone_id", "initiative_id"}

// FromTurboWebhook converts a delivery of Turbo's native webhook sender into an
// Incoming. eventName is the X-Webhook-Event header, deliveryID the
// X-Webhook-Delivery-Id header (used as event_id), body the raw request body
// and received the time ingest read it.
//
// The body is a JSON object that holds the entity under a key named after the
// entity type ({"issue": {...}, "project_id": ...}) or is the entity itself,
// flat (note.created: {"note_id": ..., "title": ...}). The envelope gets:
//   - entity_type and action from the event name's first and last segment;
//   - entity_id from the entity's "id", else the body's "<entity>_id", else the
//     body's "id";
//   - context ids (project_id, issue_id, milestone_id, initiative_id) from the
//     body's top level, else from the entity; a comment on an issue names it
//     with {"entity_type": "issue", "entity_id": ...};
//   - data.current, the entity object (the whole body when flat), and
//     data.native, the whole body as sent, so that extra keys such as
//     old_status or request_notes are kept;
//   - actor {"type": "system", "name": "turbo"} and no data.previous.
//
// The content hash covers the event name and the compacted body, so a
// redelivery that differs only in whitespace is a duplicate.
func FromTurboWebhook(eventName, deliveryID string, body []byte, received time.Time) (*Incoming, error) {
	if err := checkEventType(turboEventHeader, eventName); err != nil {
		return nil, err
	}
	if err := checkEventID(turboDeliveryHeader, deliveryID); err != nil {
		return nil, err
	}
	res, err := scanJSON(body, false)
	if err != nil {
		return nil, err
	}
	defer res.release()
	if res.compact[0] != '{' {
		return nil, fieldError("", "the body of a Turbo webhook must be a JSON object, got %s", kindOf(res.compact))
	}

	payload := nativePayload{body: res.compact, members: res.members, entityType: typeEntity(eventName)}
	payload.findEntity()

	env := &Envelope{
		EventID:    deliveryID,
		EventType:  eventName,
		EntityType: payload.entityType,
		Action:     typeAction(eventName),
		Context:    payload.context(),
		Data:       payload.data(),
		// Native payloads carry no reliable time of the change, so the event is
		// stamped with the time Switchboard received it.
		Timestamp: received.UTC(),
	}
	env.EntityID = payload.entityID()
	if env.EntityID == "" && env.EntityType != systemEntityType {
		return nil, fieldError(payload.entityType+".id", "missing; the %s payload names no %s.id, %s_id or id, so the event has no entity",
			eventName, payload.entityType, payload.entityType)
	}

	actor := turboActor
	env.Actor = &actor

	in := &Incoming{Envelope: env, Format: FormatTurbo, ContentHash: hashContent(FormatTurbo, eventName, res.compact)}
	if in.Body, err = env.appendJSON(make([]byte, 0, len(env.Data)+256), false); err != nil {
		return nil, err
	}
	return in, nil
}

// nativePayload is a native webhook body with its entity located.
type nativePayload struct {
	body       []byte
	members    []member
	entityType string
	// entity is the object under the entity type's key, or nil when the body is
	// flat; entityMembers are its members.
	entity        []byte
	entityMembers []member
}

// findEntity locates the object under the entity type's key.
func (p *nativePayload) findEntity() {
	val, ok := lookup(p.body, p.members, p.entityType)
	if !ok || val[0] != '{' {
		return
	}
	p.entity = val
	p.entityMembers = objectMembers(val, make([]member, 0, 24))
}

// entityID returns the entity's id, or "" when the payload names none.
func (p *nativePayload) entityID() string {
	if p.entity != nil {
		if id := idValue(lookup(p.entity, p.entityMembers, "id")); id != "" {
			return id
		}
	}
	if id := idValue(lookup(p.body, p.members, p.entityType+"_id")); id != "" {
		return id
	}
	return idValue(lookup(p.body, p.members, "id"))
}

// context collects the ids of the entities the event belongs to.
func (p *nativePayload) context() map[string]string {
	var ids map[string]string
	set := func(key, value string) {
		if value == "" || key == p.entityType+"_id" {
			return
		}
		if ids == nil {
			ids = make(map[string]string, 2)
		}
		ids[key] = value
	}

	for _, key := range contextKeys {
		value := idValue(lookup(p.body, p.members, key))
		if value == "" && p.entity != nil {
			value = idValue(lookup(p.entity, p.entityMembers, key))
		}
		set(key, value)
	}
	if p.entity != nil && ids["issue_id"] == "" {
		if parent, _ := lookupString(p.entity, p.entityMembers, "entity_type"); parent == "issue" {
			set("issue_id", idValue(lookup(p.entity, p.entityMembers, "entity_id")))
		}
	}
	return ids
}

// data builds {"current": <entity or whole body>, "native": <whole body>}.
func (p *nativePayload) data() []byte {
	current := p.entity
	if current == nil {
		current = p.body
	}
	data := make([]byte, 0, len(current)+len(p.body)+24)
	data = append(data, `{"current":`...)
	data = append(data, current...)
	data = append(data, `,"native":`...)
	data = append(data, p.body...)
	return append(data, '}')
}

// lookup returns the value of the member named key. The members' spans index
// buf.
func lookup(buf []byte, members []member, key string) ([]byte, bool) {
	for _, m := range members {
		if m.key.is(buf, key) {
			return buf[m.val.start:m.val.end], true
		}
	}
	return nil, false
}

// lookupString returns the string value of the member named key.
func lookupString(buf []byte, members []member, key string) (string, bool) {
	val, ok := lookup(buf, members, key)
	if !ok || val[0] != '"' {
		return "", false
	}
	return stringValue(val), true
}

// idValue returns an id given as a string or a number, or "" for anything else.
func idValue(val []byte, ok bool) string {
	switch {
	case !ok:
		return ""
	case val[0] == '"':
		return stringValue(val)
	case val[0] == '-' || (val[0] >= '0' && val[0] <= '9'):
		return string(val)
	default:
		return ""
	}
}
