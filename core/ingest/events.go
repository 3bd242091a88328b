package ingest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/sdk/signature"
)

// postEvents serves POST /v1/events: envelopes, and CloudEvents in structured,
// batch and binary mode.
func (h *handler) postEvents(w http.ResponseWriter, r *http.Request) {
	received := h.clock.Now()

	kind, apiErr := eventsKind(r.Header)
	if apiErr != nil {
		h.fail(w, r, apiErr)
		return
	}
	body, apiErr := h.readBody(w, r)
	if apiErr == nil {
		apiErr = h.verify(r.Header, body)
	}
	if apiErr != nil {
		h.fail(w, r, apiErr)
		return
	}

	events, apiErr := h.parseEvents(kind, r.Header, body, received)
	if apiErr != nil {
		h.fail(w, r, apiErr)
		return
	}
	h.accept(w, r, events, received)
}

// parseEvents parses a POST /v1/events body of the given kind.
func (h *handler) parseEvents(kind bodyKind, header http.Header, body []byte, received time.Time) ([]*event.Incoming, *apiError) {
	var events []*event.Incoming
	var err error
	switch kind {
	case kindEnvelope:
		events, err = event.ParseEnvelopes(body, h.maxBatch)
		if err != nil {
			return nil, withNativeHint(parseError(err), header, body)
		}
	case kindCloudEvent, kindCloudEventBatch:
		if apiErr := checkStructuredShape(kind, body); apiErr != nil {
			return nil, apiErr
		}
		events, err = event.FromCloudEventStructured(body, h.maxBatch, received)
	case kindCloudEventBinary:
		attrs, apiErr := binaryAttributes(header)
		if apiErr != nil {
			return nil, apiErr
		}
		var in *event.Incoming
		in, err = event.FromCloudEventBinary(attrs, firstValue(header, "Content-Type"), body, received)
		events = []*event.Incoming{in}
	default:
		err = fmt.Errorf("unknown body kind %d", kind)
	}
	if err == nil {
		batch := kind == kindCloudEventBatch || (kind == kindEnvelope && firstByte(body) == '[')
		err = event.CheckNotReserved(events, batch)
	}
	if err != nil {
		return nil, parseError(err)
	}
	return events, nil
}

// nativeHint is added to an envelope error when the request looks like a
// delivery of Turbo's native webhook sent to the wrong endpoint.
const nativeHint = " (this looks like a Turbo native delivery; post it to /v1/turbo/webhook)"

// withNativeHint adds nativeHint to a 400 for an envelope body that has an
// X-Webhook-Event header and no top-level event_type, as Turbo's native
// deliveries do.
func withNativeHint(apiErr *apiError, header http.Header, body []byte) *apiError {
	if apiErr.status != http.StatusBadRequest || firstValue(header, signature.HeaderTurboEvent) == "" {
		return apiErr
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return apiErr // not one object, or not JSON, so not a native body
	}
	if _, ok := members["event_type"]; ok {
		return apiErr
	}
	apiErr.message += nativeHint
	return apiErr
}

// checkStructuredShape checks that application/cloudevents+json carries one
// object and application/cloudevents-batch+json an array.
func checkStructuredShape(kind bodyKind, body []byte) *apiError {
	first := firstByte(body)
	switch {
	case kind == kindCloudEvent && first == '[':
		return &apiError{status: http.StatusBadRequest, code: codeInvalidEvent,
			message: "application/cloudevents+json carries one event object; send a batch as application/cloudevents-batch+json"}
	case kind == kindCloudEventBatch && first == '{':
		return &apiError{status: http.StatusBadRequest, code: codeInvalidEvent,
			message: "application/cloudevents-batch+json carries an array of events; send one event as application/cloudevents+json"}
	}
	return nil
}

// firstByte returns the first byte of body that is not JSON whitespace, or 0.
func firstByte(body []byte) byte {
	for _, c := range body {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}

// postTurboWebhook serves POST /v1/turbo/webhook, Turbo's native webhook.
func (h *handler) postTurboWebhook(w http.ResponseWriter, r *http.Request) {
	received := h.clock.Now()

	apiErr := requireJSON(r.Header)
	if apiErr == nil {
		apiErr = requireHeaders(r.Header, signature.HeaderTurboEvent, signature.HeaderTurboDeliveryID)
	}
	var body []byte
	if apiErr == nil {
		body, apiErr = h.readBody(w, r)
	}
	if apiErr == nil {
		apiErr = h.verify(r.Header, body)
	}
	if apiErr != nil {
		h.fail(w, r, apiErr)
		return
	}

	in, err := event.FromTurboWebhook(firstValue(r.Header, signature.HeaderTurboEvent),
		firstValue(r.Header, signature.HeaderTurboDeliveryID), body, received)
	if err == nil {
		err = event.CheckNotReserved([]*event.Incoming{in}, false)
	}
	if err != nil {
		h.fail(w, r, parseError(err))
		return
	}
	h.accept(w, r, []*event.Incoming{in}, received)
}

// requireHeaders checks that each named header is present and not empty.
func requireHeaders(header http.Header, names ...string) *apiError {
	for _, name := range names {
		if firstValue(header, name) == "" {
			return &apiError{status: http.StatusBadRequest, code: codeInvalidEvent, field: name,
				message: "missing header " + name + "; Turbo's webhook sender sets X-Webhook-Event and X-Webhook-Delivery-Id on every delivery"}
		}
	}
	return nil
}

// accept hands the events to the Acceptor and writes the response.
func (h *handler) accept(w http.ResponseWriter, r *http.Request, events []*event.Incoming, received time.Time) {
	results, err := h.acceptor.Accept(r.Context(), events)
	if err != nil {
		h.fail(w, r, h.acceptError(r.Context(), err, events))
		return
	}
	if len(results) != len(events) {
		h.fail(w, r, internal(fmt.Errorf("the acceptor returned %d results for %d events", len(results), len(events))))
		return
	}
	h.writeAccepted(w, r, results, received)
}
