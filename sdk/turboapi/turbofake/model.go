package turbofake

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// The values Turbo's schemas allow.
var (
	issueTypes    = []string{"feature", "bug", "task", "enhancement", "documentation", "discovery"}
	issueStatuses = []string{"open", "ready", "in_progress", "review", "testing", "closed"}
	priorities    = []string{"low", "medium", "high", "critical"}
	authorTypes   = []string{"user", "ai"}
)

// Issue is an issue as the fake holds it.
type Issue struct {
	ID          string
	Key         string
	Number      int
	ProjectID   string
	Title       string
	Description string
	Type        string
	Status      string
	Priority    string
	// Assignee is an email, "" when unassigned.
	Assignee string
	// AssignedToType ("user" or "staff") and AssignedToID are the assignment
	// by id that a PUT sets; Turbo's issue JSON does not show them, its
	// issue.assigned webhook does.
	AssignedToType string
	AssignedToID   string
	// Milestones are the ids of the milestones the issue belongs to, sorted.
	Milestones []string
	DueDate    *string
	CreatedBy  string
	// Tags are the names of the issue's tags, sorted.
	Tags      []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Comment is a comment as the fake holds it.
type Comment struct {
	ID         string
	EntityType string
	EntityID   string
	Content    string
	AuthorName string
	AuthorType string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	seq        int
}

// issueJSON is Turbo's IssueResponse.
type issueJSON struct {
	ID              string  `json:"id"`
	IssueKey        *string `json:"issue_key"`
	IssueNumber     *int    `json:"issue_number"`
	ProjectID       *string `json:"project_id"`
	Title           string  `json:"title"`
	Description     string  `json:"description"`
	Type            string  `json:"type"`
	Status          string  `json:"status"`
	DiscoveryStatus *string `json:"discovery_status"`
	Priority        string  `json:"priority"`
	Assignee        *string `json:"assignee"`
	DueDate         *string `json:"due_date"`
	CreatedBy       *string `json:"created_by"`
	WorkRank        *int    `json:"work_rank"`
	LastRankedAt    *string `json:"last_ranked_at"`
	CreatedAt       string  `json:"created_at"`
	UpdatedAt       string  `json:"updated_at"`
	Blocking        []any   `json:"blocking"`
	BlockedBy       []any   `json:"blocked_by"`
}

// timeLayout is how Turbo writes times: microseconds, UTC, with a Z.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func (i Issue) toJSON() issueJSON {
	out := issueJSON{ID: i.ID, Title: i.Title, Description: i.Description, Type: i.Type, Status: i.Status,
		Priority: i.Priority, DueDate: i.DueDate, CreatedAt: i.CreatedAt.UTC().Format(timeLayout),
		UpdatedAt: i.UpdatedAt.UTC().Format(timeLayout), Blocking: []any{}, BlockedBy: []any{}}
	if i.Key != "" {
		key, number := i.Key, i.Number
		out.IssueKey, out.IssueNumber = &key, &number
	}
	if i.ProjectID != "" {
		project := i.ProjectID
		out.ProjectID = &project
	}
	if i.Assignee != "" {
		assignee := i.Assignee
		out.Assignee = &assignee
	}
	if i.CreatedBy != "" {
		creator := i.CreatedBy
		out.CreatedBy = &creator
	}
	return out
}

func fromJSON(in issueJSON) (Issue, error) {
	issue := Issue{ID: in.ID, Title: in.Title, Description: in.Description, Type: in.Type, Status: in.Status,
		Priority: in.Priority, DueDate: in.DueDate}
	if in.IssueKey != nil {
		issue.Key = *in.IssueKey
	}
	if in.IssueNumber != nil {
		issue.Number = *in.IssueNumber
	}
	if in.ProjectID != nil {
		issue.ProjectID = *in.ProjectID
	}
	if in.Assignee != nil {
		issue.Assignee = *in.Assignee
	}
	if in.CreatedBy != nil {
		issue.CreatedBy = *in.CreatedBy
	}
	var err error
	if issue.CreatedAt, err = time.Parse(time.RFC3339Nano, in.CreatedAt); err != nil {
		return Issue{}, fmt.Errorf("created_at: %w", err)
	}
	if issue.UpdatedAt, err = time.Parse(time.RFC3339Nano, in.UpdatedAt); err != nil {
		return Issue{}, fmt.Errorf("updated_at: %w", err)
	}
	return issue, nil
}

// commentJSON is Turbo's CommentResponse.
type commentJSON struct {
	ID         string `json:"id"`
	EntityType string `json:"entity_type"`
	EntityID   string `json:"entity_id"`
	Content    string `json:"content"`
	AuthorName string `json:"author_name"`
	AuthorType string `json:"author_type"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
}

func (c Comment) toJSON() commentJSON {
	return commentJSON{ID: c.ID, EntityType: c.EntityType, EntityID: c.EntityID, Content: c.Content,
		AuthorName: c.AuthorName, AuthorType: c.AuthorType, CreatedAt: c.CreatedAt.UTC().Format(timeLayout),
		UpdatedAt: c.UpdatedAt.UTC().Format(timeLayout)}
}

// PutIssue stores an issue given in Turbo's JSON (a fixture's data.current),
// replacing one with the same id, and posts no webhook: a test seeds the state
// that the events it sends describe.
func (s *Server) PutIssue(raw json.RawMessage) error {
	var in issueJSON
	if err := json.Unmarshal(raw, &in); err != nil {
		return fmt.Errorf("turbofake: read issue: %w", err)
	}
	issue, err := fromJSON(in)
	if err != nil {
		return fmt.Errorf("turbofake: read issue %s: %w", in.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.issues[issue.ID]
	if !ok {
		rec = &issueRecord{tags: map[string]bool{}}
		s.issues[issue.ID] = rec
		s.order = append(s.order, issue.ID)
	}
	rec.issue = issue
	if issue.Key != "" {
		s.keys[issue.Key] = issue.ID
	}
	return nil
}

// PutComment stores a comment given in Turbo's JSON, replacing one with the
// same id, and posts no webhook.
func (s *Server) PutComment(raw json.RawMessage) error {
	var in commentJSON
	if err := json.Unmarshal(raw, &in); err != nil {
		return fmt.Errorf("turbofake: read comment: %w", err)
	}
	created, err := time.Parse(time.RFC3339Nano, in.CreatedAt)
	if err != nil {
		return fmt.Errorf("turbofake: read comment %s: created_at: %w", in.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Comment{ID: in.ID, EntityType: in.EntityType, EntityID: in.EntityID, Content: in.Content,
		AuthorName: in.AuthorName, AuthorType: in.AuthorType, CreatedAt: created, UpdatedAt: created, seq: len(s.comments) + 1}
	s.comments[c.ID] = &commentRecord{Comment: c}
	return nil
}

// view returns a copy of an issue with its tag names and milestone ids; the
// caller holds s.mu.
func (s *Server) view(rec *issueRecord) Issue {
	issue := rec.issue
	issue.Tags = nil
	for id := range rec.tags {
		issue.Tags = append(issue.Tags, s.tags[id])
	}
	slices.Sort(issue.Tags)
	issue.Milestones = nil
	for id, m := range s.milestones {
		if m.issues[issue.ID] {
			issue.Milestones = append(issue.Milestones, id)
		}
	}
	slices.Sort(issue.Milestones)
	return issue
}
