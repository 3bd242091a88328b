// Package slackfake is a fake Slack for tests, served on 127.0.0.1: the Web
// API's chat.postMessage and auth.test, and incoming webhooks. It checks what
// Slack checks (the token, the channel and the app's membership, the blocks
// against Block Kit's limits, the thread's parent), responds the way Slack does
// (HTTP 200 with "ok": false and an error code for the Web API, a status with a
// plain-text code for webhooks), and enforces a minimum interval between
// messages to one channel on an injected clock, responding with 429 and
// Retry-After when a client sends too fast. Failures can be scripted.
package slackfake

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// Options configure a Server. The zero value accepts any token and channel
// and enforces no interval.
type Options struct {
	// Clock dates messages and measures the interval; default the system clock.
	Clock sdk.Clock
	// Token is the only token the Web API accepts; empty accepts any.
	Token string
	// Interval is the least time between two messages to one channel (or one
	// webhook); a message sooner gets 429. Zero enforces nothing.
	Interval time.Duration
	// KnownChannelsOnly makes posts to a channel that AddChannel did not add
	// fail with channel_not_found. Otherwise unknown channels are created as
	// they are used, with the app as a member.
	KnownChannelsOnly bool
}

// Channel is a channel of the fake workspace.
type Channel struct {
	ID   string
	Name string // without "#"
	// NotMember makes posts fail with not_in_channel.
	NotMember bool
	Archived  bool
}

// Message is a message the fake accepted.
type Message struct {
	ChannelID string
	TS        string
	// ThreadTS is the parent's ts for a reply in a thread, else "".
	ThreadTS  string
	Text      string
	Blocks    string // the blocks as JSON, "" when none were sent
	Username  string
	IconEmoji string
	IconURL   string
	// Webhook is set for a message posted through the incoming webhook.
	Webhook   bool
	UserAgent string
	Received  time.Time
}

// Failure is a scripted response that replaces the next request's normal one.
type Failure struct {
	// Status is the HTTP status; 0 means 200 for the Web API (an "ok": false
	// response) and 400 for a webhook.
	Status int
	// Error is the error code: the Web API's "error", or a webhook's body.
	Error string
	// Errors and Messages fill the Web API's "errors" and
	// "response_metadata.messages", as Slack sends them with invalid_blocks.
	Errors   []string
	Messages []string
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
}

// WebhookPath is the path of the fake's incoming webhook. Its last segment
// stands for the credential a real webhook URL carries.
const WebhookPath = "/services/T0FAKE/B0FAKE/fake-webhook-credential-0123"

// webhookChannel is the channel the incoming webhook posts to.
const webhookChannel = "C0WEBHOOK"

// Server is a running fake Slack.
type Server struct {
	server *httptest.Server
	opts   Options

	mu          sync.Mutex
	channels    map[string]*Channel // by ID
	names       map[string]string   // name to ID
	messages    []Message
	failures    []Failure
	lastPost    map[string]time.Time // by channel ID or webhook path
	rateLimited int
	received    int
	sequence    int
}

// Start starts a fake Slack on 127.0.0.1; it stops when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = sdk.SystemClock
	}
	s := &Server{opts: opts, channels: map[string]*Channel{}, names: map[string]string{}, lastPost: map[string]time.Time{}}
	s.AddChannel(Channel{ID: webhookChannel, Name: "webhook"})

	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat.postMessage", s.postMessage)
	mux.HandleFunc("POST /api/auth.test", s.authTest)
	mux.HandleFunc("POST /services/", s.webhook)
	s.server = httptest.NewServer(mux)
	t.Cleanup(s.server.Close)
	return s
}

// URL returns the server's base URL, such as "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.server.URL }

// APIURL returns the Web API base, for the connector's api_url.
func (s *Server) APIURL() string { return s.server.URL + "/api/" }

// WebhookURL returns the incoming webhook's URL.
func (s *Server) WebhookURL() string { return s.server.URL + WebhookPath }

// AddChannel adds a channel to the workspace.
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[c.ID] = &c
	s.names[c.Name] = c.ID
}

// Fail scripts the responses to the next requests, in order.
func (s *Server) Fail(failures ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failures...)
}

// DeleteMessage removes a message, as if a person had deleted it.
func (s *Server) DeleteMessage(ts string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.messages[:0]
	for _, m := range s.messages {
		if m.TS != ts {
			kept = append(kept, m)
		}
	}
	s.messages = kept
}

// Messages returns the accepted messages in the order they arrived.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Received returns how many message requests (Web API or webhook) arrived,
// whatever the response.
func (s *Server) Received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received
}

// RateLimited returns how many requests got 429 for coming too soon.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateLimited
}

// arrive counts a message request whose body has been read. It returns the
// time the request arrived, which dates and paces it, and the scripted
// failure for it, if any. The caller holds s.mu until it has responded, so
// requests are counted, dated and paced in one order. A test that waits for
// Received can then move the clock without changing when a request came.
func (s *Server) arrive() (time.Time, Failure, bool) {
	s.received++
	now := s.opts.Clock.Now()
	if len(s.failures) == 0 {
		return now, Failure{}, false
	}
	failure := s.failures[0]
	s.failures = s.failures[1:]
	return now, failure, true
}

// tooSoon returns the wait before key may receive another message, and
// counts a rate-limited request when it is positive; the caller holds s.mu.
func (s *Server) tooSoon(key string, now time.Time) time.Duration {
	last, ok := s.lastPost[key]
	if !ok || s.opts.Interval <= 0 {
		return 0
	}
	wait := s.opts.Interval - now.Sub(last)
	if wait > 0 {
		s.rateLimited++
	}
	return wait
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1, as Slack's
// Retry-After does.
func retryAfterSeconds(wait time.Duration) string {
	seconds := int((wait + time.Second - 1) / time.Second)
	return fmt.Sprint(max(seconds, 1))
}

// nextTS returns a unique message ts at now; the caller holds s.mu.
func (s *Server) nextTS(now time.Time) string {
	s.sequence++
	return fmt.Sprintf("%d.%06d", now.Unix(), s.sequence)
}

// findChannel resolves a channel ID or name (with or without "#"); the caller
// holds s.mu.
func (s *Server) findChannel(ref string) (*Channel, bool) {
	if c, ok := s.channels[ref]; ok {
		return c, true
	}
	name := strings.TrimPrefix(ref, "#")
	if id, ok := s.names[name]; ok {
		return s.channels[id], true
	}
	if s.opts.KnownChannelsOnly {
		return nil, false
	}
	c := &Channel{ID: fmt.Sprintf("C%08d", len(s.channels)+1), Name: name}
	s.channels[c.ID] = c
	s.names[name] = c.ID
	return c, true
}

// hasMessage reports whether ts is a message in the channel; the caller
// holds s.mu.
func (s *Server) hasMessage(channelID, ts string) bool {
	for _, m := range s.messages {
		if m.ChannelID == channelID && m.TS == ts {
			return true
		}
	}
	return false
}
