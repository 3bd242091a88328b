package event

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// CloudEventsNamespace is the UUID namespace of the event ids derived from
// CloudEvents; see CloudEventID.
var CloudEventsNamespace = uuid.MustParse("b1210804-1981-423b-ac21-46bafd9b48e9")

// CloudEventID returns the event_id of a CloudEvent: the UUIDv5 of source, a
// newline and id in CloudEventsNamespace. CloudEvents makes source plus id unique,
// so a resent CloudEvent gets the same event_id and is recognised as a duplicate.
func CloudEventID(source, id string) string {
	return uuid.NewSHA1(CloudEventsNamespace, []byte(source+"\n"+id)).String()
}

// cloudEventExtra is the Extra key that keeps a CloudEvent's attributes.
const cloudEventExtra = "cloudevent"

// attributeOrder is the order of the known attributes in the "cloudevent" Extra
// object; extension attributes follow, sorted by name.
var attributeOrder = [...]string{"id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject", "time"}

// cloudEvent is one CloudEvent in either HTTP mode, before it becomes an
// envelope.
type cloudEvent struct {
	// fieldPrefix starts the names of attributes in errors: "" in structured
	// mode, "ce-" in binary mode, where attributes are headers.
	fieldPrefix string

	// attrs holds every attribute that is set, with its value as JSON.
	attrs []attribute

	id, source, specVersion, eventType, subject, time, contentType, dataSchema string

	// data is the event data: a compact JSON value when dataJSON is set, else the
	// raw bytes. dataBase64 is the data_base64 member of structured mode as sent.
	data       []byte
	dataJSON   bool
	dataBase64 []byte
}

// attribute is one CloudEvents context attribute with its value as JSON.
type attribute struct {
	name  string
	value []byte
}

// FromCloudEventStructured parses CloudEvents in structured mode: one event
// object (application/cloudevents+json) or an array of 1 to maxBatch of them
// (application/cloudevents-batch+json). received stamps events that carry no
// time. It returns the same error types as ParseEnvelopes.
//
// Each CloudEvent becomes an envelope: event_id is CloudEventID(source, id) and
// event_type the CloudEvent's type. When data is a JSON object with an
// event_type member it is read as an envelope (its event_id replaced by the
// derived one), and that event_type must equal the type. Otherwise entity_type
// and action come from the type's first and last segment when the type is of
// the <entity>.<action> form (else "cloudevent" and the whole type), entity_id
// is the subject, and data.current holds the data, or {"data_base64": ...} for
// data that is not JSON. The attributes are kept in the Extra key "cloudevent".
func FromCloudEventStructured(body []byte, maxBatch int, received time.Time) ([]*Incoming, error) {
	res, err := scanJSON(body, true)
	if err != nil {
		return nil, err
	}
	defer res.release()
	if err := checkBatch(res, maxBatch, "CloudEvent"); err != nil {
		return nil, err
	}

	batch := newBatch(res, FormatCloudEvents)
	members := res.members
	for i, elem := range res.elements {
		in, env := batch.at(i)
		var own []member
		own, members = splitMembers(members, i)

		ce, ferr := decodeStructured(res.compact, own)
		if ferr == nil {
			ferr = ce.toEnvelope(env, received)
		}
		if ferr != nil {
			return nil, batch.locate(ferr, i)
		}
		in.ContentHash = hashContent(FormatCloudEvents, "", res.compact[elem.start:elem.end])
	}

	if err := checkBatchConflicts(batch.out); err != nil {
		return nil, err
	}
	return batch.finish()
}

