package derive

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/turbocode/switchboard/core/event"
)

// Prepared is an event read for deriving: the part of the work that needs no
// stored state, so the store's single writer does not spend its time on it.
type Prepared struct {
	in *event.Incoming
	// skip is set for an event that derives nothing and carries no state.
	skip bool
	// loc is the time zone of due dates written without a UTC offset.
	loc *time.Location

	current, previous snapshot
	hasPrevious       bool
	// currentKind is the JSON kind of a data.current that is not an object
	// ("string", "array", ...), and "" otherwise.
	currentKind string
}

// snapshot is an entity state and the fields the change rules read from it,
// with its member names when known.
type snapshot struct {
	raw    json.RawMessage
	fields Fields
	keys   []string
}

// readSnapshot reads a state's fields and member names in one pass.
func readSnapshot(raw json.RawMessage) snapshot {
	s := snapshot{raw: raw, keys: make([]string, 0, 16)}
	eachMember(raw, func(key, value []byte) bool {
		name := keyText(key)
		s.keys = append(s.keys, name)
		if set, ok := fieldReaders[name]; ok {
			set(&s.fields, value)
		}
		return true
	})
	return s
}

// Prepare reads an event's data.current and data.previous, with due dates
// that lack a UTC offset read in UTC.
func Prepare(in *event.Incoming) *Prepared {
	return PrepareIn(in, time.UTC)
}

// PrepareIn reads an event's data.current and data.previous, with due dates
// that lack a UTC offset read in loc (schedule.tz).
func PrepareIn(in *event.Incoming, loc *time.Location) *Prepared {
	p := &Prepared{in: in, loc: loc}
	env := in.Envelope
	if env.Derived || env.EntityID == "" {
		p.skip = true
		return p
	}
	var data struct{ Current, Previous json.RawMessage }
	eachMember(env.Data, func(key, value []byte) bool {
		switch keyText(key) {
		case "current":
			data.Current = value
		case "previous":
			data.Previous = value
		}
		return true
	})
	if !isObject(data.Current) {
		p.skip = true
		p.currentKind = jsonKind(data.Current)
		return p
	}

	p.current = readSnapshot(data.Current)
	if isObject(data.Previous) {
		p.previous, p.hasPrevious = readSnapshot(data.Previous), true
	}
	return p
}

// HasPrevious reports whether the event carries data.previous.
func (p *Prepared) HasPrevious() bool {
	return p.hasPrevious
}

// InvalidDueDate returns the event's due_date when data.current sets one that
// is not a date (ParseDueDate), so the caller can report it: the entity then
// has no due date and gets no due-date events. It returns "" otherwise.
func (p *Prepared) InvalidDueDate() string {
	if p.skip {
		return ""
	}
	return p.current.fields.invalidDueDate(p.loc)
}

// InvalidCurrent returns the JSON kind of the event's data.current when it
// is present, not null and not an object ("string", "number", "array",
// "boolean"), so the caller can report it: such an event derives nothing and
// carries no entity state. It returns "" otherwise.
func (p *Prepared) InvalidCurrent() string {
	return p.currentKind
}

// CurrentNotObjectNote returns the user message for a data.current of the
// given JSON kind (InvalidCurrent): what it means and how to fix it.
func CurrentNotObjectNote(kind string) string {
	return "data.current is a " + kind + ", not an object, so the event derives no change events and stores no " +
		`entity state; send the entity's fields as an object, like {"status":"closed"}`
}

// jsonKind returns the kind of a JSON value that is not an object, and "" for
// no value, null and an object.
func jsonKind(raw json.RawMessage) string {
	for _, b := range raw {
		switch {
		case b == ' ' || b == '\t' || b == '\n' || b == '\r':
			continue
		case b == '"':
			return "string"
		case b == '[':
			return "array"
		case b == 't' || b == 'f':
			return "boolean"
		case b == '-' || (b >= '0' && b <= '9'):
			return "number"
		}
		return ""
	}
	return ""
}

// InvalidUpdatedAt returns the event's updated_at when data.current sets one
// that is not an RFC 3339 time with a UTC offset, so the caller can report
// it: such a snapshot is never found late or equal to the stored version. It
// returns "" otherwise.
func (p *Prepared) InvalidUpdatedAt() string {
	if p.skip {
		return ""
	}
	return p.current.fields.invalidUpdatedAt()
}

