// Package turbofake is a fake of Turbo's REST API on 127.0.0.1 for tests. It
// serves the real paths under /api/v1 (issues, their assign, close, reopen and
// tag calls, and comments), checks the bearer token, validates bodies as
// Turbo's FastAPI models do, and answers errors in FastAPI's shape:
// {"detail": "..."} for 401, 404 and 409, a list of problems for 422. Tests
// can script failures (a 409, a 429 with Retry-After, a 500) for the next
// matching requests.
//
// Like the real Turbo, the fake can post its own webhooks for the changes it
// applies, signed with X-Webhook-Signature: in native mode only what today's
// Turbo sends (issue.assigned when the assignee changes, issue.ready when the
// status becomes ready), in envelope mode an event for every change
// (issue.updated with previous, current and changes, issue.closed,
// issue.reopened, comment.created, comment.updated, comment.deleted).
package turbofake

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// Webhook modes.
const (
	// ModeNative posts what today's Turbo sends, to /v1/turbo/webhook.
	ModeNative = "native"
	// ModeEnvelope posts an envelope for every change, to /v1/events.
	ModeEnvelope = "envelope"
)

// Options configure Start.
type Options struct {
	// Token is the bearer token requests must carry; empty accepts any request.
	Token string
	// Clock stamps created_at and updated_at. Default: the system clock.
	Clock sdk.Clock
	// APIUser is the actor name of envelope webhooks for changes made through
	// the API. Default "switchboard".
	APIUser string
	// Webhook, when its URL is set, receives the fake's own webhooks.
	Webhook Webhook
	// Logf receives a line for each change the fake applies. Default:
	// Start's test log, New's discards them.
	Logf func(format string, args ...any)
}

// Webhook is where the fake posts the webhooks of the changes it applies.
type Webhook struct {
	// URL is Switchboard's base URL, such as "http://127.0.0.1:8470".
	URL string
	// Secret signs each body (X-Webhook-Signature: sha256=<hex HMAC>).
	Secret string
	// Mode is ModeNative (default) or ModeEnvelope.
	Mode string
}

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string
	Body   string
	Status int
}

// Failure is a scripted answer.
type Failure struct {
	Status int
	Detail string
	// RetryAfter, in whole seconds, is sent as Retry-After when set.
	RetryAfter time.Duration
}

// Server is a running fake.
type Server struct {
	opts  Options
	srv   *httptest.Server
	clock sdk.Clock
	hooks *connectortest.WebhookSender

	mu        sync.Mutex
	issues    map[string]*issueRecord
	keys      map[string]string
	order     []string
	comments  map[string]*commentRecord
	tags      map[string]string
	requests  []Request
	failures  connectortest.Script[Failure]
	nextIssue map[string]int
	projects  map[string]string
	// milestones are keyed by id.
	milestones map[string]*milestoneRecord
}

type issueRecord struct {
	issue Issue
	// tags holds the ids of the issue's tags.
	tags map[string]bool
}

type commentRecord struct {
	Comment
	deleted bool
}

// Start runs a fake on 127.0.0.1 until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	s := New(nil, opts)
	t.Cleanup(s.Close)
	return s
}

// New runs a fake on listener, or on a free port of 127.0.0.1 when listener
// is nil, until Close. It is for programs that are no test, such as
// tools/fakes.
func New(listener net.Listener, opts Options) *Server {
	if opts.Clock == nil {
		opts.Clock = sdk.SystemClock
	}
	if opts.APIUser == "" {
		opts.APIUser = "switchboard"
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	s := &Server{opts: opts, clock: opts.Clock, issues: map[string]*issueRecord{}, keys: map[string]string{},
		comments: map[string]*commentRecord{}, tags: map[string]string{}, nextIssue: map[string]int{}, projects: map[string]string{},
		milestones: map[string]*milestoneRecord{}}
	if opts.Webhook.URL != "" {
		if s.opts.Webhook.Mode == "" {
			s.opts.Webhook.Mode = ModeNative
		}
		s.hooks = connectortest.NewWebhookSender()
	}
	s.srv = connectortest.ServeOn(listener, http.HandlerFunc(s.serve))
	return s
}

// Close stops the fake and its webhook sender.
func (s *Server) Close() {
	if s.hooks != nil {
		s.hooks.Close()
	}
	s.srv.Close()
}

// URL returns the API root, such as "http://127.0.0.1:41234/api/v1".
func (s *Server) URL() string { return s.srv.URL + "/api/v1" }

// AddProject registers a project whose new issues get keys KEY-<n>.
func (s *Server) AddProject(id, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projects[id] = key
}

// AddTag registers a tag that issues can be given.
func (s *Server) AddTag(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tags[id] = name
}

// Fail answers the next n requests whose method is method and whose path
// starts with pathPrefix with f, before anything else. pathPrefix is
// relative to the API root, as "issues/"; "/issues/" and
// "/api/v1/issues/" name the same requests.
func (s *Server) Fail(method, pathPrefix string, n int, f Failure) {
	pathPrefix = strings.TrimPrefix(pathPrefix, "/api/v1")
	s.failures.Add(method, strings.TrimPrefix(pathPrefix, "/"), n, f)
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Issue returns an issue by id or key.
func (s *Server) Issue(idOrKey string) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.lookup(idOrKey)
	if rec == nil {
		return Issue{}, false
	}
	return s.view(rec), true
}

// Issues returns every issue in creation order.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.view(s.issues[id]))
	}
	return out
}

// Comments returns the comments on an entity that are not deleted, oldest
// first.
func (s *Server) Comments(entityID string) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.EntityID == entityID && !c.deleted {
			out = append(out, c.Comment)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// WaitWebhooks waits until every webhook the fake queued has been posted, or
// timeout passes; it reports whether the queue emptied.
func (s *Server) WaitWebhooks(timeout time.Duration) bool { return s.hooks.Wait(timeout) }

// WebhookFailures returns the webhooks Switchboard did not accept with 2xx.
func (s *Server) WebhookFailures() []string { return s.hooks.Failures() }

func (s *Server) lookup(idOrKey string) *issueRecord {
	if rec, ok := s.issues[idOrKey]; ok {
		return rec
	}
	if id, ok := s.keys[idOrKey]; ok {
		return s.issues[id]
	}
	return nil
}

func (s *Server) newID() string { return uuid.NewString() }

func (s *Server) now() time.Time { return s.clock.Now().UTC() }

// logf reports what the fake did to the test log.
func (s *Server) logf(format string, args ...any) { s.opts.Logf("turbofake: "+format, args...) }
