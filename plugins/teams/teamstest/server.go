// Package teamstest is a fake Microsoft Teams Workflows webhook on 127.0.0.1
// for tests: the trigger "When a Teams webhook request is received" of a
// Power Automate workflow, followed by the step that posts each attachment's
// Adaptive Card to a channel.
//
// Like the real trigger, the fake responds 202 Accepted with an
// x-ms-workflow-run-id header as soon as it has read a JSON body, and posts
// the card afterwards: a card that cannot be posted (larger than Teams' size
// limit, or not an Adaptive Card) fails its run, which the sender never
// learns from the response. It rejects unknown workflows (404), a missing or
// wrong signature (401), bodies that are not JSON (400) and other methods
// (405), and throttles more than four requests a second to one workflow with
// 429 and Retry-After. Scripted responses stand in for outages.
package teamstest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// MaxMessageBytes is the size above which the post step fails, as Teams'
// limit of about 28 KB per message does.
const MaxMessageBytes = 28000

// ThrottlePerSecond is the number of requests one workflow takes in a second
// before it responds 429: Teams throttles an incoming webhook that receives
// more than four requests in one second.
const ThrottlePerSecond = 4

// maxRequestBytes bounds the body the fake reads.
const maxRequestBytes = 1 << 20

// Response is a scripted response to one request.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Run is one request the trigger accepted, and the outcome of posting its
// card.
type Run struct {
	ID         string
	WorkflowID string
	Received   time.Time
	Body       []byte
	// Card is the first attachment's content, decoded; nil when there is none.
	Card map[string]any
	// Error is the reason posting the card failed, empty when it was posted.
	Error string
}

// Posted reports whether the run posted its card to the channel.
func (r Run) Posted() bool { return r.Error == "" }

// Options configure a Server.
type Options struct {
	// Clock times the throttling window. Default: the system clock.
	Clock sdk.Clock
	// ThrottlePerSecond replaces the number of requests a workflow takes in
	// a second before it responds 429; a negative value turns throttling
	// off. Default ThrottlePerSecond.
	ThrottlePerSecond int
}

// Server is the fake. It stops when the test ends.
type Server struct {
	server   *httptest.Server
	clock    sdk.Clock
	throttle int

	mu        sync.Mutex
	workflows map[string]string // workflow id to signature
	script    []Response
	// scripts holds the responses scripted for one workflow, by id.
	scripts map[string][]Response
	runs    []Run
	recent  map[string][]time.Time // workflow id to the times of its last requests
	newRun  chan struct{}          // closed and replaced on every run
}

// NewServer starts a fake with no workflows.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{
		clock:     opts.Clock,
		throttle:  opts.ThrottlePerSecond,
		workflows: map[string]string{},
		scripts:   map[string][]Response{},
		recent:    map[string][]time.Time{},
		newRun:    make(chan struct{}),
	}
	if s.clock == nil {
		s.clock = sdk.SystemClock
	}
	if s.throttle == 0 {
		s.throttle = ThrottlePerSecond
	}
	s.server = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.server.Close)
	return s
}

// NewWorkflow creates a workflow and returns its webhook URL, which has the
// shape of a Logic Apps trigger URL:
// http://127.0.0.1:PORT/workflows/<id>/triggers/manual/paths/invoke?api-version=2016-06-01&sp=...&sv=1.0&sig=<signature>.
func (s *Server) NewWorkflow() string {
	id, sig := randomHex(16), randomHex(22)
	s.mu.Lock()
	s.workflows[id] = sig
	s.mu.Unlock()
	return s.server.URL + "/workflows/" + id + "/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + sig
}

// URL returns the fake's base URL, such as http://127.0.0.1:41234.
func (s *Server) URL() string { return s.server.URL }

// Script appends responses for the next requests to any workflow, in order.
// A scripted response replaces the fake's own handling of the request.
func (s *Server) Script(responses ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, responses...)
}

// ScriptWorkflow appends responses for the next requests to the workflow of
// hookURL, a URL NewWorkflow returned. They come after the responses of
// Script.
func (s *Server) ScriptWorkflow(hookURL string, responses ...Response) {
	id := hookURL
	if u, err := url.Parse(hookURL); err == nil {
		id, _ = workflowID(u.Path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[id] = append(s.scripts[id], responses...)
}

// Runs returns the runs so far, in arrival order.
func (s *Server) Runs() []Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Run(nil), s.runs...)
}