// FromCloudEventBinary converts a CloudEvent in binary mode. attrs maps each
// attribute name to its value: the ce- headers without their prefix, lowercase,
// with values percent-decoded. contentType is the request's Content-Type, which
// is the data's media type, and body is the data. The mapping is that of
// FromCloudEventStructured. The content hash covers the attributes, the
// content type and the data (compacted when it is JSON).
func FromCloudEventBinary(attrs map[string]string, contentType string, body []byte, received time.Time) (*Incoming, error) {
	ce, err := decodeBinary(attrs, contentType)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 && IsJSONMediaType(ce.contentType) {
		res, err := scanJSON(body, false)
		if err != nil {
			return nil, err
		}
		res.release()
		ce.data, ce.dataJSON = res.compact, true
	} else if len(body) > 0 {
		ce.data = body
	}

	env := &Envelope{}
	if ferr := ce.toEnvelope(env, received); ferr != nil {
		return nil, ferr
	}
	encoded, merr := env.appendJSON(make([]byte, 0, env.sizeHint()), false)
	if merr != nil {
		return nil, merr
	}
	hash := hashContent(FormatCloudEvents, ce.headerText(), ce.data)
	return &Incoming{Envelope: env, Format: FormatCloudEvents, ContentHash: hash, Body: encoded}, nil
}

// decodeStructured reads one structured-mode event object.
func decodeStructured(buf []byte, members []member) (*cloudEvent, *FieldError) {
	ce := &cloudEvent{attrs: make([]attribute, 0, len(members))}
	for _, m := range members {
		name := m.key.text(buf)
		val := buf[m.val.start:m.val.end]
		switch {
		case name == "data":
			if !isNull(val) {
				ce.data, ce.dataJSON = val, true
			}
		case name == "data_base64":
			if err := ce.setBase64(val); err != nil {
				return nil, err
			}
		case isNull(val):
			// CloudEvents treats a null attribute as absent.
		default:
			if err := ce.setAttribute(name, val); err != nil {
				return nil, err
			}
		}
	}

	if ce.dataJSON && ce.dataBase64 != nil {
		return nil, fieldError("data_base64", "set together with data; send the data in one of them")
	}
	if ce.dataJSON && ce.contentType != "" && !IsJSONMediaType(ce.contentType) && ce.data[0] == '"' {
		// Data of a non-JSON media type travels as a JSON string; without
		// datacontenttype, structured mode means application/json.
		ce.data, ce.dataJSON = []byte(stringValue(ce.data)), false
	}
	return ce, nil
}

// setBase64 keeps a data_base64 value after checking that it decodes.
func (ce *cloudEvent) setBase64(val []byte) *FieldError {
	if isNull(val) {
		return nil
	}
	if val[0] != '"' {
		return fieldError("data_base64", "must be a string of base64, got %s", kindOf(val))
	}
	if _, err := base64.StdEncoding.DecodeString(stringValue(val)); err != nil {
		return fieldError("data_base64", "is not valid base64 (standard alphabet, with padding)")
	}
	ce.dataBase64 = val
	return nil
}

// setAttribute records an attribute given as JSON. Known attributes must be
// strings; extension attributes may also be numbers or booleans.
func (ce *cloudEvent) setAttribute(name string, val []byte) *FieldError {
	field := ce.fieldPrefix + name
	if !isAttributeName(name) {
		return fieldError(field, "is not a CloudEvents attribute name; attribute names use only a-z and 0-9")
	}
	ce.attrs = append(ce.attrs, attribute{name: name, value: val})

	target := ce.knownAttribute(name)
	if target == nil {
		if val[0] == '{' || val[0] == '[' {
			return fieldError(field, "must be a string, number or boolean, got %s", kindOf(val))
		}
		return nil
	}
	if val[0] != '"' {
		return fieldError(field, "must be a string, got %s", kindOf(val))
	}
	*target = stringValue(val)
	return nil
}

// knownAttribute returns the field that holds the named attribute, or nil for
// an extension attribute.
func (ce *cloudEvent) knownAttribute(name string) *string {
	switch name {
	case "id":
		return &ce.id
	case "source":
		return &ce.source
	case "specversion":
		return &ce.specVersion
	case "type":
		return &ce.eventType
	case "subject":
		return &ce.subject
	case "time":
		return &ce.time
	case "datacontenttype":
		return &ce.contentType
	case "dataschema":
		return &ce.dataSchema
	}
	return nil
}

