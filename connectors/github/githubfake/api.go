package githubfake

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// Documentation URLs GitHub puts in error responses; go-github v60 reads the
// secondary one to tell a secondary limit from another 403.
const (
	docsREST      = "https://docs.github.com/rest"
	docsPrimary   = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit"
	docsSecondary = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)

// validationError is one entry of a 422 answer's "errors".
type validationError struct {
	Resource string `json:"resource"`
	Field    string `json:"field"`
	Code     string `json:"code"`
	Message  string `json:"message,omitempty"`
	Value    any    `json:"value,omitempty"`
}

// call is one request and its response.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	body  []byte
	user  *User
	token string
	parts []string
}

func (c *call) json(status int, v any) {
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(c.w).Encode(v)
	}
}

func (c *call) message(status int, text, docs string) {
	c.json(status, map[string]string{"message": text, "documentation_url": docs})
}

func (c *call) invalid(docs string, errs ...validationError) {
	c.json(http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": errs, "documentation_url": docs})
}

func (c *call) notFound() { c.message(http.StatusNotFound, "Not Found", docsREST) }

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	sw := &statusWriter{ResponseWriter: w}
	stall := s.answer(sw, r, body)
	if stall {
		// The work is done; no response comes until the client gives up.
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	}
}

// answer handles one request under s.mu and reports whether the client must
// get no answer (a scripted stall).
func (s *Server) answer(w *statusWriter, r *http.Request, body []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	c := &call{w: w, r: r, body: body, parts: strings.Split(strings.Trim(r.URL.Path, "/"), "/")}
	c.token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	c.user = s.users[c.token]
	login := ""
	if c.user != nil {
		login = c.user.Login
	}
	defer func() {
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Body: string(body), Login: login, Status: w.status, At: now})
	}()

	if c.user == nil {
		c.message(http.StatusUnauthorized, "Bad credentials", docsREST)
		return false
	}
	if !s.checkLimits(c, now) {
		return false
	}
	if f, ok := s.failures.Take(r.Method, r.URL.Path); ok {
		if f.Stall {
			c.w = &statusWriter{ResponseWriter: httptest.NewRecorder()}
			s.route(c)
			w.status = http.StatusGatewayTimeout
			return true
		}
		for name, values := range f.Header {
			w.Header()[name] = values
		}
		c.message(f.Status, f.Message, docsREST)
		return false
	}
	s.route(c)
	return false
}

// tokenLimits is the rate-limit state of one token.
type tokenLimits struct {
	windowStart time.Time
	used        int
	// content holds the times of accepted mutating requests of the last hour.
	content []time.Time
}