// WaitRuns waits until at least n runs have started and returns them, or
// fails the test after timeout.
func (s *Server) WaitRuns(t testing.TB, n int, timeout time.Duration) []Run {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if len(s.runs) >= n {
			runs := append([]Run(nil), s.runs...)
			s.mu.Unlock()
			return runs
		}
		arrived, got := s.newRun, len(s.runs)
		s.mu.Unlock()

		select {
		case <-arrived:
		case <-timer.C:
			t.Fatalf("fake Teams started %d workflow runs in %s, want %d", got, timeout, n)
		}
	}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes))

	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) > 0 {
		next := s.script[0]
		s.script = s.script[1:]
		writeResponse(w, next)
		return
	}
	writeResponse(w, s.trigger(r, body))
}

// trigger handles one request to a workflow's trigger URL; the caller holds
// s.mu.
func (s *Server) trigger(r *http.Request, body []byte) Response {
	id, ok := workflowID(r.URL.Path)
	if !ok {
		return errorResponse(http.StatusNotFound, "InvalidRequestPath", fmt.Sprintf("The request path '%s' is not a workflow trigger.", r.URL.Path))
	}
	sig, known := s.workflows[id]
	if !known {
		return errorResponse(http.StatusNotFound, "WorkflowNotFound", fmt.Sprintf("The workflow '%s' could not be found.", id))
	}
	if r.Method != http.MethodPost {
		return errorResponse(http.StatusMethodNotAllowed, "TriggerRequestMethodNotValid", "The HTTP method for this request is not valid: expected 'Post' and actual '"+r.Method+"'.")
	}
	switch given := r.URL.Query().Get("sig"); {
	case given == "":
		return errorResponse(http.StatusUnauthorized, "DirectApiAuthorizationRequired", "The request must be authenticated only by Shared Access scheme.")
	case given != sig:
		return errorResponse(http.StatusUnauthorized, "DirectApiInvalidAuthorizationSignature", "The provided authorization signature is not valid.")
	}
	if next := s.scripts[id]; len(next) > 0 {
		s.scripts[id] = next[1:]
		return next[0]
	}
	if throttled, ok := s.countRequest(id); ok {
		return throttled
	}
	if !json.Valid(body) {
		return errorResponse(http.StatusBadRequest, "InvalidRequestContent", "The request content is not valid JSON.")
	}

	run := s.startRun(id, body)
	return Response{Status: http.StatusAccepted, Header: http.Header{"X-Ms-Workflow-Run-Id": {run.ID}}}
}

// countRequest counts a request to workflow id and returns a 429 when it is
// more than the throttle allows within one second; the caller holds s.mu.
func (s *Server) countRequest(id string) (Response, bool) {
	if s.throttle < 0 {
		return Response{}, false
	}
	now := s.clock.Now()
	recent := s.recent[id][:0]
	for _, at := range s.recent[id] {
		if now.Sub(at) < time.Second {
			recent = append(recent, at)
		}
	}
	if len(recent) >= s.throttle {
		s.recent[id] = recent
		response := errorResponse(http.StatusTooManyRequests, "WorkflowRequestsThrottled",
			fmt.Sprintf("The workflow received more than %d requests in one second; retry after the period in Retry-After.", s.throttle))
		response.Header.Set("Retry-After", "1")
		return response, true
	}
	s.recent[id] = append(recent, now)
	return Response{}, false
}

// startRun records a run and posts its card; the caller holds s.mu.
func (s *Server) startRun(workflow string, body []byte) Run {
	run := Run{ID: "08584" + randomDigits(21), WorkflowID: workflow, Received: s.clock.Now(), Body: body}
	run.Card, run.Error = postCard(body)
	s.runs = append(s.runs, run)
	close(s.newRun)
	s.newRun = make(chan struct{})
	return run
}

// workflowID reads the id from /workflows/<id>/triggers/manual/paths/invoke.
func workflowID(path string) (string, bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 6 || parts[0] != "workflows" || parts[2] != "triggers" || parts[4] != "paths" || parts[5] != "invoke" {
		return "", false
	}
	return parts[1], true
}

// errorResponse is an error in the JSON shape of Logic Apps' errors,
// {"error": {"code": ..., "message": ...}}.
func errorResponse(status int, code, message string) Response {
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}})
	return Response{Status: status, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, Body: string(body)}
}

func writeResponse(w http.ResponseWriter, response Response) {
	for name, values := range response.Header {
		w.Header()[name] = values
	}
	w.WriteHeader(response.Status)
	io.WriteString(w, response.Body)
}

func randomHex(bytes int) string {
	b := make([]byte, bytes)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomDigits(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}