// decodeBinary reads the attributes of a binary-mode event.
func decodeBinary(attrs map[string]string, contentType string) (*cloudEvent, *FieldError) {
	ce := &cloudEvent{fieldPrefix: "ce-", attrs: make([]attribute, 0, len(attrs)+1)}
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	slices.Sort(names)

	for _, name := range names {
		value := attrs[name]
		if name == "datacontenttype" {
			// Binary mode carries the media type in Content-Type; the attribute
			// is used only when that header is missing.
			if contentType == "" {
				contentType = value
			}
			continue
		}
		if !utf8.ValidString(value) {
			return nil, fieldError("ce-"+name, "is not valid UTF-8 after percent-decoding; percent-encode the UTF-8 bytes of the value")
		}
		if err := ce.setAttribute(name, appendString(nil, value)); err != nil {
			return nil, err
		}
	}
	if contentType != "" {
		ce.contentType = contentType
		ce.attrs = append(ce.attrs, attribute{name: "datacontenttype", value: appendString(nil, contentType)})
	}
	return ce, nil
}

// headerText returns the attributes and content type as "name=value" lines,
// sorted, for the content hash of a binary-mode event.
func (ce *cloudEvent) headerText() string {
	lines := make([]string, 0, len(ce.attrs))
	for _, attr := range ce.attrs {
		lines = append(lines, attr.name+"="+string(attr.value))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// toEnvelope checks the required attributes and fills env.
func (ce *cloudEvent) toEnvelope(env *Envelope, received time.Time) *FieldError {
	if err := ce.checkRequired(); err != nil {
		return err
	}
	eventID := CloudEventID(ce.source, ce.id)

	if ce.wrapsEnvelope() {
		if err := ce.unwrapEnvelope(env, received); err != nil {
			return err
		}
	} else {
		env.EventType = ce.eventType
		env.EntityType, env.Action = "cloudevent", ce.eventType
		if isEventType(ce.eventType) {
			env.EntityType, env.Action = typeEntity(ce.eventType), typeAction(ce.eventType)
		}
		env.EntityID = ce.subject
		env.Data = ce.dataObject()
	}

	env.EventID = eventID
	if env.arrived.text == "" && env.Timestamp.IsZero() {
		if err := ce.setTimestamp(env, received); err != nil {
			return err
		}
	}
	if env.Extra == nil {
		env.Extra = make(map[string]json.RawMessage, 1)
	}
	env.Extra[cloudEventExtra] = ce.attributesJSON()
	return nil
}

// checkRequired checks id, source, specversion and type.
func (ce *cloudEvent) checkRequired() *FieldError {
	required := [...]struct{ name, value, example string }{
		{"specversion", ce.specVersion, `"1.0"`},
		{"id", ce.id, "a unique id within the source"},
		{"source", ce.source, `a URI reference such as "/turbo/projects"`},
		{"type", ce.eventType, `"issue.created"`},
	}
	for _, attr := range required {
		if attr.value == "" {
			return fieldError(ce.fieldPrefix+attr.name, "missing; every CloudEvent needs %s, for example %s", attr.name, attr.example)
		}
	}
	if ce.specVersion != "1.0" {
		return fieldError(ce.fieldPrefix+"specversion", "%s is not supported; send \"1.0\"", quoteValue(ce.specVersion))
	}
	return nil
}

// wrapsEnvelope reports whether the data is an envelope (an object with an
// event_type member).
func (ce *cloudEvent) wrapsEnvelope() bool {
	if !ce.dataJSON || ce.data[0] != '{' {
		return false
	}
	var scratch [16]member
	_, ok := lookup(ce.data, objectMembers(ce.data, scratch[:0]), "event_type")
	return ok
}

// unwrapEnvelope reads the data as an envelope and validates it with the
// derived event id, and with the event's time when the envelope has no
// timestamp. The envelope's event_type must equal the CloudEvent's type. Its
// errors name fields under "data.".
func (ce *cloudEvent) unwrapEnvelope(env *Envelope, received time.Time) *FieldError {
	members := objectMembers(ce.data, make([]member, 0, 16))
	err := decodeEnvelope(ce.data, members, env)
	if err == nil {
		err = ce.checkWrappedType(env.EventType)
	}
	if err == nil {
		env.EventID = CloudEventID(ce.source, ce.id)
		if env.arrived.text == "" {
			err = ce.setTimestamp(env, received)
		}
	}
	if err == nil {
		err = env.validate()
	}
	if err != nil {
		err.Field = "data." + err.Field
		return err
	}
	return nil
}

// checkWrappedType rejects a wrapped envelope whose event_type differs from
// the CloudEvent's type, because routes would see one type while the sender's
// CloudEvents tooling shows the other. An invalid event_type is left to
// validate, which explains the rule.
func (ce *cloudEvent) checkWrappedType(eventType string) *FieldError {
	if eventType == ce.eventType || !isEventType(eventType) {
		return nil
	}
	return fieldError("event_type", "%s differs from the CloudEvent's %s %s; send the same event type in both",
		quoteValue(eventType), ce.fieldPrefix+"type", quoteValue(ce.eventType))
}

// setTimestamp sets the time attribute as the timestamp, or received when the
// event has no time.
func (ce *cloudEvent) setTimestamp(env *Envelope, received time.Time) *FieldError {
	if ce.time == "" {
		env.Timestamp = received.UTC()
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, ce.time)
	if err != nil {
		return fieldError(ce.fieldPrefix+"time", "%s is not an RFC 3339 time; send it like \"2026-12-01T16:03:10Z\"", quoteValue(ce.time))
	}
	env.setArrivedTimestamp(t, ce.time)
	return nil
}

// dataObject returns {"current": <data>}, with data that is not JSON as
// {"data_base64": ...}; nil when the event has no data.
func (ce *cloudEvent) dataObject() []byte {
	switch {
	case ce.dataJSON:
		return wrapCurrent(ce.data)
	case ce.dataBase64 != nil:
		inner := append([]byte(`{"data_base64":`), ce.dataBase64...)
		return wrapCurrent(append(inner, '}'))
	case ce.data != nil:
		inner := base64.StdEncoding.AppendEncode([]byte(`{"data_base64":"`), ce.data)
		return wrapCurrent(append(inner, '"', '}'))
	default:
		return nil
	}
}

// wrapCurrent returns {"current": value}.
func wrapCurrent(value []byte) []byte {
	out := make([]byte, 0, len(value)+12)
	out = append(out, `{"current":`...)
	out = append(out, value...)
	return append(out, '}')
}

// attributesJSON returns the attributes as a JSON object: the known ones in
// attributeOrder, then extensions sorted by name.
func (ce *cloudEvent) attributesJSON() []byte {
	size := 2
	for _, attr := range ce.attrs {
		size += len(attr.name) + len(attr.value) + 4
	}
	out := make([]byte, 0, size)
	out = append(out, '{')

	for _, name := range attributeOrder {
		for _, attr := range ce.attrs {
			if attr.name == name {
				out = appendAttribute(out, attr)
			}
		}
	}
	extensions := make([]attribute, 0, len(ce.attrs))
	for _, attr := range ce.attrs {
		if !slices.Contains(attributeOrder[:], attr.name) {
			extensions = append(extensions, attr)
		}
	}
	slices.SortFunc(extensions, func(a, b attribute) int { return strings.Compare(a.name, b.name) })
	for _, attr := range extensions {
		out = appendAttribute(out, attr)
	}
	return append(out, '}')
}

func appendAttribute(out []byte, attr attribute) []byte {
	if len(out) > 1 {
		out = append(out, ',')
	}
	out = appendString(out, attr.name)
	out = append(out, ':')
	return append(out, attr.value...)
}

// isAttributeName reports whether name is a valid CloudEvents attribute name:
// lowercase ASCII letters and digits.
func isAttributeName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// IsJSONMediaType reports whether a media type (parameters allowed) is JSON,
// and so whether FromCloudEventBinary parses binary-mode data as JSON:
// application/json, text/json or any type with the +json suffix.
func IsJSONMediaType(contentType string) bool {
	mediaType, _, _ := strings.Cut(contentType, ";")
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	return mediaType == "application/json" || mediaType == "text/json" || strings.HasSuffix(mediaType, "+json")
}
