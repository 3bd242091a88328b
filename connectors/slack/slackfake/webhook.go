package slackfake

import (
	"encoding/json"
	"io"
	"net/http"
)

// webhookPayload is the JSON an incoming webhook accepts.
type webhookPayload struct {
	Text      string          `json:"text"`
	Blocks    json.RawMessage `json:"blocks"`
	ThreadTS  string          `json:"thread_ts"`
	Username  string          `json:"username"`
	IconEmoji string          `json:"icon_emoji"`
	IconURL   string          `json:"icon_url"`
}

// webhook responds as Slack's incoming webhooks do: 200 with the body "ok", or
// an error status with the error code as plain text.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	var p webhookPayload
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	parsed := err == nil && json.Unmarshal(data, &p) == nil

	s.mu.Lock()
	defer s.mu.Unlock()
	now, failure, failed := s.arrive()
	switch {
	case failed:
		writeWebhookFailure(w, failure)
		return
	case r.URL.Path != WebhookPath:
		writeText(w, http.StatusNotFound, "no_service")
		return
	case !parsed:
		writeText(w, http.StatusBadRequest, "invalid_payload")
		return
	}
	blocks := ""
	if len(p.Blocks) > 0 && string(p.Blocks) != "null" {
		blocks = string(p.Blocks)
	}
	if wait := s.tooSoon(WebhookPath, now); wait > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(wait))
		writeText(w, http.StatusTooManyRequests, "rate_limited")
		return
	}
	if code, _ := checkContent(p.Text, blocks); code != "" {
		writeText(w, http.StatusBadRequest, code)
		return
	}

	s.messages = append(s.messages, Message{ChannelID: webhookChannel, TS: s.nextTS(now), Text: p.Text, Blocks: blocks,
		Username: p.Username, IconEmoji: p.IconEmoji, IconURL: p.IconURL, Webhook: true, UserAgent: r.UserAgent(), Received: now})
	s.lastPost[WebhookPath] = now
	writeText(w, http.StatusOK, "ok")
}

func writeWebhookFailure(w http.ResponseWriter, f Failure) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	status := f.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	writeText(w, status, f.Error)
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}
