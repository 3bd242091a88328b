package derive

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/event"
)

// dueEntityTypes are the entity types with due-date events.
var dueEntityTypes = map[string]bool{"issue": true, "milestone": true}

// Due returns the due-date events an entity is owed at now: <type>.overdue
// once its due date has passed, else <type>.due_date_approaching for the
// smallest threshold before the due date that now has reached. Larger
// thresholds already passed are skipped, so an issue created a day before its
// due date gets the 24h warning and not also the 72h one. The ids cover the
// entity, the type, the threshold, the due date as written and the snapshot
// that set it (DueDateSetKey). Each warning therefore goes out once per due
// date, and a due date moved, also back to an earlier value, warns again. A
// change of schedule.tz moves the instant of a due date written without a UTC
// offset but not its id, so it warns nothing twice. The store's duplicate
// check drops the events already sent, and an event the entity's LastChange
// records as sent is not returned again.
func Due(e *Entity, now time.Time, thresholds []time.Duration) ([]*event.Incoming, error) {
	if e == nil || e.Closed || e.DueAt.IsZero() || !dueEntityTypes[e.Type] {
		return nil, nil
	}

	if !now.Before(e.DueAt) {
		return unsent(e, e.Type+".overdue", overdueDetail(e), e.DueAt, nil)
	}

	sorted := append([]time.Duration(nil), thresholds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	for _, threshold := range sorted {
		at := e.DueAt.Add(-threshold)
		if now.Before(at) {
			continue
		}
		return unsent(e, e.Type+".due_date_approaching", approachingDetail(e, threshold), at, &threshold)
	}
	return nil, nil
}

// unsent builds a due-date event unless the entity records it as sent.
func unsent(e *Entity, eventType, detail string, at time.Time, threshold *time.Duration) ([]*event.Incoming, error) {
	if sent(e, eventType, detail) {
		return nil, nil
	}
	in, err := dueEvent(e, eventType, detail, at, threshold)
	if err != nil {
		return nil, err
	}
	return []*event.Incoming{in}, nil
}

// sent reports whether the entity records the due-date event of this type and
// detail as sent.
func sent(e *Entity, eventType, detail string) bool {
	return e.LastChange[eventType] == dueID(e, eventType, detail)
}

// overdueDetail and approachingDetail identify a due-date event within its
// type: the due date as written and the stamp of the snapshot that set it,
// and for a warning also its threshold, so a moved due date is owed its
// events again.
func overdueDetail(e *Entity) string {
	return "due:" + e.Fields.dueKey() + "|set:" + e.LastChange[DueDateSetKey]
}

// dueKey identifies a due date whatever the zone it is read in: an RFC 3339
// time by its instant, so that another spelling of it is the same due date,
// and a due date without a UTC offset by its text, whose instant depends on
// schedule.tz.
func (f Fields) dueKey() string {
	written := text(f.DueDate)
	if at, err := time.Parse(time.RFC3339Nano, written); err == nil {
		return at.UTC().Format(time.RFC3339Nano)
	}
	return written
}

func approachingDetail(e *Entity, threshold time.Duration) string {
	return fmt.Sprintf("threshold:%s|%s", threshold, overdueDetail(e))
}

func dueID(e *Entity, eventType, detail string) string {
	return uuid.NewSHA1(Namespace, []byte(e.Key+"|"+eventType+"|"+detail)).String()
}

// NextDue returns when an entity is next owed a due-date event, zero when never
// (no due date, closed, or overdue sent already).
func NextDue(e *Entity, now time.Time, thresholds []time.Duration) time.Time {
	if e == nil || e.Closed || e.DueAt.IsZero() || !dueEntityTypes[e.Type] {
		return time.Time{}
	}
	if !now.Before(e.DueAt) && sent(e, e.Type+".overdue", overdueDetail(e)) {
		return time.Time{}
	}
	if owedWarning(e, now, thresholds) {
		return now
	}
	next := e.DueAt
	for _, threshold := range thresholds {
		if at := e.DueAt.Add(-threshold); at.After(now) && at.Before(next) {
			next = at
		}
	}
	return next
}

// dueEvent builds one due-date event, timed at the moment it became due, so
// that the same event built twice is the same. Besides data.current it
// carries data.due_at, the instant the due date was read as, and for a
// warning data.threshold, the threshold it reached ("24h").
func dueEvent(e *Entity, eventType, detail string, at time.Time, threshold *time.Duration) (*event.Incoming, error) {
	id := dueID(e, eventType, detail)
	fields := map[string]any{"current": e.State, "due_at": e.DueAt.UTC().Format(time.RFC3339)}
	if threshold != nil {
		fields["threshold"] = config.FormatDuration(*threshold)
	}
	data, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	_, action, _ := cutLast(eventType)
	env := &event.Envelope{EventID: id, EventType: eventType, Timestamp: at.UTC(), EntityType: e.Type, EntityID: e.ID,
		Action: action, Actor: &event.Actor{Type: "system", Name: "switchboard"}, Data: data, Derived: true}
	if e.ProjectID != "" {
		env.Context = map[string]string{"project_id": e.ProjectID}
	}
	if e.Type == "milestone" {
		env.Context = withContext(env.Context, "milestone_id", e.ID)
	}
	return Incoming(env)
}

func withContext(ctx map[string]string, key, value string) map[string]string {
	if ctx == nil {
		ctx = map[string]string{}
	}
	ctx[key] = value
	return ctx
}

// owedWarning reports whether the entity is inside a threshold whose warning
// it has not had: an issue created, or moved, to be due sooner than the
// smallest threshold is warned at once.
func owedWarning(e *Entity, now time.Time, thresholds []time.Duration) bool {
	if !now.Before(e.DueAt) {
		return false
	}
	smallest := time.Duration(-1)
	for _, threshold := range thresholds {
		if !now.Before(e.DueAt.Add(-threshold)) && (smallest < 0 || threshold < smallest) {
			smallest = threshold
		}
	}
	if smallest < 0 {
		return false
	}
	eventType := e.Type + ".due_date_approaching"
	return !sent(e, eventType, approachingDetail(e, smallest))
}
