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
	killedAt   []time.Time // by generation
	delivered  map[string][]arrival
	byEvent    map[string]map[string]bool // path to event ids delivered
}

// arrival is one delivery the receiver acknowledged with 2xx.
type arrival struct {
	generation int
	at         time.Time
}

func newChaosReceiver(t *testing.T, rng *rand.Rand) *chaosReceiver {
	r := &chaosReceiver{rng: rng, delivered: map[string][]arrival{},
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
	r.mu.Lock()
	delay := time.Duration(r.rng.IntN(20)) * time.Millisecond
	fail := r.rng.IntN(10) == 0
	generation := r.generation
	r.mu.Unlock()

	time.Sleep(delay)
	if fail {
		w.WriteHeader(http.StatusServiceUnavailable)
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
	id := req.Header.Get("Webhook-Id")
	r.delivered[id] = append(r.delivered[id], arrival{generation: generation, at: time.Now()})
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

// unexplainedDuplicate is a delivery that arrived twice without a kill to
// explain it.
type unexplainedDuplicate struct{ deliveryID, why string }

// duplicates counts the deliveries that arrived more than once. A repeat is
// explained only when the earlier arrival was in a generation that ended in a
// kill at most inFlightWindow later: its outcome may not have been on disk.
//
// retried reports whether the store recorded a failed attempt of a delivery:
// an attempt that reached the receiver but whose answer came after the
// sender's timeout (the machine was slow) is retried within one life, and
// that second arrival is the retry the store records, not a double dispatch.
func (r *chaosReceiver) duplicates(retried func(deliveryID string) bool) (int, []unexplainedDuplicate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	count := 0
	var unexplained []unexplainedDuplicate
	for id, arrivals := range r.delivered {
		for i := 1; i < len(arrivals); i++ {
			count++
			prev, next := arrivals[i-1], arrivals[i]
			switch {
			case next.generation == prev.generation && retried(id):
			case next.generation == prev.generation:
				unexplained = append(unexplained, unexplainedDuplicate{id, fmt.Sprintf("both arrivals in life %d of the process", prev.generation)})
			case r.killedAt[prev.generation].Sub(prev.at) > inFlightWindow:
				unexplained = append(unexplained, unexplainedDuplicate{id, fmt.Sprintf("the first arrived %s before the kill",
					r.killedAt[prev.generation].Sub(prev.at).Round(time.Millisecond))})
			}
		}
	}
	return count, unexplained
}

func (r *chaosReceiver) deliveredCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, arrivals := range r.delivered {
		n += len(arrivals)
	}
	return n
}
