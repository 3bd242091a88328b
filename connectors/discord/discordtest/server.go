// Package discordtest is a fake of Discord's HTTP API on 127.0.0.1 for tests.
// It serves Execute Webhook and the bot API's Create Message. Like Discord, it
// checks message limits, returns Discord's error bodies (Unknown Webhook,
// Invalid Webhook Token, Invalid Form Body and others), and sends rate-limit
// headers and 429 responses.
//
// Point a connector at it with the webhook URL AddWebhook returns, or with APIURL
// as the base of the bot API. The server records every request and every
// message it accepted, and sends scripted responses first when a test sets
// them.
package discordtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// maxRequestBody bounds the request body the server reads.
const maxRequestBody = 8 << 20

// Response is a scripted response that replaces the server's own for one
// request.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Request is one request the server received.
type Request struct {
	Method string
	// Path is the request path, such as /api/v9/webhooks/1/token.
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// Message is a message the server accepted.
type Message struct {
	ID        string
	ChannelID string
	// WebhookID is set for a message sent through a webhook.
	WebhookID string
	// ThreadID is the thread_id query parameter of a webhook execution.
	ThreadID string
	// Body is the request body as sent.
	Body []byte
}

// Webhook is a webhook the server accepts messages for.
type Webhook struct {
	ID        string
	Token     string
	ChannelID string
	// Threads, when set, lists the threads a thread_id may name; another
	// thread_id returns 404 Unknown Channel. When nil, every thread exists.
	Threads []string
}

// Channel is a channel of the bot API. A channel the bot cannot see returns
// 403 Missing Access.
type Channel struct {
	ID        string
	CanAccess bool
}

// Server is the fake. Its zero value is not usable; call NewServer.
type Server struct {
	server *httptest.Server
	clock  sdk.Clock

	mu       sync.Mutex
	webhooks map[string]Webhook
	channels map[string]Channel
	botToken string
	script   []Response
	requests []Request
	messages []Message
	nextID   uint64
	limit    rateLimit
	buckets  map[string]*bucket
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock of the server's rate-limit windows. Default: the
// system clock.
func WithClock(c sdk.Clock) Option { return func(s *Server) { s.clock = c } }

// NewServer starts a server with no webhook or channel yet and no rate
// limit. It stops when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		clock:    sdk.SystemClock,
		webhooks: map[string]Webhook{},
		channels: map[string]Channel{},
		buckets:  map[string]*bucket{},
		nextID:   1300000000000000000,
	}
	for _, opt := range opts {
		opt(s)
	}
	s.server = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.server.Close)
	return s
}

// URL returns the server's base URL, such as "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.server.URL }

// APIURL returns the base of the bot API, for a connector's api_url.
func (s *Server) APIURL() string { return s.server.URL + "/api" }

// AddWebhook adds a webhook to the server and returns its URL.
func (s *Server) AddWebhook(w Webhook) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhooks[w.ID] = w
	return s.server.URL + "/api/webhooks/" + w.ID + "/" + w.Token
}

// AddChannel adds a channel of the bot API to the server.
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[c.ID] = c
}

// SetBotToken sets the token the bot API accepts, without "Bot ".
func (s *Server) SetBotToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.botToken = token
}

// Script queues responses for the next requests, in order. They replace the
// server's own responses, checks and rate limits included.
func (s *Server) Script(responses ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, responses...)
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// RateLimited returns a 429 response as Discord sends it: retry_after in
// seconds with decimals in the body, Retry-After rounded up to whole seconds,
// and the global flag in the body and in X-RateLimit-Global.
func RateLimited(retryAfter float64, global bool) Response {
	header := http.Header{
		"Content-Type": {"application/json"},
		"Retry-After":  {strconv.Itoa(ceilSeconds(retryAfter))},
	}
	scope := "user"
	if global {
		header.Set("X-RateLimit-Global", "true")
		scope = "global"
	}
	header.Set("X-RateLimit-Scope", scope)
	body, _ := json.Marshal(map[string]any{"message": "You are being rate limited.", "retry_after": retryAfter, "global": global})
	return Response{Status: http.StatusTooManyRequests, Header: header, Body: string(body)}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}

	s.mu.Lock()
	s.requests = append(s.requests, req)
	var response Response
	if len(s.script) > 0 {
		response = s.script[0]
		s.script = s.script[1:]
	} else {
		response = s.respond(req)
	}
	s.mu.Unlock()

	for name, values := range response.Header {
		w.Header()[name] = values
	}
	w.WriteHeader(response.Status)
	io.WriteString(w, response.Body)
}

