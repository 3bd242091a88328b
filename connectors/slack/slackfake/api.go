package slackfake

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxTopLevelText is the text length from which Slack truncates a message.
// The fake rejects longer text with msg_too_long instead, so tests notice.
const maxTopLevelText = 40000

// apiRequest is a chat.postMessage request, sent as a form (as slack-go does)
// or as JSON with a bearer token.
type apiRequest struct {
	token     string
	channel   string
	text      string
	blocks    string
	threadTS  string
	username  string
	iconEmoji string
	iconURL   string
}

func readAPIRequest(r *http.Request) (apiRequest, bool) {
	var req apiRequest
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		req.token = token
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/json" {
		return readJSONRequest(r, req)
	}
	if err := r.ParseForm(); err != nil {
		return req, false
	}
	if req.token == "" {
		req.token = r.PostForm.Get("token")
	}
	req.channel, req.text, req.blocks = r.PostForm.Get("channel"), r.PostForm.Get("text"), r.PostForm.Get("blocks")
	req.threadTS, req.username = r.PostForm.Get("thread_ts"), r.PostForm.Get("username")
	req.iconEmoji, req.iconURL = r.PostForm.Get("icon_emoji"), r.PostForm.Get("icon_url")
	return req, true
}

func readJSONRequest(r *http.Request, req apiRequest) (apiRequest, bool) {
	var body struct {
		Channel   string          `json:"channel"`
		Text      string          `json:"text"`
		Blocks    json.RawMessage `json:"blocks"`
		ThreadTS  string          `json:"thread_ts"`
		Username  string          `json:"username"`
		IconEmoji string          `json:"icon_emoji"`
		IconURL   string          `json:"icon_url"`
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(data, &body) != nil {
		return req, false
	}
	req.channel, req.text, req.threadTS = body.Channel, body.Text, body.ThreadTS
	req.username, req.iconEmoji, req.iconURL = body.Username, body.IconEmoji, body.IconURL
	if len(body.Blocks) > 0 && string(body.Blocks) != "null" {
		req.blocks = string(body.Blocks)
	}
	return req, true
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	req, ok := readAPIRequest(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	now, failure, failed := s.arrive()
	if failed {
		writeAPIFailure(w, failure)
		return
	}
	switch {
	case !ok:
		writeAPIError(w, "invalid_form_data", nil)
		return
	case req.token == "":
		writeAPIError(w, "not_authed", nil)
		return
	case s.opts.Token != "" && req.token != s.opts.Token:
		writeAPIError(w, "invalid_auth", nil)
		return
	}

	channel, found := s.findChannel(req.channel)
	switch {
	case req.channel == "" || !found:
		writeAPIError(w, "channel_not_found", nil)
		return
	case channel.NotMember:
		writeAPIError(w, "not_in_channel", nil)
		return
	case channel.Archived:
		writeAPIError(w, "is_archived", nil)
		return
	}
	if wait := s.tooSoon(channel.ID, now); wait > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(wait))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	if code, problems := checkContent(req.text, req.blocks); code != "" {
		writeAPIError(w, code, problems)
		return
	}

	msg := Message{ChannelID: channel.ID, TS: s.nextTS(now), Text: req.text, Blocks: req.blocks,
		Username: req.username, IconEmoji: req.iconEmoji, IconURL: req.iconURL, UserAgent: r.UserAgent(), Received: now}
	// Slack posts a reply whose parent is gone as a message of its own.
	if req.threadTS != "" && s.hasMessage(channel.ID, req.threadTS) {
		msg.ThreadTS = req.threadTS
	}
	s.messages = append(s.messages, msg)
	s.lastPost[channel.ID] = now
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": channel.ID, "ts": msg.TS, "message": messageJSON(msg)})
}

func messageJSON(m Message) map[string]any {
	out := map[string]any{"type": "message", "text": m.Text, "ts": m.TS, "bot_id": "B0FAKE"}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	return out
}

// checkContent returns the error code and problems of a message's text and
// blocks, or "" when Slack would accept them.
func checkContent(text, blocks string) (string, []string) {
	if strings.TrimSpace(text) == "" && blocks == "" {
		return "no_text", nil
	}
	if utf8.RuneCountInString(text) > maxTopLevelText {
		return "msg_too_long", nil
	}
	if blocks == "" {
		return "", nil
	}
	problems, malformed := ValidateBlocks([]byte(blocks))
	switch {
	case malformed:
		return "invalid_blocks_format", nil
	case len(problems) > 0:
		return "invalid_blocks", problems
	case BlocksTextLength([]byte(blocks)) > maxBlocksText:
		return "msg_blocks_too_long", nil
	}
	return "", nil
}

func (s *Server) authTest(w http.ResponseWriter, r *http.Request) {
	req, ok := readAPIRequest(r)
	switch {
	case !ok || req.token == "":
		writeAPIError(w, "not_authed", nil)
	case s.opts.Token != "" && req.token != s.opts.Token:
		writeAPIError(w, "invalid_auth", nil)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "url": "https://fake.slack.test/", "team": "Fake Workspace",
			"user": "switchboard", "team_id": "T0FAKE", "user_id": "U0FAKE", "bot_id": "B0FAKE"})
	}
}

// writeAPIError responds as the Web API does: 200 with "ok": false. Problems
// go into "errors" and "response_metadata.messages", as with invalid_blocks.
func writeAPIError(w http.ResponseWriter, code string, problems []string) {
	writeAPIFailure(w, Failure{Error: code, Errors: problems, Messages: errorMessages(problems)})
}

func errorMessages(problems []string) []string {
	messages := make([]string, len(problems))
	for i, p := range problems {
		messages[i] = "[ERROR] " + p
	}
	return messages
}

func writeAPIFailure(w http.ResponseWriter, f Failure) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	if status != http.StatusOK && f.Error == "" {
		w.WriteHeader(status)
		return
	}
	body := map[string]any{"ok": false, "error": f.Error}
	if len(f.Errors) > 0 {
		body["errors"] = f.Errors
	}
	if len(f.Messages) > 0 {
		body["response_metadata"] = map[string]any{"messages": f.Messages}
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
