package main

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// entityStates are the stored entity states `routes test --store` derives
// against; without --store there are none.
type entityStates struct {
	reader store.EntityReader
	// source names the store for people: a file path or a redacted DSN.
	source string
}

// openEntityStates opens the configured store read-only when use is set.
func openEntityStates(cfg *config.Config, use bool) (*entityStates, error) {
	if !use {
		return &entityStates{}, nil
	}
	reader, err := app.OpenEntityReader(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	return &entityStates{reader: reader, source: cfg.Storage.Driver + " " + config.RedactDSN(cfg.Storage.DSN)}, nil
}

func (s *entityStates) printSource(w io.Writer) {
	if s.reader != nil {
		fmt.Fprintf(w, "deriving against the entity states stored in %s (read-only)\n\n", s.source)
	}
}

// entity returns the stored state of the event's entity; nil without --store
// or when the store has none.
func (s *entityStates) entity(env *event.Envelope) (*derive.Entity, error) {
	if s.reader == nil || env.EntityID == "" {
		return nil, nil
	}
	return s.reader.Entity(context.Background(), entityKey(env))
}

// storedNotes looks the event's id up in the store, with --store: a resend
// of a stored event is a duplicate, and one with another body a conflict.
// stored reports either, because ingest would then derive nothing.
func (s *entityStates) storedNotes(in *event.Incoming) (notes []string, stored bool, err error) {
	if s.reader == nil {
		return nil, false, nil
	}
	hash, err := s.reader.EventHash(context.Background(), in.Envelope.EventID)
	switch {
	case err != nil:
		return nil, false, err
	case hash == nil:
		return nil, false, nil
	case bytes.Equal(hash, in.ContentHash[:]):
		return []string{"stored already: a resend is a duplicate (ingest answers 200 with \"duplicate\": true), " +
			"so it routes nothing and derives nothing; the routes below are those it matches as a new event"}, true, nil
	}
	return []string{"an event with this id is stored already with another body: ingest would reject this one " +
		"with 409; send it under a new event_id"}, true, nil
}

func (s *entityStates) close() {
	if s.reader != nil {
		s.reader.Close()
	}
}

func entityKey(env *event.Envelope) string {
	return env.EntityType + ":" + env.EntityID
}

// printDerived shows the change events the event derives and the routes each
// matches. It compares with data.previous over the entity's stored state, as
// the daemon does, when --store gives one, else with data.previous alone.
func printDerived(w io.Writer, plan *app.Plan, previews *previewer, states *entityStates, in *event.Incoming) error {
	env := in.Envelope
	if env.Derived || in.Format == event.FormatGitHub {
		// GitHub's entities are not Turbo's: nothing is derived from them.
		return nil
	}
	stored, err := states.entity(env)
	if err != nil {
		return err
	}
	prepared := derive.PrepareIn(in, plan.Config.Schedule.Location)
	res, err := prepared.Changes(stored)
	if err != nil {
		return err
	}

	printDeriveNotes(w, env, prepared, stored, res)
	basis := deriveBasis(env, prepared, states, stored)
	if res.SameVersion {
		basis = "from the stored state of " + entityKey(env) + ", which has this event's updated_at " +
			"(its changes were derived when that version arrived, so data.previous is not compared)"
	}
	if len(res.Derived) == 0 {
		fmt.Fprintf(w, "derives no events %s\n\n", basis)
	} else {
		fmt.Fprintf(w, "derives %s, %s:\n\n", eventCount(len(res.Derived)), basis)
	}
	for _, derived := range res.Derived {
		if storedAlready(stored, derived.Envelope.EventID) {
			fmt.Fprintf(w, "event %s  %s  (%s)\n  stored already: it would be a duplicate and route nothing\n\n",
				derived.Envelope.EventID, derived.Envelope.EventType, derived.Format)
			continue
		}
		printDecisions(w, plan, previews, derived)
	}
	return printDue(w, plan, previews, res.Entity)
}

// printDue shows the due-date event the entity's new state is owed at once,
// such as the 24h warning of an issue created due in an hour, which the
// scheduler sends at its next pass.
func printDue(w io.Writer, plan *app.Plan, previews *previewer, entity *derive.Entity) error {
	schedule := plan.Config.Schedule
	due, err := derive.Due(entity, routesNow(), schedule.DueSoon)
	if err != nil || len(due) == 0 {
		return err
	}
	fmt.Fprintf(w, "is owed %s now, which the scheduler derives at its next pass (every %s):\n\n",
		eventCount(len(due)), config.FormatDuration(schedule.Interval))
	for _, in := range due {
		printDecisions(w, plan, previews, in)
	}
	return nil
}

// eventCount returns "1 event" or "n events".
func eventCount(n int) string {
	if n == 1 {
		return "1 event"
	}
	return fmt.Sprintf("%d events", n)
}

// printDeriveNotes explains what else deriving found: a due date that is no
// date, a late snapshot, and the change the event itself reports.
func printDeriveNotes(w io.Writer, env *event.Envelope, prepared *derive.Prepared, stored *derive.Entity, res derive.Result) {
	var notes []string
	if kind := prepared.InvalidCurrent(); kind != "" {
		notes = append(notes, derive.CurrentNotObjectNote(kind))
	}
	if bad := prepared.InvalidDueDate(); bad != "" {
		notes = append(notes, fmt.Sprintf("due_date %q is not a date, so the entity would get no due-date events; "+
			"write it as 2026-12-10, 2026-12-10T17:00:00 or 2026-12-10T17:00:00Z", bad))
	}
	if bad := prepared.InvalidUpdatedAt(); bad != "" {
		notes = append(notes, fmt.Sprintf("updated_at %q is not an RFC 3339 time with a UTC offset, so this snapshot "+
			"is never found late; write it as 2026-12-10T17:00:00Z", bad))
	}
	if res.Late {
		notes = append(notes, fmt.Sprintf("the stored state of %s has a later updated_at than this event's data.current: "+
			"the event arrived late, so it derives nothing and leaves the state as it is", entityKey(env)))
	}
	switch {
	case res.ChangeID == "":
	case storedAlready(stored, res.ChangeID):
		notes = append(notes, fmt.Sprintf("this event reports change %s, which is stored already: ingest would record "+
			"the event as a duplicate and route nothing", res.ChangeID))
	default:
		notes = append(notes, fmt.Sprintf("this event reports change %s: if that change was derived already, it is a "+
			"duplicate and routes nothing", res.ChangeID))
	}

	for _, note := range notes {
		fmt.Fprintf(w, "  %s\n", note)
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
	}
}

// deriveBasis returns what the event was compared with, for the heading.
func deriveBasis(env *event.Envelope, prepared *derive.Prepared, states *entityStates, stored *derive.Entity) string {
	key := entityKey(env)
	switch {
	case prepared.HasPrevious() && stored != nil:
		return "from data.previous over the stored state of " + key
	case prepared.HasPrevious() && states.reader != nil && env.EntityID != "":
		return "from data.previous (the store has no state of " + key + ")"
	case prepared.HasPrevious():
		return "from data.previous"
	case stored != nil:
		return "from the stored state of " + key
	case states.reader != nil && env.EntityID != "":
		return "(the store has no state of " + key + " and the event has no data.previous, so this is its first known state)"
	default:
		return "from data.previous (without it, the daemon compares with the entity's stored state; add --store to compare with it)"
	}
}

// storedAlready reports whether the entity records the change id as stored,
// so that the daemon would find it a duplicate.
func storedAlready(stored *derive.Entity, id string) bool {
	if stored == nil {
		return false
	}
	for _, known := range stored.LastChange {
		if known == id {
			return true
		}
	}
	return false
}
