package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fault is what a faulty destination does to one attempt: it returns a
// status with headers, waits, or resets the connection. A nil fault
// responds 204.
type fault func(w http.ResponseWriter, r *http.Request)

// respond returns a fault that responds with status and the header pairs.
func respond(status int, header ...string) fault {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
	}
}

// stall waits d, or until the client gives up, before it responds 204.
func stall(d time.Duration) fault {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
			w.WriteHeader(http.StatusNoContent)
		case <-r.Context().Done():
		}
	}
}

// reset closes the connection with a TCP RST instead of responding.
func reset(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}

// faultServer is one destination with a script: the nth attempt of each
// delivery gets script[n-1], and attempts past the script's end get after,
// or 204 when after is nil. Each
// fault has a server of its own, so that it is a destination of its own for
// the dispatcher's circuits and Retry-After blocks.
type faultServer struct {
	server *httptest.Server

	mu       sync.Mutex
	script   []fault
	after    fault
	attempts map[string][]attemptSeen // by delivery id
	events   map[string]time.Time     // event id to its first successful arrival
	// inFlight counts the requests being handled, and maxInFlight is the
	// largest inFlight seen.
	inFlight    int
	maxInFlight int
}

// attemptSeen is one request the server received.
type attemptSeen struct {
	at      time.Time
	eventID string
}

func newFaultServer(t *testing.T, script ...fault) *faultServer {
	s := &faultServer{script: script, attempts: map[string][]attemptSeen{}, events: map[string]time.Time{}}
	s.server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.server.Close)
	return s
}

func (s *faultServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var e struct {
		EventID string `json:"event_id"`
	}
	json.Unmarshal(body, &e)
	id := r.Header.Get("Webhook-Id")
	now := time.Now()

	s.mu.Lock()
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	// The count drops before the server writes the response out, so the
	// client cannot start its next request while this one still counts.
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	s.attempts[id] = append(s.attempts[id], attemptSeen{at: now, eventID: e.EventID})
	n := len(s.attempts[id])
	f := s.after
	if n <= len(s.script) {
		f = s.script[n-1]
	}
	if f == nil {
		if _, seen := s.events[e.EventID]; !seen {
			s.events[e.EventID] = now
		}
	}
	s.mu.Unlock()

	if f == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	f(w, r)
}

// setAfter sets what every attempt past the script gets from now on, and
// clears the attempts seen so far.
func (s *faultServer) setAfter(after fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.after = after
	s.attempts = map[string][]attemptSeen{}
}

// gaps returns, for each delivery with more than n attempts, the time between
// its attempt n and attempt n+1, counted from 1.
func (s *faultServer) gaps(n int) []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Duration
	for _, seen := range s.attempts {
		if len(seen) > n {
			out = append(out, seen[n].at.Sub(seen[n-1].at))
		}
	}
	return out
}

// times returns the arrival times of every attempt of the one delivery the
// server has seen; it fails the test when it has seen several.
func (s *faultServer) times(t *testing.T) []time.Time {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.attempts) > 1 {
		t.Fatalf("%s saw %d deliveries, want 1", s.server.URL, len(s.attempts))
	}
	var out []time.Time
	for _, seen := range s.attempts {
		for _, a := range seen {
			out = append(out, a.at)
		}
	}
	return out
}

// attemptCount returns the requests received over all deliveries.
func (s *faultServer) attemptCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, seen := range s.attempts {
		n += len(seen)
	}
	return n
}

// maxConcurrent returns the largest number of requests handled at once.
func (s *faultServer) maxConcurrent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// arrivedAt returns when the event first arrived with a 204, if it did.
func (s *faultServer) arrivedAt(eventID string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.events[eventID]
	return at, ok
}

// closedPort returns a loopback address where nothing listens: it listens on
// a free port and closes it again.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// listenLater starts serving handler on addr, for a destination that comes
// up after the test began.
func listenLater(t *testing.T, addr string, handler http.Handler) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s again: %v", addr, err)
	}
	server := &http.Server{Handler: handler}
	go server.Serve(l)
	t.Cleanup(func() { server.Shutdown(context.Background()) })
}
