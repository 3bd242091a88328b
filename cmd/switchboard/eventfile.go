package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/core/event"
)

// eventFile is an event file ready to post: an envelope (or an array of them), a
// CloudEvent in structured mode, or a delivery written as {"headers": {...},
// "body": {...}}: Turbo's native webhook (the shape of testdata/turbo/native),
// or GitHub's webhook when the headers have X-GitHub-Event.
type eventFile struct {
	name        string
	format      event.Format
	path        string // the ingest path it is posted to
	contentType string
	headers     map[string]string
	body        []byte
}

func readEventFile(name string, stdin io.Reader) (*eventFile, error) {
	var raw []byte
	var err error
	if name == "-" {
		raw, err = io.ReadAll(stdin)
	} else {
		raw, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("%s is empty; it must hold an event as JSON", name)
	}
	if err := event.CheckJSON(raw); err != nil {
		return nil, fmt.Errorf("%s: %w. %s.", name, err, event.DocumentHint)
	}
	if raw[0] == '[' {
		return &eventFile{name: name, format: event.FormatEnvelope, path: "/v1/events", contentType: "application/json", body: raw}, nil
	}

	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object or array: %w", name, err)
	}
	switch {
	case probe["headers"] != nil && probe["body"] != nil:
		return deliveryFile(name, probe)
	case probe["specversion"] != nil:
		return &eventFile{name: name, format: event.FormatCloudEvents, path: "/v1/events",
			contentType: "application/cloudevents+json", body: raw}, nil
	default:
		return &eventFile{name: name, format: event.FormatEnvelope, path: "/v1/events", contentType: "application/json", body: raw}, nil
	}
}

// deliveryFile reads a {"headers", "body"} file: GitHub's webhook when the
// headers have X-GitHub-Event, else Turbo's native webhook. The body is
// serialised once, compactly; those exact bytes are signed and sent, as both
// senders do.
func deliveryFile(name string, probe map[string]json.RawMessage) (*eventFile, error) {
	var headers map[string]string
	if err := json.Unmarshal(probe["headers"], &headers); err != nil {
		return nil, fmt.Errorf("%s: headers must be an object of strings: %w", name, err)
	}
	var body bytes.Buffer
	if err := json.Compact(&body, probe["body"]); err != nil {
		return nil, fmt.Errorf("%s: body: %w", name, err)
	}
	f := &eventFile{name: name, format: event.FormatTurbo, path: "/v1/turbo/webhook", contentType: "application/json",
		headers: headers, body: body.Bytes()}
	if ct := header(headers, "Content-Type"); ct != "" {
		f.contentType = ct
	}
	if header(headers, "X-GitHub-Event") != "" {
		f.format, f.path = event.FormatGitHub, "/v1/github/webhook"
		if header(headers, "X-GitHub-Delivery") == "" {
			headers["X-GitHub-Delivery"] = uuid.NewString()
		}
		return f, nil
	}
	if header(headers, "X-Webhook-Event") == "" || header(headers, "X-Webhook-Delivery-Id") == "" {
		return nil, fmt.Errorf("%s: a delivery file needs X-Webhook-Event and X-Webhook-Delivery-Id (Turbo) or X-GitHub-Event (GitHub) in headers", name)
	}
	return f, nil
}

// header looks a header up without regard to case.
func header(headers map[string]string, name string) string {
	for k, v := range headers {
		if equalFold(k, name) {
			return v
		}
	}
	return ""
}

func equalFold(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }

// incoming normalises the file the way ingest would, for `routes test`.
func (f *eventFile) incoming(received time.Time, maxBatch int) ([]*event.Incoming, error) {
	switch f.format {
	case event.FormatTurbo:
		in, err := event.FromTurboWebhook(header(f.headers, "X-Webhook-Event"), header(f.headers, "X-Webhook-Delivery-Id"), f.body, received)
		if err != nil {
			return nil, err
		}
		return []*event.Incoming{in}, nil
	case event.FormatGitHub:
		in, err := event.FromGitHubWebhook(header(f.headers, "X-GitHub-Event"), header(f.headers, "X-GitHub-Delivery"), f.body, received)
		if err != nil {
			return nil, err
		}
		return []*event.Incoming{in}, nil
	case event.FormatCloudEvents:
		return event.FromCloudEventStructured(f.body, maxBatch, received)
	default:
		return event.ParseEnvelopes(f.body, maxBatch)
	}
}

// renew gives the file's events new random ids: event_id in envelopes, id in a
// CloudEvent, X-Webhook-Delivery-Id in a Turbo delivery, X-GitHub-Delivery in a
// GitHub one. The body is encoded again, compactly.
func (f *eventFile) renew() error {
	if f.format == event.FormatTurbo || f.format == event.FormatGitHub {
		for k := range f.headers {
			if equalFold(k, "X-Webhook-Delivery-Id") || equalFold(k, "X-GitHub-Delivery") {
				f.headers[k] = uuid.NewString()
			}
		}
		return nil
	}

	key := "event_id"
	if f.format == event.FormatCloudEvents {
		key = "id"
	}
	var one map[string]any
	if err := json.Unmarshal(f.body, &one); err == nil {
		one[key] = uuid.NewString()
		return f.encode(one)
	}
	var many []map[string]any
	if err := json.Unmarshal(f.body, &many); err != nil {
		return fmt.Errorf("%s: give it new ids: %w", f.name, err)
	}
	for _, e := range many {
		e[key] = uuid.NewString()
	}
	return f.encode(many)
}

func (f *eventFile) encode(v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: encode: %w", f.name, err)
	}
	f.body = body
	return nil
}
