package postgres

import "github.com/turbocode/switchboard/core/store"

// The state column stores store.State as a small integer, with the codes of
// the SQLite store.
var stateCodes = map[store.State]int16{
	store.StateScheduled: 0,
	store.StateDelivered: 1,
	store.StateDead:      2,
	store.StateSkipped:   3,
	store.StateCancelled: 4,
}

var stateNames = map[int16]store.State{0: store.StateScheduled, 1: store.StateDelivered, 2: store.StateDead,
	3: store.StateSkipped, 4: store.StateCancelled}

var (
	nanos     = store.UnixNanos
	fromNanos = store.FromUnixNanos
)
