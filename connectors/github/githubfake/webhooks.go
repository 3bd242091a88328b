package githubfake

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/http"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/sdk/connectortest"
)

// issueEvent queues an issues webhook; the caller holds s.mu.
func (s *Server) issueEvent(c *call, r *repo, issue *Issue, action string, extra map[string]any) {
	payload := map[string]any{"action": action, "issue": s.issueJSON(r, issue)}
	s.send(c, r, "issues", payload, extra)
}

// commentEvent queues an issue_comment webhook; the caller holds s.mu.
func (s *Server) commentEvent(c *call, r *repo, issue *Issue, comment *Comment, action string, extra map[string]any) {
	payload := map[string]any{"action": action, "issue": s.issueJSON(r, issue), "comment": s.commentJSON(r, comment)}
	s.send(c, r, "issue_comment", payload, extra)
}

// send signs and queues one webhook as GitHub delivers it.
func (s *Server) send(c *call, r *repo, event string, payload, extra map[string]any) {
	if s.hooks == nil {
		return
	}
	for key, value := range extra {
		payload[key] = value
	}
	payload["repository"] = s.repoJSON(r)
	payload["sender"] = userJSON(c.user)
	body, _ := json.Marshal(payload)

	id := uuid.NewString()
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set("User-Agent", "GitHub-Hookshot/githubfake")
	header.Set("X-GitHub-Event", event)
	header.Set("X-GitHub-Delivery", id)
	header.Set("X-GitHub-Hook-ID", "1")
	header.Set("X-Hub-Signature-256", "sha256="+mac(sha256.New, s.opts.WebhookSecret, body))
	header.Set("X-Hub-Signature", "sha1="+mac(sha1.New, s.opts.WebhookSecret, body))
	w := connectortest.Webhook{URL: s.opts.WebhookURL, Header: header, Body: body}
	s.deliveries[id] = w
	if s.holding {
		s.held = append(s.held, w)
		return
	}
	s.hooks.Enqueue(w)
}

func mac(h func() hash.Hash, secret string, body []byte) string {
	m := hmac.New(h, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
