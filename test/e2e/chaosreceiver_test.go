package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// chaosReceiver is the destination of the chaos test. It responds after a
// random delay of up to 20ms, so that deliveries are in flight when a kill
// comes, and one request in ten with 503. It counts the process's lives: each
// kill starts a new generation.
type chaosReceiver struct {
	server  *httptest.Server
	running atomic.Int32

	mu         sync.Mutex
	rng        *rand.Rand
	generation int
	killedAt   []time.Time                // by generation
	arrivals   map[string][]arrival       // by delivery id, in the order received
	byEvent    map[string]map[string]bool // path to event ids delivered
}

// arrival is one request for a delivery and the status the receiver chose
// for it when the request came in.
type arrival struct {
	generation int
	at         time.Time
	// failed is set when the receiver responded 503.
	failed bool
}

func newChaosReceiver(t *testing.T, rng *rand.Rand) *chaosReceiver {
	r := &chaosReceiver{rng: rng, arrivals: map[string][]arrival{},
		byEvent: map[string]map[string]bool{"/all": {}, "/issues": {}, "/reloaded-a": {}, "/reloaded-b": {}}}
	r.server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.server.Close)
	return r
}

func (r *chaosReceiver) serve(w http.ResponseWriter, req *http.Request) {
	r.running.Add(1)
	defer r.running.Add(-1)
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	var e struct {
		EventID string `json:"event_id"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}

	r.mu.Lock()
	delay := time.Duration(r.rng.IntN(20)) * time.Millisecond
	fail := r.rng.IntN(10) == 0
	id := req.Header.Get("Webhook-Id")
	r.arrivals[id] = append(r.arrivals[id], arrival{generation: r.generation, at: time.Now(), failed: fail})
	r.mu.Unlock()

	time.Sleep(delay)
	if fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	r.mu.Lock()
	r.byEvent[req.URL.Path][e.EventID] = true
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// inFlight returns the number of requests being handled.
func (r *chaosReceiver) inFlight() int { return int(r.running.Load()) }

// killed records a kill at the given time and starts the next generation.
func (r *chaosReceiver) killed(at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.killedAt = append(r.killedAt, at)
	r.generation++
}

// missingDelivery is an accepted event that has not reached one of its paths.
type missingDelivery struct{ eventID, path string }

// missing returns the accepted events not yet delivered to every path their
// routes name.
func (r *chaosReceiver) missing(accepted map[string]routing) []missingDelivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []missingDelivery
	for id, want := range accepted {
		if !r.byEvent["/all"][id] {
			out = append(out, missingDelivery{id, "/all"})
		}
		if !want.issue {
			continue
		}
		if !r.byEvent["/issues"][id] {
			out = append(out, missingDelivery{id, "/issues"})
		}
		switch {
		case want.reloaded != "" && !r.byEvent[want.reloaded][id]:
			out = append(out, missingDelivery{id, want.reloaded})
		case want.reloaded == "" && !r.byEvent["/reloaded-a"][id] && !r.byEvent["/reloaded-b"][id]:
			out = append(out, missingDelivery{id, "/reloaded-a or /reloaded-b"})
		}
	}
	return out
}

// misrouted describes the accepted events that reached a reloaded path that
// the config which routed them does not name. One config routes each event,
// so no event reaches both.
func (r *chaosReceiver) misrouted(accepted map[string]routing) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for id, want := range accepted {
		a, b := r.byEvent["/reloaded-a"][id], r.byEvent["/reloaded-b"][id]
		switch {
		case !want.issue && (a || b):
			out = append(out, "event "+id+" is no issue event, but it reached a reloaded path")
		case a && b:
			out = append(out, "event "+id+" reached both /reloaded-a and /reloaded-b, so two configs routed it")
		case want.reloaded == "/reloaded-a" && b, want.reloaded == "/reloaded-b" && a:
			out = append(out, "event "+id+" was accepted while the config sending to "+want.reloaded+" was in force, but it reached the other path")
		}
	}
	return out
}

// unexplainedDuplicate is a delivery that arrived again after the receiver
// acknowledged it, with nothing to explain the repeat.
type unexplainedDuplicate struct{ deliveryID, why string }

// duplicates counts the arrivals of a delivery after the receiver responded
// 204 to an earlier arrival, and returns those that nothing explains. A
// repeat after a 503 is an ordinary retry and no duplicate. attemptBefore
// returns the attempt that the store recorded last before an arrival. A
// duplicate is explained in two cases. The store recorded a timeout or
// transport error for that attempt, so the sender stopped waiting before
// the 204 reached it. Or the earlier arrival came in an earlier life of the
// process, and the store has no record of an attempt still running when it
// came, so a kill lost the attempt's outcome.
func (r *chaosReceiver) duplicates(attemptBefore func(deliveryID string, at time.Time) (storedAttempt, bool)) (int, []unexplainedDuplicate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	count := 0
	var unexplained []unexplainedDuplicate
	for id, arrivals := range r.arrivals {
		for i := 1; i < len(arrivals); i++ {
			prev, next := arrivals[i-1], arrivals[i]
			if prev.failed {
				continue
			}
			count++
			attempt, found := attemptBefore(id, prev.at)
			gaveUp := found && attempt.status == 0 && attempt.err != ""
			// The store's durations have microseconds, and the next attempt
			// starts a backoff of at least 50ms later, so a millisecond of
			// slack distinguishes the attempt that carried the arrival
			// from an earlier one.
			recorded := found && !attempt.started.Add(attempt.duration+time.Millisecond).Before(prev.at)
			switch {
			case gaveUp:
			case next.generation != prev.generation && !recorded:
			case next.generation == prev.generation:
				unexplained = append(unexplained, unexplainedDuplicate{id, fmt.Sprintf(
					"both arrivals in life %d of the process; the receiver responded 204 to the first and the store recorded no timeout or transport error for its attempt",
					prev.generation)})
			default:
				unexplained = append(unexplained, unexplainedDuplicate{id, fmt.Sprintf(
					"the receiver responded 204 to the first in life %d of the process, and the store recorded that attempt with status %d before the kill %s later",
					prev.generation, attempt.status, r.killedAt[prev.generation].Sub(prev.at).Round(time.Millisecond))})
			}
		}
	}
	return count, unexplained
}

// deliveredCount returns the arrivals the receiver responded 204 to.
func (r *chaosReceiver) deliveredCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, arrivals := range r.arrivals {
		for _, a := range arrivals {
			if !a.failed {
				n++
			}
		}
	}
	return n
}
