package event

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// The headers of a GitHub webhook that FromGitHubWebhook reads, as its errors
// name them.
const (
	githubEventHeader    = "X-GitHub-Event"
	githubDeliveryHeader = "X-GitHub-Delivery"
)

// Entity types of events from GitHub. They differ from Turbo's ("issue"), so
// that rules and derived events about Turbo's entities never match them.
const (
	GitHubIssueEntity      = "github_issue"
	GitHubCommentEntity    = "github_comment"
	GitHubRepositoryEntity = "github_repository"
)

// githubPayload holds the members of a webhook body that the envelope needs.
type githubPayload struct {
	Action string          `json:"action"`
	Issue  json.RawMessage `json:"issue"`
	// Comment is set on issue_comment events.
	Comment    json.RawMessage `json:"comment"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Sender *struct {
		Login string `json:"login"`
		ID    int64  `json:"id"`
		Type  string `json:"type"`
	} `json:"sender"`
	Changes map[string]struct {
		From json.RawMessage `json:"from"`
	} `json:"changes"`
}

// FromGitHubWebhook converts a GitHub webhook delivery into an Incoming.
// eventName is the X-GitHub-Event header, deliveryID the X-GitHub-Delivery
// header (used as event_id: GitHub keeps it on a redelivery), body the raw
// request body and received the time ingest read it. The envelope gets:
//   - event_type "github.<event>.<action>", or "github.<event>" for events
//     without an action (ping);
//   - for issues events the entity github_issue "<owner>/<repo>#<number>";
//     for issue_comment events the entity github_comment "<comment id>" with
//     context.github_issue naming its issue, so that both key their ordering
//     and state on the issue; for other events with a repository the entity
//     github_repository "<owner>/<repo>";
//   - context.github_repository "<owner>/<repo>";
//   - data.current, the issue or comment; data.previous and data.changes from
//     the "changes" of an edit; data.native, the whole body as sent;
//   - timestamp, the issue's or comment's updated_at, else the receive time;
//   - actor, the sender: type "user", or "system" for a bot, with its login.
//
// The content hash covers the event name and the compacted body.
func FromGitHubWebhook(eventName, deliveryID string, body []byte, received time.Time) (*Incoming, error) {
	if err := checkEventID(githubDeliveryHeader, deliveryID); err != nil {
		return nil, err
	}
	res, err := scanJSON(body, false)
	if err != nil {
		return nil, err
	}
	defer res.release()
	if res.compact[0] != '{' {
		return nil, fieldError("", "the body of a GitHub webhook must be a JSON object, got %s", kindOf(res.compact))
	}
	compact := append([]byte(nil), res.compact...)

	var payload githubPayload
	if err := json.Unmarshal(compact, &payload); err != nil {
		return nil, fieldError("", "the body is not a GitHub webhook payload: %v", err)
	}
	eventType := "github." + eventName
	if payload.Action != "" {
		eventType += "." + payload.Action
	}
	if err := checkEventType(githubEventHeader, eventType); err != nil {
		return nil, err
	}

	env := &Envelope{EventID: deliveryID, EventType: eventType, Action: payload.Action, Timestamp: received.UTC()}
	if err := payload.locate(env, eventName, deliveryID); err != nil {
		return nil, err
	}
	env.Data = payload.data(compact)
	env.Actor = payload.actor()
	if env.Action == "" {
		env.Action = eventName
	}

	in := &Incoming{Envelope: env, Format: FormatGitHub, ContentHash: hashContent(FormatGitHub, eventName, compact)}
	if in.Body, err = env.appendJSON(make([]byte, 0, 2*len(compact)+256), false); err != nil {
		return nil, err
	}
	return in, nil
}

// locate sets the envelope's entity, context and timestamp.
func (p *githubPayload) locate(env *Envelope, eventName, deliveryID string) error {
	repository := ""
	if p.Repository != nil {
		repository = p.Repository.FullName
		env.Context = map[string]string{"github_repository": repository}
	}
	var issue struct {
		Number    int       `json:"number"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	var comment struct {
		ID        int64     `json:"id"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	if len(p.Issue) > 0 && json.Unmarshal(p.Issue, &issue) != nil {
		return fieldError("issue", "not an issue object")
	}
	if len(p.Comment) > 0 && json.Unmarshal(p.Comment, &comment) != nil {
		return fieldError("comment", "not a comment object")
	}

	issueKey := repository + "#" + strconv.Itoa(issue.Number)
	switch {
	case comment.ID != 0 && issue.Number != 0 && repository != "":
		env.EntityType, env.EntityID = GitHubCommentEntity, strconv.FormatInt(comment.ID, 10)
		env.Context["github_issue"] = issueKey
		env.Timestamp = laterOf(comment.UpdatedAt, env.Timestamp)
	case issue.Number != 0 && repository != "":
		env.EntityType, env.EntityID = GitHubIssueEntity, issueKey
		env.Timestamp = laterOf(issue.UpdatedAt, env.Timestamp)
	case repository != "":
		env.EntityType, env.EntityID = GitHubRepositoryEntity, repository
	default:
		env.EntityType, env.EntityID = "github_"+eventName, deliveryID
	}
	return nil
}

// laterOf returns t when it is set, else fallback: the time GitHub changed the
// entity, when the payload says.
func laterOf(t, fallback time.Time) time.Time {
	if t.IsZero() {
		return fallback
	}
	return t.UTC()
}

// data builds {"current": ..., "previous": ..., "changes": [...], "native": body}.
func (p *githubPayload) data(body []byte) json.RawMessage {
	data := map[string]json.RawMessage{"native": body}
	switch {
	case len(p.Comment) > 0:
		data["current"] = p.Comment
	case len(p.Issue) > 0:
		data["current"] = p.Issue
	}
	if len(p.Changes) > 0 {
		previous := map[string]json.RawMessage{}
		changes := make([]string, 0, len(p.Changes))
		for field, change := range p.Changes {
			previous[field] = change.From
			changes = append(changes, field)
		}
		data["previous"] = marshalUnescaped(previous)
		data["changes"] = marshalUnescaped(sortedStrings(changes))
	}
	return marshalUnescaped(data)
}

// marshalUnescaped encodes v without json.Marshal's HTML escaping, so that
// the raw JSON inside it keeps the bytes GitHub sent: "<!--" stays "<!--"
// instead of becoming "\u003c!--".
func marshalUnescaped(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func (p *githubPayload) actor() *Actor {
	if p.Sender == nil || p.Sender.Login == "" {
		return &Actor{Type: "system", Name: "github"}
	}
	actorType := "user"
	if p.Sender.Type == "Bot" {
		actorType = "system"
	}
	metadata, _ := json.Marshal(map[string]any{"login": p.Sender.Login, "id": p.Sender.ID, "type": p.Sender.Type})
	return &Actor{Type: actorType, Name: p.Sender.Login, Metadata: metadata}
}

func sortedStrings(values []string) []string {
	for i := 1; i < len(values); i++ {
		for j := i; j > 0 && values[j] < values[j-1]; j-- {
			values[j], values[j-1] = values[j-1], values[j]
		}
	}
	return values
}
