package turboapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/turboapi"
	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

const (
	token     = "turbo-api-token-0123"
	projectID = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
	issueID   = "3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"
	tagID     = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

// newFake starts a fake Turbo that holds the fixture issue TURBO-42, and a
// client of it.
func newFake(t *testing.T) (*turbofake.Server, *turboapi.Client) {
	t.Helper()
	fake := turbofake.Start(t, turbofake.Options{Token: token})
	fake.AddProject(projectID, "TURBO")
	fake.AddTag(tagID, "backend")
	raw, err := os.ReadFile("../../testdata/turbo/envelope/issue-created-high.json")
	if err != nil {
		t.Fatal(err)
	}
	var envelope struct {
		Data struct {
			Current json.RawMessage `json:"current"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil {
		t.Fatal(err)
	}
	if err := fake.PutIssue(envelope.Data.Current); err != nil {
		t.Fatal(err)
	}
	client, err := turboapi.New(turboapi.Options{BaseURL: fake.URL(), Token: sdk.Secret(token)})
	if err != nil {
		t.Fatal(err)
	}
	return fake, client
}

func ptr(s string) *string { return &s }

func TestClientIssueCalls(t *testing.T) {
	fake, client := newFake(t)
	ctx := context.Background()

	issue, err := client.GetIssue(ctx, "TURBO-42")
	if err != nil || issue.ID != issueID || issue.Status != "open" {
		t.Fatalf("GetIssue by key = %+v, %v", issue, err)
	}
	issue, err = client.UpdateIssue(ctx, issueID, turboapi.IssueUpdate{Title: ptr("New title"), Priority: ptr("critical")})
	if err != nil || issue.Title != "New title" || issue.Priority != "critical" || issue.Description == "" {
		t.Fatalf("UpdateIssue = %+v, %v; want title and priority changed, the rest kept", issue, err)
	}
	if _, err := client.AssignIssue(ctx, issueID, "lead@example.com"); err != nil {
		t.Fatalf("AssignIssue: %v", err)
	}
	issue, err = client.UpdateIssue(ctx, issueID, turboapi.IssueUpdate{Assignee: ptr("")})
	if err != nil || issue.Assignee != nil {
		t.Fatalf("clearing the assignee = %v, %v; want null", issue.Assignee, err)
	}
	if issue, err = client.CloseIssue(ctx, issueID); err != nil || issue.Status != "closed" {
		t.Fatalf("CloseIssue = %v, %v", issue, err)
	}
	if issue, err = client.ReopenIssue(ctx, issueID); err != nil || issue.Status != "open" {
		t.Fatalf("ReopenIssue = %v, %v", issue, err)
	}
	if err := client.AddTag(ctx, issueID, tagID); err != nil {
		t.Fatalf("AddTag: %v", err)
	}
	if got, _ := fake.Issue(issueID); len(got.Tags) != 1 || got.Tags[0] != "backend" {
		t.Errorf("tags after AddTag = %v, want [backend]", got.Tags)
	}
	if err := client.RemoveTag(ctx, issueID, tagID); err != nil {
		t.Fatalf("RemoveTag: %v", err)
	}
	created, err := client.CreateIssue(ctx, turboapi.IssueCreate{ProjectID: projectID, Title: "Imported", Type: "bug"})
	if err != nil || created.Key != "TURBO-1" {
		t.Fatalf("CreateIssue = %+v, %v; want key TURBO-1", created, err)
	}
}

func TestClientCommentCalls(t *testing.T) {
	fake, client := newFake(t)
	ctx := context.Background()

	c, err := client.CreateComment(ctx, turboapi.CommentCreate{EntityType: "issue", EntityID: issueID,
		Content: "From GitHub", AuthorName: "octocat (GitHub)", AuthorType: turboapi.AuthorUser})
	if err != nil || c.ID == "" {
		t.Fatalf("CreateComment = %+v, %v", c, err)
	}
	if c, err = client.UpdateComment(ctx, c.ID, "Edited"); err != nil || c.Content != "Edited" {
		t.Fatalf("UpdateComment = %+v, %v", c, err)
	}
	if err := client.DeleteComment(ctx, c.ID); err != nil {
		t.Fatalf("DeleteComment: %v", err)
	}
	if got := fake.Comments(issueID); len(got) != 0 {
		t.Errorf("comments after delete = %v, want none", got)
	}
}

func TestClientErrorsClassified(t *testing.T) {
	tests := []struct {
		name       string
		call       func(ctx context.Context, c *turboapi.Client) error
		script     func(f *turbofake.Server)
		wantStatus int
		want       sdk.Outcome
		wantReason string
		wantAfter  time.Duration
	}{
		{name: "404 unknown issue", wantStatus: 404, want: sdk.OutcomePermanent, wantReason: "does not exist in Turbo",
			call: func(ctx context.Context, c *turboapi.Client) error {
				_, err := c.GetIssue(ctx, "TURBO-999")
				return err
			}},
		{name: "422 invalid priority", wantStatus: 422, want: sdk.OutcomePermanent, wantReason: "body.priority: Input should be",
			call: func(ctx context.Context, c *turboapi.Client) error {
				_, err := c.UpdateIssue(ctx, issueID, turboapi.IssueUpdate{Priority: ptr("urgent")})
				return err
			}},
		{name: "422 assign by key", wantStatus: 422, want: sdk.OutcomePermanent, wantReason: "path.issue_id",
			call: func(ctx context.Context, c *turboapi.Client) error {
				_, err := c.AssignIssue(ctx, "TURBO-42", "a@b.c")
				return err
			}},
		{name: "409 scripted", wantStatus: 409, want: sdk.OutcomePermanent, wantReason: "work already in progress",
			script: func(f *turbofake.Server) {
				f.Fail("PUT", "issues/", 1, turbofake.Failure{Status: 409, Detail: "work already in progress"})
			},
			call: func(ctx context.Context, c *turboapi.Client) error {
				_, err := c.UpdateIssue(ctx, issueID, turboapi.IssueUpdate{Status: ptr("in_progress")})
				return err
			}},
		{name: "429 Retry-After", wantStatus: 429, want: sdk.OutcomeRetry, wantAfter: 30 * time.Second,
			script: func(f *turbofake.Server) {
				f.Fail("POST", "comments/", 1, turbofake.Failure{Status: 429, Detail: "slow down", RetryAfter: 30 * time.Second})
			},
			call: func(ctx context.Context, c *turboapi.Client) error {
				_, err := c.CreateComment(ctx, turboapi.CommentCreate{EntityType: "issue", EntityID: issueID, Content: "x", AuthorName: "a", AuthorType: "user"})
				return err
			}},
		{name: "500 retried", wantStatus: 500, want: sdk.OutcomeRetry,
			script: func(f *turbofake.Server) { f.Fail("GET", "issues/", 1, turbofake.Failure{Status: 500, Detail: "boom"}) },
			call:   func(ctx context.Context, c *turboapi.Client) error { _, err := c.GetIssue(ctx, issueID); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake, client := newFake(t)
			if tc.script != nil {
				tc.script(fake)
			}
			err := tc.call(context.Background(), client)
			var apiErr *turboapi.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.wantStatus {
				t.Fatalf("error = %v, want a *turboapi.Error with status %d", err, tc.wantStatus)
			}
			result := turboapi.Classify(err)
			if result.Outcome != tc.want {
				t.Errorf("Outcome = %v, want %v (reason %q)", result.Outcome, tc.want, result.Reason)
			}
			if !strings.Contains(result.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", result.Reason, tc.wantReason)
			}
			if result.RetryAfter != tc.wantAfter {
				t.Errorf("RetryAfter = %v, want %v", result.RetryAfter, tc.wantAfter)
			}
		})
	}
}

func TestClientWrongToken(t *testing.T) {
	fake, _ := newFake(t)
	client, _ := turboapi.New(turboapi.Options{BaseURL: fake.URL(), Token: "wrong-token"})
	_, err := client.GetIssue(context.Background(), issueID)
	result := turboapi.Classify(err)
	if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, "turbo.api_token") {
		t.Errorf("result = %v %q, want permanent naming turbo.api_token", result.Outcome, result.Reason)
	}
	if strings.Contains(result.Reason, "wrong-token") {
		t.Errorf("reason shows the token: %q", result.Reason)
	}
}
