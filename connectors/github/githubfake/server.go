// Package githubfake is a fake of GitHub's REST API on 127.0.0.1 for tests,
// for the calls the GitHub connector makes: issues (create, read, edit, list
// with filters and pages), their labels, assignees and comments,
// repository_dispatch, GET /repos/{owner}/{repo} and GET /user. It behaves like github.com where tests
// depend on it:
//
//   - tokens are checked (401 "Bad credentials") and every response carries the
//     x-ratelimit-* headers of the primary limit; past it, 403 with
//     x-ratelimit-remaining: 0;
//   - mutating requests count against the secondary limit (80 a minute and 500
//     an hour per token by default); past it, 403 or 429 with retry-after and
//     the documentation_url that names secondary rate limits;
//   - a body or comment over 65,536 characters, a title over 256, an unknown
//     assignee or a dispatch payload with more than 10 top-level keys are
//     422 "Validation Failed";
//   - every change is sent to the configured webhook URL as GitHub sends it:
//     issues and issue_comment events with their action, the sender, the
//     repository and, on edits, the old values, signed with
//     X-Hub-Signature-256 (and the legacy X-Hub-Signature) and carrying
//     X-GitHub-Event and X-GitHub-Delivery.
//
// Times come from the injected clock, so limits reset when a test moves it.
package githubfake

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// Limits GitHub documents for issues and comments.
const (
	MaxBodyChars  = 65536
	MaxTitleChars = 256
)

// Options configure Start.
type Options struct {
	// Clock dates issues, comments and rate-limit windows. Default: the system clock.
	Clock sdk.Clock
	// WebhookURL receives the fake's webhooks, such as
	// "http://127.0.0.1:8470/v1/github/webhook"; none are sent when empty.
	WebhookURL string
	// WebhookSecret signs the webhooks.
	WebhookSecret string
	// PrimaryLimit is the requests per hour per token. Default 5000.
	PrimaryLimit int
	// ContentPerMinute and ContentPerHour bound the mutating requests per
	// token. Defaults 80 and 500.
	ContentPerMinute int
	ContentPerHour   int
	// SecondaryStatus is the status of a secondary-limit response, 403
	// (default) or 429.
	SecondaryStatus int
	// OmitRetryAfter leaves retry-after out of secondary-limit responses.
	OmitRetryAfter bool
	// Logf receives a line for each issue opened, each secondary limit hit
	// and each webhook that got no 2xx answer. Default: Start's test log, New's discards them.
	Logf func(format string, args ...any)
}

// User is an account of the fake.
type User struct {
	Login string
	ID    int64
	// Type is "User" or "Bot".
	Type string
}

// Issue is an issue as the fake holds it.
type Issue struct {
	ID          int64
	Number      int
	Repo        string
	Title       string
	Body        string
	State       string
	StateReason string
	Labels      []string
	Assignees   []string
	Author      string
	Comments    int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ClosedAt    *time.Time
}

