package file

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// line is one delivery as written to the file.
type line struct {
	DeliveryID  string     `json:"delivery_id"`
	Attempt     int        `json:"attempt"`
	Route       string     `json:"route"`
	Connector   string     `json:"connector"`
	DeliveredAt string     `json:"delivered_at"`
	Target      sdk.Params `json:"target"`
	Message     string     `json:"message,omitempty"`
	// Events are the envelopes as stored, compacted onto the one line.
	Events []json.RawMessage `json:"events"`
	// TotalEvents counts a digest's events, of which Events lists at most
	// the route's max_items. Suppressed counts the messages the route's
	// throttle suppressed before this one. Each is left out when it is 0.
	TotalEvents int `json:"total_events,omitempty"`
	Suppressed  int `json:"suppressed,omitempty"`
}

// encodeLine returns the JSON line for req, ending in a newline.
func encodeLine(connector string, req *sdk.DeliveryRequest, now time.Time) ([]byte, error) {
	entry := line{
		DeliveryID:  req.DeliveryID,
		Attempt:     req.Attempt,
		Route:       req.Route,
		Connector:   connector,
		DeliveredAt: now.UTC().Format(time.RFC3339Nano),
		Target:      req.Target,
		Message:     req.Message,
		Events:      make([]json.RawMessage, 0, len(req.Events)),
		TotalEvents: req.TotalEvents,
		Suppressed:  req.Suppressed,
	}
	if entry.Target == nil {
		entry.Target = sdk.Params{}
	}
	for _, event := range req.Events {
		if !json.Valid(event.Envelope) {
			return nil, fmt.Errorf("event %s has an envelope that is not valid JSON", event.ID)
		}
		entry.Events = append(entry.Events, event.Envelope)
	}

	var out bytes.Buffer
	encoder := json.NewEncoder(&out)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(entry); err != nil {
		return nil, fmt.Errorf("encode the line of delivery %s: %w", req.DeliveryID, err)
	}
	return out.Bytes(), nil
}
