package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
)

// testedEvent is one event of a `routes test` file, with the notes the
// output prints about how it was read.
type testedEvent struct {
	in    *event.Incoming
	notes []string
}

// testedEvents normalises the file as ingest would, except that an envelope
// may carry "derived": true, as the events Switchboard derives do in a
// connector's output. Such an event, and one of a type that only the
// scheduler makes (issue.overdue, system.daily_digest), is tested as a
// derived event, because routes match derived events by other rules.
func testedEvents(f *eventFile, received time.Time, maxBatch int) ([]testedEvent, error) {
	parents, err := f.takeDerivedFlags()
	if err != nil {
		return nil, err
	}
	events, err := f.incoming(received, maxBatch)
	if err != nil {
		return nil, err
	}

	out := make([]testedEvent, len(events))
	for i, in := range events {
		parent, flagged := parents[i]
		out[i], err = testedAs(in, flagged, parent)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// testedAs marks an event derived when the file flags it or its type is one
// only the scheduler makes, and notes a type Switchboard also derives.
func testedAs(in *event.Incoming, flagged bool, parent string) (testedEvent, error) {
	env := in.Envelope
	switch {
	case flagged:
		return asDerived(env, parent, "")
	case slices.Contains(derive.TimeTypes(), env.EventType):
		return asDerived(env, "", fmt.Sprintf("Switchboard derives %s itself, so this is tested as its derived event", env.EventType))
	case slices.Contains(derive.Types(), env.EventType):
		note := fmt.Sprintf("tested as an event Turbo sent; Switchboard also derives %s, and its derived copy matches "+
			"only routes that name the type or set derived: true (add \"derived\": true to the file to test that copy)", env.EventType)
		return testedEvent{in: in, notes: []string{note}}, nil
	}
	return testedEvent{in: in}, nil
}

// asDerived re-encodes an envelope as a derived event.
func asDerived(env *event.Envelope, parent, note string) (testedEvent, error) {
	env.Derived, env.ParentEventID = true, parent
	in, err := derive.Incoming(env)
	if err != nil {
		return testedEvent{}, err
	}
	var notes []string
	if note != "" {
		notes = append(notes, note)
	}
	return testedEvent{in: in, notes: notes}, nil
}

// takeDerivedFlags removes "derived": true and parent_event_id from the
// envelopes of the file, which ingest would reject with 400, and returns the
// parent id of each envelope that had the flag, by its index.
func (f *eventFile) takeDerivedFlags() (map[int]string, error) {
	if f.format != event.FormatEnvelope {
		return nil, nil
	}
	var many []map[string]json.RawMessage
	single := false
	if err := json.Unmarshal(f.body, &many); err != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(f.body, &one) != nil {
			return nil, nil // ingest's parser reports what is wrong
		}
		many, single = []map[string]json.RawMessage{one}, true
	}

	parents := map[int]string{}
	for i, doc := range many {
		if string(doc["derived"]) != "true" {
			continue
		}
		var parent string
		if raw, ok := doc["parent_event_id"]; ok && json.Unmarshal(raw, &parent) != nil {
			return nil, fmt.Errorf("%s: parent_event_id must be a string", f.name)
		}
		delete(doc, "derived")
		delete(doc, "parent_event_id")
		parents[i] = parent
	}
	if len(parents) == 0 {
		return nil, nil
	}
	if single {
		return parents, f.encode(many[0])
	}
	return parents, f.encode(many)
}