// Comment is an issue comment as the fake holds it.
type Comment struct {
	ID        int64
	Repo      string
	Issue     int
	Body      string
	Author    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Dispatch is one repository_dispatch the fake received.
type Dispatch struct {
	Repo          string
	EventType     string
	ClientPayload map[string]any
	Sender        string
}

// Request is one request the fake answered.
type Request struct {
	Method string
	Path   string
	Query  string
	Body   string
	Login  string
	Status int
	At     time.Time
}

// Failure is a scripted answer: Status with a JSON message, or Stall, which
// applies the request and then sends no answer until the client gives up, as a
// timeout after GitHub did the work looks to the client.
type Failure struct {
	Status  int
	Message string
	Header  http.Header
	Stall   bool
}

type repo struct {
	id     int64
	owner  string
	name   string
	issues map[int]*Issue
	next   int
	// issuesOff is set for a repository whose issues are turned off in its
	// settings, so that its issue calls respond with 410.
	issuesOff bool
}

// Server is a running fake.
type Server struct {
	opts  Options
	clock sdk.Clock
	srv   *httptest.Server
	hooks *connectortest.WebhookSender

	mu         sync.Mutex
	users      map[string]*User // by token
	repos      map[string]*repo
	comments   map[int64]*Comment
	dispatches []Dispatch
	requests   []Request
	failures   connectortest.Script[Failure]
	limits     map[string]*tokenLimits
	nextID     int64
	deliveries map[string]connectortest.Webhook
	// held collects webhooks while HoldWebhooks is in force.
	held    []connectortest.Webhook
	holding bool
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
	if opts.PrimaryLimit <= 0 {
		opts.PrimaryLimit = 5000
	}
	if opts.ContentPerMinute <= 0 {
		opts.ContentPerMinute = 80
	}
	if opts.ContentPerHour <= 0 {
		opts.ContentPerHour = 500
	}
	if opts.SecondaryStatus == 0 {
		opts.SecondaryStatus = http.StatusForbidden
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	s := &Server{opts: opts, clock: opts.Clock, users: map[string]*User{}, repos: map[string]*repo{},
		comments: map[int64]*Comment{}, limits: map[string]*tokenLimits{}, nextID: 1000, deliveries: map[string]connectortest.Webhook{}}
	if opts.WebhookURL != "" {
		s.hooks = connectortest.NewWebhookSender()
		s.hooks.OnFailure(func(w connectortest.Webhook, err error) {
			opts.Logf("githubfake: %s webhook %s not delivered, and not sent again: %v",
				w.Header.Get("X-GitHub-Event"), w.Header.Get("X-GitHub-Delivery"), err)
		})
	}
	s.srv = connectortest.ServeOn(listener, http.HandlerFunc(s.serve))
	return s
}

// Close stops the fake and its webhook sender.
func (s *Server) Close() {
	if s.hooks != nil {
		s.hooks.Close()
	}
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// logf reports what the fake did.
func (s *Server) logf(format string, args ...any) { s.opts.Logf("githubfake: "+format, args...) }

// URL returns the API base for go-github's BaseURL, with its trailing slash.
func (s *Server) URL() string { return s.srv.URL + "/" }

// AddUser creates an account that authenticates with token.
func (s *Server) AddUser(login, token, userType string) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if userType == "" {
		userType = "User"
	}
	u := &User{Login: login, ID: s.newID(), Type: userType}
	s.users[token] = u
	return *u
}

// AddRepo creates a repository, "owner/name".
func (s *Server) AddRepo(fullName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	owner, name, _ := strings.Cut(fullName, "/")
	s.repos[fullName] = &repo{id: s.newID(), owner: owner, name: name, issues: map[int]*Issue{}}
}

// TurnOffIssues turns a repository's issues off, as its settings can. GET
// /repos/{owner}/{repo} then reports has_issues false, and its issue calls
// respond with 410 Gone.
func (s *Server) TurnOffIssues(fullName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.repos[fullName]; r != nil {
		r.issuesOff = true
	}
}

// Fail answers the next n requests with method whose path starts with
// pathPrefix (such as "/repos/o/r/issues") with f, before anything else.
func (s *Server) Fail(method, pathPrefix string, n int, f Failure) {
	s.failures.Add(method, pathPrefix, n, f)
}

// Issue returns an issue of a repository.
func (s *Server) Issue(repoName string, number int) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repoName]
	if r == nil || r.issues[number] == nil {
		return Issue{}, false
	}
	return copyIssue(r.issues[number]), true
}

// Issues returns a repository's issues by number.
func (s *Server) Issues(repoName string) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repoName]
	if r == nil {
		return nil
	}
	out := make([]Issue, 0, len(r.issues))
	for _, issue := range r.issues {
		out = append(out, copyIssue(issue))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// Comments returns an issue's comments, oldest first.
func (s *Server) Comments(repoName string, number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.Repo == repoName && c.Issue == number {
			out = append(out, *c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Dispatches returns the repository_dispatch requests received.
func (s *Server) Dispatches() []Dispatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Dispatch(nil), s.dispatches...)
}

// Requests returns every request answered, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// WaitWebhooks waits until every queued webhook has been posted, or timeout
// passes, and reports whether the queue emptied.
func (s *Server) WaitWebhooks(timeout time.Duration) bool { return s.hooks.Wait(timeout) }

// WebhookFailures returns the webhooks that got no 2xx answer.
func (s *Server) WebhookFailures() []string { return s.hooks.Failures() }

// HoldWebhooks keeps the webhooks of later changes until SendHeld, so that a
// test can deliver them in another order.
func (s *Server) HoldWebhooks() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holding = true
}

// SendHeld sends the held webhooks, newest first when reverse is set, and
// stops holding.
func (s *Server) SendHeld(reverse bool) int {
	s.mu.Lock()
	held := s.held
	s.held, s.holding = nil, false
	s.mu.Unlock()
	for i := range held {
		w := held[i]
		if reverse {
			w = held[len(held)-1-i]
		}
		s.hooks.Enqueue(w)
	}
	return len(held)
}

// DropHeld discards the held webhooks and stops holding, as when the
// receiver was down when GitHub sent them, and returns their
// X-GitHub-Delivery ids for Redeliver.
func (s *Server) DropHeld() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.held))
	for _, w := range s.held {
		ids = append(ids, w.Header.Get("X-GitHub-Delivery"))
	}
	s.held, s.holding = nil, false
	return ids
}

// Redeliver posts an earlier webhook again with the same X-GitHub-Delivery,
// as GitHub's "Redeliver" button does, and reports whether it was known.
func (s *Server) Redeliver(deliveryID string) bool {
	s.mu.Lock()
	w, ok := s.deliveries[deliveryID]
	s.mu.Unlock()
	if ok {
		s.hooks.Enqueue(w)
	}
	return ok
}

// newID returns the next id; the caller holds s.mu.
func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

func copyIssue(issue *Issue) Issue {
	c := *issue
	c.Labels = append([]string(nil), issue.Labels...)
	c.Assignees = append([]string(nil), issue.Assignees...)
	return c
}

// timestamp returns the time of a change as GitHub dates issues and
// comments: UTC, in whole seconds, so two changes in one second share their
// updated_at.
func (s *Server) timestamp() time.Time {
	return s.clock.Now().UTC().Truncate(time.Second)
}
