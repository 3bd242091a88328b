package turbo

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// The fields whose changes an action expects back from Turbo.
const (
	fieldAssignee     = "assignee"
	fieldAssignedToID = "assigned_to_id"
	fieldPriority     = "priority"
	fieldStatus       = "status"
)

// maxEchoes bounds the echoes one entity's state remembers; the oldest go
// first.
const maxEchoes = 32

// guardState is the connector's state of one entity: the echoes its actions
// expect and the times of its recent actions, for the hop limit.
type guardState struct {
	Echoes  []echo   `json:"echoes,omitempty"`
	Actions []action `json:"actions,omitempty"`
}

// echo is the change an action made, which Turbo's next event about the
// entity reports back.
type echo struct {
	Route string    `json:"route"`
	Field string    `json:"field"`
	Value string    `json:"value"`
	Until time.Time `json:"until"`
	// Stamp identifies the change that was first taken for this echo (its
	// updated_at). Later events about the same change are echoes too; an
	// event about another change to the same value is not.
	Stamp string `json:"stamp,omitempty"`
}

// action is one action taken on the entity.
type action struct {
	Route  string    `json:"route"`
	Action string    `json:"action"`
	At     time.Time `json:"at"`
}

// decodeGuard reads stored state; empty state is an empty guard.
func decodeGuard(raw []byte) (*guardState, error) {
	g := &guardState{}
	if len(raw) == 0 {
		return g, nil
	}
	if err := json.Unmarshal(raw, g); err != nil {
		return &guardState{}, fmt.Errorf("read the loop guard's state: %w", err)
	}
	return g, nil
}

func (g *guardState) encode() []byte {
	data, _ := json.Marshal(g)
	return data
}

// prune forgets the echoes that expired and the actions older than window.
func (g *guardState) prune(now time.Time, window time.Duration) {
	g.Echoes = slices.DeleteFunc(g.Echoes, func(e echo) bool { return !now.Before(e.Until) })
	g.Actions = slices.DeleteFunc(g.Actions, func(a action) bool { return !a.At.After(now.Add(-window)) })
}

// echoOf returns the echo of route's own action that the event reports, and
// whether the state changed in finding it (an echo took its stamp, or a record
// that another change superseded was dropped).
func (g *guardState) echoOf(route string, ev *eventView) (*echo, bool) {
	changed := false
	for i := 0; i < len(g.Echoes); i++ {
		e := &g.Echoes[i]
		if e.Route != route || !ev.reports(e.Field) || ev.value(e.Field) != e.Value {
			continue
		}
		stamp := ev.stamp()
		switch e.Stamp {
		case "":
			e.Stamp = stamp
			return e, true
		case stamp:
			return e, changed
		}
		// Someone set the same value again after the echo came back: that is
		// a change of its own, and this record has done its work.
		g.Echoes = slices.Delete(g.Echoes, i, i+1)
		i--
		changed = true
	}
	return nil, changed
}

// expect records the change an action made, so that its echo is recognised
// until until.
func (g *guardState) expect(route, field, value string, until time.Time) {
	g.Echoes = slices.DeleteFunc(g.Echoes, func(e echo) bool { return e.Route == route && e.Field == field })
	g.Echoes = append(g.Echoes, echo{Route: route, Field: field, Value: value, Until: until})
	if len(g.Echoes) > maxEchoes {
		g.Echoes = g.Echoes[len(g.Echoes)-maxEchoes:]
	}
}

// record counts an action toward the hop limit, keeping at most limit.
func (g *guardState) record(route, name string, at time.Time, limit int) {
	g.Actions = append(g.Actions, action{Route: route, Action: name, At: at})
	if len(g.Actions) > limit {
		g.Actions = g.Actions[len(g.Actions)-limit:]
	}
}

// routes returns the names of the routes whose actions are counted, sorted.
func (g *guardState) routes() []string {
	var names []string
	for _, a := range g.Actions {
		if !slices.Contains(names, a.Route) {
			names = append(names, a.Route)
		}
	}
	slices.Sort(names)
	return names
}

// commentMarker matches the hidden marker the connector adds to its comments.
var commentMarker = regexp.MustCompile(`<!-- switchboard route=([a-z0-9][a-z0-9._-]*) delivery=([A-Za-z0-9_-]+) -->`)

// marker returns the hidden marker of a comment a route writes.
func marker(route, deliveryID string) string {
	return "<!-- switchboard route=" + route + " delivery=" + deliveryID + " -->"
}

// commentEchoOf reports whether the event is a comment that route wrote: its
// content carries the route's marker.
func commentEchoOf(route string, ev *eventView) bool {
	if ev.entityType != "comment" {
		return false
	}
	m := commentMarker.FindStringSubmatch(text(ev.current["content"]))
	return m != nil && m[1] == route
}
