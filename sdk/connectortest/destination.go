package connectortest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// maxRequestBody bounds the request body a Destination records.
const maxRequestBody = 16 << 20

// Response is what a Destination does with one request.
type Response struct {
	// Status is the response status. Default 200.
	Status int
	Header http.Header
	Body   string
	// Delay is a wait before responding. It ends early when the client goes
	// away or the test ends, and then nothing is sent.
	Delay time.Duration
	// Reset closes the connection with a TCP reset instead of responding.
	Reset bool
}

// Request is one request a Destination received.
type Request struct {
	Method string
	// URL holds the path and query as received.
	URL      *url.URL
	Header   http.Header
	Body     []byte
	Received time.Time
}

// Destination is an HTTP server on 127.0.0.1 that sends a scripted sequence of
// Responses, then its default response, and records every request. It stops
// when the test ends.
type Destination struct {
	server *httptest.Server

	mu         sync.Mutex
	script     []Response
	fallback   Response
	requests   []Request
	newRequest chan struct{} // closed and replaced on every request
	closing    chan struct{}
}

// NewDestination starts a destination whose default response is 200 with an
// empty body.
func NewDestination(t testing.TB) *Destination {
	t.Helper()
	d := &Destination{
		fallback:   Response{Status: http.StatusOK},
		newRequest: make(chan struct{}),
		closing:    make(chan struct{}),
	}
	d.server = httptest.NewServer(http.HandlerFunc(d.serveHTTP))
	t.Cleanup(func() {
		close(d.closing)
		d.server.Close()
	})
	return d
}

// URL returns the destination's base URL, such as "http://127.0.0.1:41234".
func (d *Destination) URL() string { return d.server.URL }

// Script appends responses for the next requests, in order.
func (d *Destination) Script(responses ...Response) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.script = append(d.script, responses...)
}

// SetDefault sets the response sent once the script is used up.
func (d *Destination) SetDefault(response Response) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fallback = response
}

// Requests returns the requests received so far.
func (d *Destination) Requests() []Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Request(nil), d.requests...)
}

// WaitRequests waits until at least n requests have arrived and returns them,
// or fails the test after timeout.
func (d *Destination) WaitRequests(t testing.TB, n int, timeout time.Duration) []Request {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		d.mu.Lock()
		if len(d.requests) >= n {
			requests := append([]Request(nil), d.requests...)
			d.mu.Unlock()
			return requests
		}
		arrived := d.newRequest
		got := len(d.requests)
		d.mu.Unlock()

		select {
		case <-arrived:
		case <-timer.C:
			t.Fatalf("destination received %d requests in %s, want %d", got, timeout, n)
		}
	}
}

func (d *Destination) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	response := d.record(Request{Method: r.Method, URL: r.URL, Header: r.Header.Clone(), Body: body, Received: time.Now()})

	if response.Delay > 0 && !d.wait(r, response.Delay) {
		return
	}
	if response.Reset {
		resetConnection(w)
		return
	}
	for name, values := range response.Header {
		w.Header()[name] = values
	}
	status := response.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	io.WriteString(w, response.Body)
}

// record stores req, wakes WaitRequests and returns the response for it.
func (d *Destination) record(req Request) Response {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.requests = append(d.requests, req)
	close(d.newRequest)
	d.newRequest = make(chan struct{})

	if len(d.script) == 0 {
		return d.fallback
	}
	response := d.script[0]
	d.script = d.script[1:]
	return response
}

// wait sleeps for delay and reports whether the response should still be sent.
func (d *Destination) wait(r *http.Request, delay time.Duration) bool {
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
		return false
	case <-d.closing:
		return false
	}
}

// resetConnection closes the request's connection with SO_LINGER 0, which sends
// a TCP RST instead of an orderly close.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic("connectortest: cannot hijack the connection to reset it: " + err.Error())
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}

// ClosedURL returns an http URL on 127.0.0.1 whose port refuses connections
// for the rest of the test.
func ClosedURL(t testing.TB) string {
	t.Helper()
	return "http://" + closedAddress(t)
}
