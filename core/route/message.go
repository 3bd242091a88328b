package route

import (
	"errors"
	"fmt"
	"maps"

	"github.com/turbocode/switchboard/core/event"
)

// RenderMessage renders the template of the named route over in, escaped for
// its connectors' markup. It returns false when the route has no template, so
// the connector sends its default message.
//
// With one event the template renders over that event's document. With several
// (a digest), it renders over the first event's keys plus "events", the list of
// every event's document: {{ range .events }}{{ .data.current.title }}{{ end }}.
func (t *Table) RenderMessage(route string, in []*event.Incoming) (string, bool, error) {
	return t.RenderMessageWith(route, in, MessageCounts{})
}

// MessageCounts are what a message reports beyond the events it lists.
type MessageCounts struct {
	// TotalEvents counts the events of a digest, those listed and the rest;
	// 0 for a message that is no digest.
	TotalEvents int
	// Suppressed counts the messages the route's throttle held back since
	// the previous one.
	Suppressed int
}

// RenderMessageWith is RenderMessage with counts: the template reads a
// digest's total as {{ .total_events }} and, when it is not 0, the throttle's
// count as {{ .suppressed }}.
func (t *Table) RenderMessageWith(route string, in []*event.Incoming, counts MessageCounts) (string, bool, error) {
	r, ok := t.byName[route]
	if !ok {
		return "", false, fmt.Errorf("render message: route %q is not in the loaded config; it may have been removed by a reload", route)
	}
	if r.message == nil {
		return "", false, nil
	}
	if len(in) == 0 {
		return "", true, errors.New("render message: no events to render")
	}

	doc, err := messageDocument(in, counts)
	if err != nil {
		return "", true, fmt.Errorf("render message of route %q: %w", route, err)
	}
	text, err := r.message.Execute(doc)
	if err != nil {
		return "", true, fmt.Errorf("render message of route %q: %w", route, err)
	}
	return text, true, nil
}

// messageDocument returns the document a message template renders over.
func messageDocument(in []*event.Incoming, counts MessageCounts) (map[string]any, error) {
	docs := make([]any, len(in))
	for i, incoming := range in {
		doc, err := incoming.Doc()
		if err != nil {
			return nil, fmt.Errorf("parse the body of event %s: %w", incoming.Envelope.EventID, err)
		}
		docs[i] = doc
	}

	first := docs[0].(map[string]any)
	if len(in) == 1 && counts == (MessageCounts{}) {
		return first, nil
	}
	combined := maps.Clone(first)
	if len(in) > 1 {
		combined["events"] = docs
	}
	if counts.TotalEvents > 0 {
		combined["total_events"] = counts.TotalEvents
	}
	if counts.Suppressed > 0 {
		combined["suppressed"] = counts.Suppressed
	}
	return combined, nil
}
