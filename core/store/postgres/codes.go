package postgres

import (
	"time"

	"github.com/turbocode/switchboard/core/store"
)

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

// nanos returns t as Unix nanoseconds, 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
