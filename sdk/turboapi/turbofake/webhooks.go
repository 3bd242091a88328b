package turbofake

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/signature"
)

// post queues one webhook, signed as Turbo's sender signs it; the caller
// holds s.mu.
func (s *Server) post(path, eventType, id string, body []byte) {
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set(signature.HeaderTurboEvent, eventType)
	header.Set(signature.HeaderTurboDeliveryID, id)
	header.Set(signature.HeaderTurboSignature, signature.SignTurbo([]byte(s.opts.Webhook.Secret), body))
	s.hooks.Enqueue(connectortest.Webhook{URL: s.opts.Webhook.URL + path, Header: header, Body: body})
}

// emitCreated queues issue.created in envelope mode; today's Turbo sends no
// webhook for a new issue.
func (s *Server) emitCreated(issue Issue) {
	if s.hooks == nil || s.opts.Webhook.Mode != ModeEnvelope {
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
	if s.opts.Webhook.Mode == ModeEnvelope {
		if len(changes) == 0 {
			return
		}
		data := map[string]any{"current": next.toJSON(), "previous": previous.toJSON(), "changes": changes}
		s.envelope(changeType(previous, next), "issue", next.ID, data, issueContext(next))
		return
	}
	if assignedToID {
		s.native("issue.assigned", map[string]any{"issue": next.toJSON(), "assigned_to_type": nullable(next.AssignedToType),
			"assigned_to_id": nullable(next.AssignedToID), "project_id": nullable(next.ProjectID)})
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
	if s.hooks == nil || s.opts.Webhook.Mode != ModeEnvelope {
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
	s.post("/v1/events", eventType, id, body)
}

func (s *Server) native(eventType string, body map[string]any) {
	data, _ := json.Marshal(body)
	s.post("/v1/turbo/webhook", eventType, uuid.NewString(), data)
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
