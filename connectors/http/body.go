package http

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

// buildBody returns the request body: the route's rendered message when there is
// one, whose values the host has already escaped for JSON, else the events in
// the configured format.
func buildBody(format string, req *sdk.DeliveryRequest) ([]byte, error) {
	if req.Message != "" {
		return []byte(req.Message), nil
	}
	if len(req.Events) == 0 {
		return nil, errors.New("the delivery has no events and no message to send")
	}
	// A digest is always an array, even of one event, so that a receiver
	// can tell it from a single event.
	digest := req.TotalEvents > 0
	if format == formatTurbo {
		return joinBodies(req.Events, digest, nativeBody)
	}
	return joinBodies(req.Events, digest, envelopeBody)
}

// joinBodies returns the one event's body, or a JSON array of every event's
// body when there are several or the events are a digest.
func joinBodies(events []sdk.Event, digest bool, body func(sdk.Event) ([]byte, error)) ([]byte, error) {
	if len(events) == 1 && !digest {
		return body(events[0])
	}
	out := []byte{'['}
	for i, event := range events {
		item, err := body(event)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, item...)
	}
	return append(out, ']'), nil
}

func envelopeBody(event sdk.Event) ([]byte, error) {
	if len(event.Envelope) == 0 {
		return nil, fmt.Errorf("event %s has no envelope to send", event.ID)
	}
	return event.Envelope, nil
}

// nativeEnvelope holds the parts of an envelope that Turbo's native shape uses.
type nativeEnvelope struct {
	EntityType string `json:"entity_type"`
	Data       struct {
		Native  json.RawMessage `json:"native"`
		Current json.RawMessage `json:"current"`
	} `json:"data"`
	Context struct {
		ProjectID string `json:"project_id"`
	} `json:"context"`
}

// nativeBody returns the body Turbo's own webhook sender would post for event:
// the native body as Turbo sent it when the event came from Turbo's webhook,
// else {"<entity_type>": data.current, "project_id": context.project_id}.
func nativeBody(event sdk.Event) ([]byte, error) {
	var envelope nativeEnvelope
	if err := json.Unmarshal(event.Envelope, &envelope); err != nil {
		return nil, fmt.Errorf("event %s has an invalid envelope: %w", event.ID, err)
	}
	if len(envelope.Data.Native) > 0 && string(envelope.Data.Native) != "null" {
		return envelope.Data.Native, nil
	}

	entityType := event.EntityType
	if entityType == "" {
		entityType = envelope.EntityType
	}
	if entityType == "" {
		return nil, fmt.Errorf("event %s has no entity_type to name its entity in the turbo format", event.ID)
	}
	current := envelope.Data.Current
	if len(current) == 0 {
		current = json.RawMessage("null")
	}

	out := make([]byte, 0, len(current)+len(entityType)+64)
	out = append(out, '{')
	out = appendJSONString(out, entityType)
	out = append(out, ':')
	out = append(out, current...)
	if envelope.Context.ProjectID != "" {
		out = append(out, `,"project_id":`...)
		out = appendJSONString(out, envelope.Context.ProjectID)
	}
	return append(out, '}'), nil
}

func appendJSONString(out []byte, s string) []byte {
	encoded, _ := json.Marshal(s) // a string always encodes
	return append(out, encoded...)
}
