package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/turbocode/switchboard/core/event"
)

// parseEventDocument reads an event as a user pastes it into the dry run:
// an envelope or an array of them, a CloudEvent in structured mode, or a
// Turbo native delivery written as {"headers": {...}, "body": {...}}.
func parseEventDocument(raw []byte, received time.Time, maxBatch int) ([]*event.Incoming, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, invalid("", "the body is empty; send an event as JSON")
	}
	if err := event.CheckJSON(raw); err != nil {
		return nil, invalid("", "%v. %s.", err, event.DocumentHint)
	}
	var probe map[string]json.RawMessage
	if raw[0] == '{' {
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, invalid("", "the body is not valid JSON: %v", err)
		}
	}

	var events []*event.Incoming
	var err error
	switch {
	case probe["headers"] != nil && probe["body"] != nil:
		events, err = nativeDelivery(probe, received)
	case probe["specversion"] != nil:
		events, err = event.FromCloudEventStructured(raw, maxBatch, received)
	default:
		events, err = event.ParseEnvelopes(raw, maxBatch)
	}
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, invalid("", "ingest would reject this event: %v", err)
	}
	return events, nil
}

// nativeDelivery normalises a Turbo native delivery as ingest would.
func nativeDelivery(probe map[string]json.RawMessage, received time.Time) ([]*event.Incoming, error) {
	var headers map[string]string
	if err := json.Unmarshal(probe["headers"], &headers); err != nil {
		return nil, invalid("headers", "headers must be an object of strings")
	}
	var body bytes.Buffer
	if err := json.Compact(&body, probe["body"]); err != nil {
		return nil, invalid("body", "body is not valid JSON: %v", err)
	}
	name, id := headerValue(headers, "X-Webhook-Event"), headerValue(headers, "X-Webhook-Delivery-Id")
	if name == "" || id == "" {
		return nil, invalid("headers", "a Turbo native delivery needs X-Webhook-Event and X-Webhook-Delivery-Id in headers")
	}
	in, err := event.FromTurboWebhook(name, id, body.Bytes(), received)
	if err != nil {
		return nil, err
	}
	return []*event.Incoming{in}, nil
}

func headerValue(headers map[string]string, name string) string {
	for k, v := range headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