// checkLimits counts the request against the token's primary limit, sets the
// x-ratelimit-* headers, and answers the request itself when a primary or
// secondary limit is exceeded.
func (s *Server) checkLimits(c *call, now time.Time) bool {
	l := s.limits[c.token]
	if l == nil || !now.Before(l.windowStart.Add(time.Hour)) {
		l = &tokenLimits{windowStart: now, content: s.keptContent(l, now)}
		s.limits[c.token] = l
	}
	reset := l.windowStart.Add(time.Hour)
	header := c.w.Header()
	header.Set("X-Ratelimit-Limit", strconv.Itoa(s.opts.PrimaryLimit))
	header.Set("X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	header.Set("X-Ratelimit-Resource", "core")
	if l.used >= s.opts.PrimaryLimit {
		header.Set("X-Ratelimit-Remaining", "0")
		header.Set("X-Ratelimit-Used", strconv.Itoa(l.used))
		c.message(http.StatusForbidden, "API rate limit exceeded for user ID "+strconv.FormatInt(c.user.ID, 10)+".", docsPrimary)
		return false
	}
	l.used++
	header.Set("X-Ratelimit-Remaining", strconv.Itoa(s.opts.PrimaryLimit-l.used))
	header.Set("X-Ratelimit-Used", strconv.Itoa(l.used))

	if c.r.Method == http.MethodGet {
		return true
	}
	return s.checkSecondary(c, l, now)
}

// keptContent carries the mutating requests of the last hour into a new
// primary window.
func (s *Server) keptContent(old *tokenLimits, now time.Time) []time.Time {
	if old == nil {
		return nil
	}
	return since(old.content, now.Add(-time.Hour))
}

// checkSecondary answers a mutating request over the per-minute or per-hour
// bound with the secondary-limit error, and otherwise counts it.
func (s *Server) checkSecondary(c *call, l *tokenLimits, now time.Time) bool {
	l.content = since(l.content, now.Add(-time.Hour))
	lastMinute := since(l.content, now.Add(-time.Minute))
	var wait time.Duration
	switch {
	case len(lastMinute) >= s.opts.ContentPerMinute:
		wait = lastMinute[0].Add(time.Minute).Sub(now)
	case len(l.content) >= s.opts.ContentPerHour:
		wait = l.content[0].Add(time.Hour).Sub(now)
	default:
		l.content = append(l.content, now)
		return true
	}
	if !s.opts.OmitRetryAfter {
		c.w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	}
	s.t.Logf("githubfake: secondary rate limit hit by %s: %s %s", c.user.Login, c.r.Method, c.r.URL.Path)
	c.message(s.opts.SecondaryStatus, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", docsSecondary)
	return false
}

func since(times []time.Time, from time.Time) []time.Time {
	for i, t := range times {
		if t.After(from) {
			return times[i:]
		}
	}
	return nil
}

// route calls the handler of the path's shape.
func (s *Server) route(c *call) {
	p, m := c.parts, c.r.Method
	switch {
	case len(p) == 1 && p[0] == "user" && m == http.MethodGet:
		c.json(http.StatusOK, userJSON(c.user))
	case len(p) >= 3 && p[0] == "repos":
		r := s.repos[p[1]+"/"+p[2]]
		if r == nil {
			c.notFound()
			return
		}
		s.routeRepo(c, r, p[3:])
	default:
		c.notFound()
	}
}

func (s *Server) routeRepo(c *call, r *repo, p []string) {
	m := c.r.Method
	switch {
	case len(p) == 0 && m == http.MethodGet:
		c.json(http.StatusOK, s.repoJSON(r))
	case len(p) >= 1 && p[0] == "issues" && r.issuesOff:
		c.message(http.StatusGone, "Issues are disabled for this repo", docsREST)
	case len(p) == 1 && p[0] == "dispatches" && m == http.MethodPost:
		s.dispatch(c, r)
	case len(p) == 1 && p[0] == "issues" && m == http.MethodPost:
		s.createIssue(c, r)
	case len(p) == 1 && p[0] == "issues" && m == http.MethodGet:
		s.listIssues(c, r)
	case len(p) == 3 && p[0] == "issues" && p[1] == "comments":
		s.routeComment(c, r, p[2])
	case len(p) >= 2 && p[0] == "issues":
		number, err := strconv.Atoi(p[1])
		issue := r.issues[number]
		if err != nil || issue == nil {
			c.notFound()
			return
		}
		s.routeIssue(c, r, issue, p[2:])
	default:
		c.notFound()
	}
}

func (s *Server) routeIssue(c *call, r *repo, issue *Issue, p []string) {
	m := c.r.Method
	switch {
	case len(p) == 0 && m == http.MethodGet:
		c.json(http.StatusOK, s.issueJSON(r, issue))
	case len(p) == 0 && m == http.MethodPatch:
		s.editIssue(c, r, issue)
	case len(p) == 1 && p[0] == "labels" && m == http.MethodPost:
		s.addLabels(c, r, issue)
	case len(p) == 2 && p[0] == "labels" && m == http.MethodDelete:
		s.removeLabel(c, r, issue, p[1])
	case len(p) == 1 && p[0] == "assignees" && (m == http.MethodPost || m == http.MethodDelete):
		s.changeAssignees(c, r, issue)
	case len(p) == 1 && p[0] == "comments" && m == http.MethodPost:
		s.createComment(c, r, issue)
	case len(p) == 1 && p[0] == "comments" && m == http.MethodGet:
		s.listComments(c, r, issue)
	default:
		c.notFound()
	}
}
