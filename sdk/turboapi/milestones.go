package turboapi

import (
	"context"
	"net/http"
	"net/url"
)

// Milestone is a milestone as Turbo's API returns it; only the fields the
// connectors read.
type Milestone struct {
	ID        string `json:"id"`
	ProjectID string `json:"project_id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
}

// ProjectMilestones lists the milestones of a project (GET
// /milestones/?project_id=).
func (c *Client) ProjectMilestones(ctx context.Context, projectID string) ([]Milestone, error) {
	var milestones []Milestone
	path := "milestones/?" + url.Values{"project_id": {projectID}}.Encode()
	if err := c.do(ctx, http.MethodGet, path, nil, &milestones); err != nil {
		return nil, err
	}
	return milestones, nil
}

// MilestoneIssues lists the issues that belong to a milestone.
func (c *Client) MilestoneIssues(ctx context.Context, milestoneID string) ([]Issue, error) {
	var issues []Issue
	if err := c.do(ctx, http.MethodGet, "milestones/"+escape(milestoneID)+"/issues", nil, &issues); err != nil {
		return nil, err
	}
	return issues, nil
}