// Changes derives the event's change events against stored, the entity's
// state before it (nil when never seen). The state before the event is
// data.previous over stored, and the state after it is data.current over
// that: a key that data.current lacks keeps its value, so a partial snapshot
// reports no change of the fields it leaves out, while an explicit null does.
func (p *Prepared) Changes(stored *Entity) (Result, error) {
	if p.skip {
		return Result{}, nil
	}
	env := p.in.Envelope
	var order int
	var ordered bool
	if stored != nil {
		order, ordered = compareVersions(p.current.fields, stored.Fields)
	}
	if ordered && order < 0 {
		// A snapshot older than the stored one arrived late: it neither
		// replaces the newer state nor derives a change.
		return Result{Late: true, ChangeID: p.lateChangeID(stored.Key)}, nil
	}
	same := ordered && order == 0
	before, known := p.before(stored, same)
	after := merged(before, p.current)
	stamp := changeStamp(p.current.fields, env.EventID)
	next := nextEntity(env, after, stored, p.loc, stamp)
	res := Result{Entity: next, SameVersion: same}
	if !known {
		return res, nil
	}

	changes := rules(env.EntityType, before.fields, after.fields)
	if !ordered && stored != nil && p.hasPrevious {
		changes = notShownBy(changes, rules(env.EntityType, stored.Fields, after.fields))
	}
	for _, c := range changes {
		id := changeID(next.Key, c, stamp)
		next.LastChange[c.eventType] = id
		if c.eventType == env.EventType {
			res.ChangeID = id
			continue
		}
		derived, err := newEvent(p.in, c, id, before.raw, after.raw)
		if err != nil {
			return Result{}, err
		}
		res.Derived = append(res.Derived, derived)
	}

	if res.ChangeID == "" && stored != nil && len(changes) == 0 {
		// The state already shows this change: an earlier event reported or
		// derived it. Turbo's own event for it is that same change.
		res.ChangeID = stored.LastChange[env.EventType]
	}
	return res, nil
}

// notShownBy returns the changes whose type is also among againstStored, the
// changes from the stored state. It is used for an event that cannot be
// ordered against the stored state, because one side has no valid updated_at.
// A change that the stored state already shows was reported or derived by an
// earlier event, so deriving it again would send it twice.
func notShownBy(changes, againstStored []change) []change {
	var unseen []change
	for _, c := range changes {
		if slices.ContainsFunc(againstStored, func(s change) bool { return s.eventType == c.eventType }) {
			unseen = append(unseen, c)
		}
	}
	return unseen
}

// before returns the state to compare with: the event's data.previous over
// the stored state, the one or the other alone, and known false when there is
// neither. An event of the version stored already (same) is compared with
// the stored state alone.
func (p *Prepared) before(stored *Entity, same bool) (snapshot, bool) {
	var base snapshot
	if stored != nil {
		base = snapshot{stored.State, stored.Fields, stored.keys}
	}
	if p.hasPrevious && !same {
		return merged(base, p.previous), true
	}
	return base, stored != nil
}

// merged returns update's state over base's (mergeState), reading the fields
// again only when the merge added members.
func merged(base, update snapshot) snapshot {
	if base.keys != nil && update.keys != nil && covers(update.keys, base.keys) {
		return update // a full snapshot: nothing of base remains
	}
	raw, added := mergeState(base.raw, update.raw)
	if !added {
		return update
	}
	return readSnapshot(raw)
}

// covers reports whether every name of some is in all.
func covers(all, some []string) bool {
	for _, name := range some {
		if !slices.Contains(all, name) {
			return false
		}
	}
	return true
}

// nextEntity returns the entity's state after the event, whose snapshot has
// the stamp given.
func nextEntity(env *event.Envelope, after snapshot, stored *Entity, loc *time.Location, stamp string) *Entity {
	f := after.fields
	next := &Entity{Key: env.EntityType + ":" + env.EntityID, Type: env.EntityType, ID: env.EntityID,
		ProjectID: env.Context["project_id"], State: after.raw, Fields: f, DueAt: f.dueAt(loc), Closed: f.isClosed(),
		LastChange: map[string]string{}, SeenAt: env.Timestamp, keys: after.keys}
	if next.ProjectID == "" {
		next.ProjectID = text(f.ProjectID)
	}
	if stored != nil {
		for k, v := range stored.LastChange {
			next.LastChange[k] = v
		}
	}
	if stored == nil || stored.Fields.dueKey() != f.dueKey() {
		next.LastChange[DueDateSetKey] = stamp
	}
	return next
}