// respond routes a request to the webhook or channel handler and returns its
// response. The caller
// holds s.mu.
func (s *Server) respond(req Request) Response {
	segments := strings.Split(strings.Trim(req.Path, "/"), "/")
	if len(segments) < 3 || segments[0] != "api" || segments[1] != "v9" {
		return apiError(http.StatusNotFound, 0, "404: Not Found")
	}
	switch {
	case len(segments) == 5 && segments[2] == "webhooks":
		if req.Method != http.MethodPost {
			return apiError(http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
		}
		return s.executeWebhook(req, segments[3], segments[4])
	case len(segments) == 5 && segments[2] == "channels" && segments[4] == "messages":
		if req.Method != http.MethodPost {
			return apiError(http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
		}
		return s.createMessage(req, segments[3])
	}
	return apiError(http.StatusNotFound, 0, "404: Not Found")
}

func (s *Server) executeWebhook(req Request, id, token string) Response {
	hook, known := s.webhooks[id]
	if !known {
		return apiError(http.StatusNotFound, 10015, "Unknown Webhook")
	}
	if hook.Token != token {
		return apiError(http.StatusUnauthorized, 50027, "Invalid Webhook Token")
	}
	threadID := req.Query.Get("thread_id")
	if threadID != "" && hook.Threads != nil && !slices.Contains(hook.Threads, threadID) {
		return apiError(http.StatusNotFound, 10003, "Unknown Channel")
	}
	if invalid := checkMessage(req.Body, true); invalid != nil {
		return *invalid
	}
	header, limited := s.take("webhook " + id)
	if limited != nil {
		return *limited
	}

	message := s.store(Message{ChannelID: hook.ChannelID, WebhookID: id, ThreadID: threadID, Body: req.Body})
	if req.Query.Get("wait") != "true" {
		return Response{Status: http.StatusNoContent, Header: header}
	}
	return messageResponse(header, message)
}

func (s *Server) createMessage(req Request, channelID string) Response {
	if s.botToken == "" || req.Header.Get("Authorization") != "Bot "+s.botToken {
		return apiError(http.StatusUnauthorized, 0, "401: Unauthorized")
	}
	channel, known := s.channels[channelID]
	if !known {
		return apiError(http.StatusNotFound, 10003, "Unknown Channel")
	}
	if !channel.CanAccess {
		return apiError(http.StatusForbidden, 50001, "Missing Access")
	}
	if invalid := checkMessage(req.Body, false); invalid != nil {
		return *invalid
	}
	header, limited := s.take("channel " + channelID)
	if limited != nil {
		return *limited
	}
	return messageResponse(header, s.store(Message{ChannelID: channelID, Body: req.Body}))
}

// store records an accepted message with a new id. The caller holds s.mu.
func (s *Server) store(m Message) Message {
	s.nextID++
	m.ID = strconv.FormatUint(s.nextID, 10)
	s.messages = append(s.messages, m)
	return m
}

// messageResponse is the created message as Discord returns it, with the
// fields a client reads.
func messageResponse(header http.Header, m Message) Response {
	var sent map[string]any
	json.Unmarshal(m.Body, &sent)
	created := map[string]any{
		"id":         m.ID,
		"type":       0,
		"channel_id": m.ChannelID,
		"content":    sent["content"],
		"embeds":     sent["embeds"],
		"mentions":   []any{},
		"timestamp":  time.Now().UTC().Format(time.RFC3339),
	}
	if m.WebhookID != "" {
		created["webhook_id"] = m.WebhookID
	}
	body, _ := json.Marshal(created)
	header.Set("Content-Type", "application/json")
	return Response{Status: http.StatusOK, Header: header, Body: string(body)}
}

// apiError is an error response in Discord's JSON shape.
func apiError(status, code int, message string) Response {
	body, _ := json.Marshal(map[string]any{"message": message, "code": code})
	return Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: string(body)}
}
