package turbofake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/sdk/signature"
)

// delivery is one webhook to post.
type delivery struct {
	path  string
	event string
	id    string
	body  []byte
}

// sender posts webhooks one at a time, in the order they were queued, as
// Turbo's webhook service does for one endpoint.
type sender struct {
	hook   Webhook
	client *http.Client

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []delivery
	busy    bool
	closed  bool
	failure []string
}

func newSender(hook Webhook) *sender {
	if hook.Mode == "" {
		hook.Mode = ModeNative
	}
	s := &sender{hook: hook, client: &http.Client{Timeout: 10 * time.Second}}
	s.cond = sync.NewCond(&s.mu)
	go s.run()
	return s
}

func (s *sender) enqueue(d delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, d)
	s.cond.Broadcast()
}

func (s *sender) run() {
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.busy = false
			s.cond.Broadcast()
			s.cond.Wait()
		}
		if s.closed {
			s.mu.Unlock()
			return
		}
		d := s.queue[0]
		s.queue = s.queue[1:]
		s.busy = true
		s.mu.Unlock()

		if err := s.post(d); err != nil {
			s.mu.Lock()
			s.failure = append(s.failure, err.Error())
			s.mu.Unlock()
		}
	}
}

func (s *sender) post(d delivery) error {
	req, err := http.NewRequest(http.MethodPost, s.hook.URL+d.path, bytes.NewReader(d.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signature.HeaderTurboEvent, d.event)
	req.Header.Set(signature.HeaderTurboDeliveryID, d.id)
	req.Header.Set(signature.HeaderTurboSignature, signature.SignTurbo([]byte(s.hook.Secret), d.body))
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("post %s %s: %w", d.event, d.id, err)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("post %s %s: status %d", d.event, d.id, resp.StatusCode)
	}
	return nil
}

func (s *sender) wait(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer timer.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) > 0 || s.busy {
		if time.Now().After(deadline) {
			return false
		}
		s.cond.Wait()
	}
	return true
}

func (s *sender) failed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.failure...)
}

func (s *sender) close() {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

// emitCreated queues issue.created in envelope mode; today's Turbo sends no
// webhook for a new issue.
func (s *Server) emitCreated(issue Issue) {
	if s.hooks == nil || s.hooks.hook.Mode != ModeEnvelope {
		return
	}
	s.envelope("issue.created", "issue", issue.ID, map[string]any{"current": issue.toJSON()}, issueContext(issue))
}

// emitChange queues the webhooks of an issue change; the caller holds s.mu.
// Native mode sends what today's Turbo sends for a PUT: issue.assigned when
// the body set assigned_to_id, issue.ready when the status became ready.
func (s *Server) emitChange(previous, next Issue, changes []string, assignedToID bool) {
	if s.hooks == nil {
		return
	}
	if s.hooks.hook.Mode == ModeEnvelope {
		if len(changes) == 0 {
			return
		}
		data := map[string]any{"current": next.toJSON(), "previous": previous.toJSON(), "changes": changes}
		s.envelope(changeType(previous, next), "issue", next.ID, data, issueContext(next))
		return
	}
	if assignedToID {
		s.native("issue.assigned", map[string]any{"issue": next.toJSON(), "assigned_to_type": "user",
			"assigned_to_id": nil, "project_id": nullable(next.ProjectID)})
	}
	if next.Status == "ready" && previous.Status != "ready" {
		s.native("issue.ready", map[string]any{"issue": next.toJSON(), "old_status": previous.Status,
			"new_status": "ready", "project_id": nullable(next.ProjectID)})
	}
}

func changeType(previous, next Issue) string {
	switch {
	case next.Status == "closed" && previous.Status != "closed":
		return "issue.closed"
	case previous.Status == "closed" && next.Status != "closed":
		return "issue.reopened"
	default:
		return "issue.updated"
	}
}

// emitComment queues comment.<action> in envelope mode; the caller holds s.mu.
func (s *Server) emitComment(action string, c Comment) {
	if s.hooks == nil || s.hooks.hook.Mode != ModeEnvelope {
		return
	}
	context := map[string]string{}
	if c.EntityType == "issue" {
		context["issue_id"] = c.EntityID
		if rec := s.issues[c.EntityID]; rec != nil && rec.issue.ProjectID != "" {
			context["project_id"] = rec.issue.ProjectID
		}
	}
	s.envelope("comment."+action, "comment", c.ID, map[string]any{"current": c.toJSON()}, context)
}

func (s *Server) envelope(eventType, entityType, entityID string, data map[string]any, context map[string]string) {
	id := uuid.NewString()
	_, action, _ := cutLast(eventType)
	body, _ := json.Marshal(map[string]any{
		"event_id": id, "event_type": eventType, "timestamp": s.now().Format(time.RFC3339Nano),
		"entity_type": entityType, "entity_id": entityID, "action": action,
		"actor": map[string]any{"type": "user", "name": s.opts.APIUser, "metadata": map[string]any{}},
		"data":  data, "context": context,
	})
	s.hooks.enqueue(delivery{path: "/v1/events", event: eventType, id: id, body: body})
}

func (s *Server) native(eventType string, body map[string]any) {
	data, _ := json.Marshal(body)
	s.hooks.enqueue(delivery{path: "/v1/turbo/webhook", event: eventType, id: uuid.NewString(), body: data})
}

func issueContext(issue Issue) map[string]string {
	if issue.ProjectID == "" {
		return map[string]string{}
	}
	return map[string]string{"project_id": issue.ProjectID}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func cutLast(s string) (string, string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return "", s, false
}
