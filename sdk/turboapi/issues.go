package turboapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Issue is an issue as Turbo's API returns it.
type Issue struct {
	ID          string    `json:"id"`
	Key         string    `json:"issue_key,omitempty"`
	Number      int       `json:"issue_number,omitempty"`
	ProjectID   string    `json:"project_id,omitempty"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Type        string    `json:"type"`
	Status      string    `json:"status"`
	Priority    string    `json:"priority"`
	Assignee    *string   `json:"assignee"`
	DueDate     *string   `json:"due_date"`
	CreatedBy   *string   `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// IssueCreate is the body of POST /issues/.
type IssueCreate struct {
	ProjectID   string  `json:"project_id"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Type        string  `json:"type"`
	Status      string  `json:"status,omitempty"`
	Priority    string  `json:"priority,omitempty"`
	Assignee    *string `json:"assignee,omitempty"`
}

// IssueUpdate is the body of PUT /issues/{id_or_key}. A nil field is left out
// and keeps its value. Assignee set to "" clears the assignee (sent as null).
type IssueUpdate struct {
	Title       *string
	Description *string
	Type        *string
	Status      *string
	Priority    *string
	Assignee    *string
	// AssignedToType ("user" or "staff") and AssignedToID (a UUID) assign the
	// issue to a user or staff member by id. Turbo posts its issue.assigned
	// webhook for an update that sets AssignedToID.
	AssignedToType *string
	AssignedToID   *string
	// MilestoneIDs, when not nil, replaces the milestones the issue belongs
	// to; an empty list removes it from every milestone.
	MilestoneIDs *[]string
}

// Empty reports whether the update changes nothing.
func (u IssueUpdate) Empty() bool {
	return u.Title == nil && u.Description == nil && u.Type == nil && u.Status == nil && u.Priority == nil &&
		u.Assignee == nil && u.AssignedToType == nil && u.AssignedToID == nil && u.MilestoneIDs == nil
}

// MarshalJSON writes only the fields that are set.
func (u IssueUpdate) MarshalJSON() ([]byte, error) {
	fields := map[string]any{}
	for name, value := range map[string]*string{"title": u.Title, "description": u.Description,
		"type": u.Type, "status": u.Status, "priority": u.Priority,
		"assigned_to_type": u.AssignedToType, "assigned_to_id": u.AssignedToID} {
		if value != nil {
			fields[name] = *value
		}
	}
	if u.Assignee != nil {
		fields["assignee"] = nil
		if *u.Assignee != "" {
			fields["assignee"] = *u.Assignee
		}
	}
	if u.MilestoneIDs != nil {
		fields["milestone_ids"] = append([]string{}, *u.MilestoneIDs...)
	}
	return json.Marshal(fields)
}

// GetIssue reads an issue by its id or key (TURBO-42).
func (c *Client) GetIssue(ctx context.Context, idOrKey string) (*Issue, error) {
	var issue Issue
	if err := c.do(ctx, http.MethodGet, "issues/"+escape(idOrKey), nil, &issue); err != nil {
		return nil, err
	}
	return &issue, nil
}

// CreateIssue creates an issue in a project.
func (c *Client) CreateIssue(ctx context.Context, create IssueCreate) (*Issue, error) {
	var issue Issue
	if err := c.do(ctx, http.MethodPost, "issues/", create, &issue); err != nil {
		return nil, err
	}
	return &issue, nil
}

// UpdateIssue changes the fields set in update.
func (c *Client) UpdateIssue(ctx context.Context, idOrKey string, update IssueUpdate) (*Issue, error) {
	var issue Issue
	if err := c.do(ctx, http.MethodPut, "issues/"+escape(idOrKey), update, &issue); err != nil {
		return nil, err
	}
	return &issue, nil
}

// AssignIssue sets the assignee (an email) of the issue with id, a UUID.
func (c *Client) AssignIssue(ctx context.Context, id, assignee string) (*Issue, error) {
	var issue Issue
	body := map[string]string{"assignee": assignee}
	if err := c.do(ctx, http.MethodPost, "issues/"+escape(id)+"/assign", body, &issue); err != nil {
		return nil, err
	}
	return &issue, nil
}

// CloseIssue sets the issue's status to closed.
func (c *Client) CloseIssue(ctx context.Context, id string) (*Issue, error) {
	var issue Issue
	if err := c.do(ctx, http.MethodPost, "issues/"+escape(id)+"/close", nil, &issue); err != nil {
		return nil, err
	}
	return &issue, nil
}

// ReopenIssue sets the issue's status to open.
func (c *Client) ReopenIssue(ctx context.Context, id string) (*Issue, error) {
	var issue Issue
	if err := c.do(ctx, http.MethodPost, "issues/"+escape(id)+"/reopen", nil, &issue); err != nil {
		return nil, err
	}
	return &issue, nil
}

// AddTag adds the tag with tagID to the issue with id.
func (c *Client) AddTag(ctx context.Context, id, tagID string) error {
	return c.do(ctx, http.MethodPost, "issues/"+escape(id)+"/tags/"+escape(tagID), nil, nil)
}

// RemoveTag removes the tag with tagID from the issue with id.
func (c *Client) RemoveTag(ctx context.Context, id, tagID string) error {
	return c.do(ctx, http.MethodDelete, "issues/"+escape(id)+"/tags/"+escape(tagID), nil, nil)
}
