package turboapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk/turboapi"
)

const (
	milestoneA = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	milestoneB = "7b1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	staffID    = "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a"
)

func TestClientMilestoneCalls(t *testing.T) {
	fake, client := newFake(t)
	fake.AddMilestone(milestoneA, projectID, "Beta")
	fake.AddMilestone(milestoneB, projectID, "GA")
	ctx := context.Background()

	milestones, err := client.ProjectMilestones(ctx, projectID)
	if err != nil || len(milestones) != 2 || milestones[0].ID != milestoneA || milestones[1].Name != "GA" {
		t.Fatalf("ProjectMilestones = %+v, %v; want Beta and GA", milestones, err)
	}
	ids := []string{milestoneA, milestoneB}
	if _, err := client.UpdateIssue(ctx, issueID, turboapi.IssueUpdate{MilestoneIDs: &ids}); err != nil {
		t.Fatalf("UpdateIssue with milestone_ids: %v", err)
	}
	issues, err := client.MilestoneIssues(ctx, milestoneB)
	if err != nil || len(issues) != 1 || issues[0].ID != issueID {
		t.Fatalf("MilestoneIssues = %+v, %v; want the linked issue", issues, err)
	}

	none := []string{}
	if _, err := client.UpdateIssue(ctx, issueID, turboapi.IssueUpdate{MilestoneIDs: &none}); err != nil {
		t.Fatalf("UpdateIssue with no milestones: %v", err)
	}
	if got, _ := fake.Issue(issueID); len(got.Milestones) != 0 {
		t.Errorf("milestones after an empty list = %v, want none", got.Milestones)
	}
}

func TestClientAssignToStaff(t *testing.T) {
	fake, client := newFake(t)
	update := turboapi.IssueUpdate{AssignedToType: ptr("staff"), AssignedToID: ptr(staffID)}
	if _, err := client.UpdateIssue(context.Background(), issueID, update); err != nil {
		t.Fatalf("UpdateIssue: %v", err)
	}
	got, _ := fake.Issue(issueID)
	if got.AssignedToType != "staff" || got.AssignedToID != staffID {
		t.Errorf("assigned to %q %q, want staff %s", got.AssignedToType, got.AssignedToID, staffID)
	}
	body := fake.Requests()[0].Body
	if !strings.Contains(body, `"assigned_to_id":"`+staffID+`"`) || strings.Contains(body, "title") {
		t.Errorf("request body = %s, want only the assignment", body)
	}
}

func TestClientSendAnyCall(t *testing.T) {
	fake, client := newFake(t)
	status, body, err := client.Send(context.Background(), http.MethodPut, "issues/TURBO-42", json.RawMessage(`{"title":"Renamed"}`))
	if err != nil || status != http.StatusOK {
		t.Fatalf("Send = %d, %v", status, err)
	}
	var issue turboapi.Issue
	if err := json.Unmarshal(body, &issue); err != nil || issue.Title != "Renamed" {
		t.Errorf("answer = %s, %v; want the renamed issue", body, err)
	}
	if _, _, err := client.Send(context.Background(), http.MethodPost, "issues/"+issueID+"/close", nil); err != nil {
		t.Fatalf("Send without a body: %v", err)
	}
	if got, _ := fake.Issue(issueID); got.Status != "closed" {
		t.Errorf("status = %s, want closed", got.Status)
	}
}
