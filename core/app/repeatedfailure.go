package app

import (
	"sync"
	"time"
)

// repeatedFailureWindow is the shortest time between two log lines of one
// repeated failure.
const repeatedFailureWindow = time.Minute

// repeatedFailure bounds the log lines of a failure that every request meets
// while it lasts, such as a store that cannot be read during an outage.
type repeatedFailure struct {
	mu     sync.Mutex
	logged time.Time
	held   int
}

// take reports whether a failure at now is logged, and how many were held
// back since the last line that was.
func (r *repeatedFailure) take(now time.Time) (bool, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.logged.IsZero() && now.Sub(r.logged) < repeatedFailureWindow {
		r.held++
		return false, 0
	}
	held := r.held
	r.logged, r.held = now, 0
	return true, held
}
