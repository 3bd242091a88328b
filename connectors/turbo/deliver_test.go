package turbo

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

func TestActionsCallTurbo(t *testing.T) {
	tests := []struct {
		name     string
		target   sdk.Params
		want     []string
		status   int
		check    func(t *testing.T, e *env)
		response string
	}{
		{name: "assign by email", target: sdk.Params{"action": "assign", "assignee": "qa@example.com"},
			want: []string{"POST /api/v1/issues/" + issueID + "/assign"}, status: 200,
			response: "assigned " + issueID + " to qa@example.com",
			check: func(t *testing.T, e *env) {
				if issue, _ := e.fake.Issue(issueID); issue.Assignee != "qa@example.com" {
					t.Errorf("assignee = %q", issue.Assignee)
				}
			}},
		{name: "assign staff by id", target: sdk.Params{"action": "assign", "staff_id": staffID},
			want: []string{"PUT /api/v1/issues/" + issueID}, status: 200,
			check: func(t *testing.T, e *env) {
				if issue, _ := e.fake.Issue(issueID); issue.AssignedToType != "staff" || issue.AssignedToID != staffID {
					t.Errorf("assigned to %q %q", issue.AssignedToType, issue.AssignedToID)
				}
			}},
		{name: "assign an issue given by key", target: sdk.Params{"action": "assign", "assignee": "qa@example.com", "issue": issueKey},
			want: []string{"GET /api/v1/issues/" + issueKey, "POST /api/v1/issues/" + issueID + "/assign"}, status: 200},
		{name: "comment", target: sdk.Params{"action": "comment", "content": "Looks like a duplicate of TURBO-7."},
			want: []string{"POST /api/v1/comments/"}, status: 201,
			check: func(t *testing.T, e *env) {
				comments := e.fake.Comments(issueID)
				if len(comments) != 1 {
					t.Fatalf("%d comments, want 1", len(comments))
				}
				c := comments[0]
				if c.AuthorType != "ai" || c.AuthorName != "Switchboard" {
					t.Errorf("author = %s (%s), want Switchboard (ai)", c.AuthorName, c.AuthorType)
				}
				if !strings.HasPrefix(c.Content, "Looks like a duplicate of TURBO-7.\n\n<!-- switchboard route=triage delivery=dlv_test_5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b -->") {
					t.Errorf("content = %q, want the text and the hidden marker", c.Content)
				}
			}},
		{name: "comment as a user", target: sdk.Params{"action": "comment", "content": "Hi", "author_name": "Release bot", "author_type": "user"},
			want: []string{"POST /api/v1/comments/"}, status: 201,
			check: func(t *testing.T, e *env) {
				if c := e.fake.Comments(issueID)[0]; c.AuthorType != "user" || c.AuthorName != "Release bot" {
					t.Errorf("author = %s (%s)", c.AuthorName, c.AuthorType)
				}
			}},
		{name: "set priority", target: sdk.Params{"action": "set_priority", "priority": "critical"},
			want: []string{"PUT /api/v1/issues/" + issueID}, status: 200,
			check: func(t *testing.T, e *env) {
				if issue, _ := e.fake.Issue(issueID); issue.Priority != "critical" {
					t.Errorf("priority = %s", issue.Priority)
				}
			}},
		{name: "set status testing", target: sdk.Params{"action": "set_status", "status": "testing"},
			want: []string{"PUT /api/v1/issues/" + issueID}, status: 200,
			check: func(t *testing.T, e *env) {
				if issue, _ := e.fake.Issue(issueID); issue.Status != "testing" {
					t.Errorf("status = %s", issue.Status)
				}
			}},
		{name: "set status closed", target: sdk.Params{"action": "set_status", "status": "closed"},
			want: []string{"POST /api/v1/issues/" + issueID + "/close"}, status: 200},
		{name: "set status open reopens", target: sdk.Params{"action": "set_status", "status": "open"},
			want: []string{"POST /api/v1/issues/" + issueID + "/reopen"}, status: 200},
		{name: "add tag by name", target: sdk.Params{"action": "add_tag", "tag": "backend"},
			want: []string{"POST /api/v1/issues/" + issueID + "/tags/" + tagID}, status: 200,
			check: func(t *testing.T, e *env) {
				if issue, _ := e.fake.Issue(issueID); !slices.Equal(issue.Tags, []string{"backend"}) {
					t.Errorf("tags = %v", issue.Tags)
				}
			}},
		{name: "remove tag by id", target: sdk.Params{"action": "remove_tag", "tag": tagID},
			want: []string{"DELETE /api/v1/issues/" + issueID + "/tags/" + tagID}, status: 204},
		{name: "link to milestone", target: sdk.Params{"action": "link_to_milestone", "milestone": milestoneB},
			want: []string{"GET /api/v1/issues/" + issueID, "GET /api/v1/milestones/", "GET /api/v1/milestones/" + milestoneA + "/issues",
				"GET /api/v1/milestones/" + milestoneB + "/issues", "PUT /api/v1/issues/" + issueID}, status: 200,
			check: func(t *testing.T, e *env) {
				if issue, _ := e.fake.Issue(issueID); !slices.Equal(issue.Milestones, []string{milestoneB}) {
					t.Errorf("milestones = %v", issue.Milestones)
				}
			}},
		{name: "request", target: sdk.Params{"action": "request", "method": "PUT", "path": "/issues/" + issueKey,
			"body": `{"title": "Login fails after a reset"}`},
			want: []string{"PUT /api/v1/issues/" + issueKey}, status: 200, response: `"title":"Login fails after a reset"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, map[string]any{"tags": map[string]string{"backend": tagID}})
			result := e.deliver(request{target: tc.target})
			if result.Outcome != sdk.OutcomeDelivered {
				t.Fatalf("result = %v %q, want delivered", result.Outcome, result.Reason)
			}
			if result.StatusCode != tc.status {
				t.Errorf("status = %d, want %d", result.StatusCode, tc.status)
			}
			if got := e.requestsTo(); !slices.Equal(got, tc.want) {
				t.Errorf("requests =\n%v\nwant\n%v", got, tc.want)
			}
			if !strings.Contains(result.Response, tc.response) {
				t.Errorf("response = %q, want it to contain %q", result.Response, tc.response)
			}
			if !result.UpdateState || !strings.Contains(string(result.State), `"action":"`+tc.target.String("action")+`"`) {
				t.Errorf("state = %s, want the action recorded for the hop limit", result.State)
			}
			if tc.check != nil {
				tc.check(t, e)
			}
		})
	}
}

func TestLinkToMilestoneKeepsOthers(t *testing.T) {
	e := newEnv(t, nil)
	for _, m := range []string{milestoneA, milestoneB, milestoneB} {
		if result := e.deliver(request{target: sdk.Params{"action": "link_to_milestone", "milestone": m}}); result.Outcome != sdk.OutcomeDelivered {
			t.Fatalf("link to %s: %v %q", m, result.Outcome, result.Reason)
		}
	}
	if issue, _ := e.fake.Issue(issueID); !slices.Equal(issue.Milestones, []string{milestoneA, milestoneB}) {
		t.Errorf("milestones = %v, want both", issue.Milestones)
	}
	puts := 0
	for _, r := range e.requestsTo() {
		if strings.HasPrefix(r, "PUT ") {
			puts++
		}
	}
	if puts != 2 {
		t.Errorf("%d updates, want 2: linking to a milestone the issue has is no change", puts)
	}
}

func TestLinkToMilestoneOfAnotherProject(t *testing.T) {
	e := newEnv(t, nil)
	result := e.deliver(request{target: sdk.Params{"action": "link_to_milestone", "milestone": unknownID}})
	if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, "is not a milestone of project "+projectID) {
		t.Errorf("result = %v %q, want permanent naming the project", result.Outcome, result.Reason)
	}
}

func TestFailureAnswers(t *testing.T) {
	tests := []struct {
		name       string
		target     sdk.Params
		fail       func(f *turbofake.Server)
		want       sdk.Outcome
		wantStatus int
		wantReason string
		wantAfter  time.Duration
	}{
		{name: "404 deleted issue", target: sdk.Params{"action": "set_priority", "priority": "low", "issue": unknownID},
			want: sdk.OutcomePermanent, wantStatus: 404, wantReason: "issue " + unknownID + " was deleted or never existed in Turbo"},
		{name: "404 unknown key", target: sdk.Params{"action": "assign", "assignee": "qa@example.com", "issue": "TURBO-999"},
			want: sdk.OutcomePermanent, wantStatus: 404, wantReason: "issue TURBO-999 was deleted or never existed"},
		{name: "409 carries Turbo's message", target: sdk.Params{"action": "set_status", "status": "review"},
			fail: func(f *turbofake.Server) {
				f.Fail("PUT", "issues/", 1, turbofake.Failure{Status: 409, Detail: "issue is locked by a running agent"})
			},
			want: sdk.OutcomePermanent, wantStatus: 409, wantReason: "issue is locked by a running agent"},
		{name: "422 carries Turbo's message", target: sdk.Params{"action": "comment", "content": "x"},
			fail: func(f *turbofake.Server) {
				f.Fail("POST", "comments/", 1, turbofake.Failure{Status: 422, Detail: "content is too long"})
			},
			want: sdk.OutcomePermanent, wantStatus: 422, wantReason: "content is too long"},
		{name: "400 unknown tag", target: sdk.Params{"action": "add_tag", "tag": unknownID},
			want: sdk.OutcomePermanent, wantStatus: 400, wantReason: "Tag with id " + unknownID + " not found"},
		{name: "429 retried after Retry-After", target: sdk.Params{"action": "assign", "assignee": "qa@example.com"},
			fail: func(f *turbofake.Server) {
				f.Fail("POST", "issues/", 1, turbofake.Failure{Status: 429, Detail: "slow down", RetryAfter: 20 * time.Second})
			},
			want: sdk.OutcomeRetry, wantStatus: 429, wantAfter: 20 * time.Second},
		{name: "503 retried", target: sdk.Params{"action": "set_priority", "priority": "high"},
			fail: func(f *turbofake.Server) {
				f.Fail("PUT", "issues/", 1, turbofake.Failure{Status: 503, Detail: "maintenance"})
			},
			want: sdk.OutcomeRetry, wantStatus: 503},
		{name: "401 names the token", target: sdk.Params{"action": "set_priority", "priority": "high"},
			fail: func(f *turbofake.Server) {
				f.Fail("PUT", "issues/", 1, turbofake.Failure{Status: 401, Detail: "Not authenticated"})
			},
			want: sdk.OutcomePermanent, wantStatus: 401, wantReason: "turbo.api_token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			if tc.fail != nil {
				tc.fail(e.fake)
			}
			result := e.deliver(request{target: tc.target})
			if result.Outcome != tc.want {
				t.Fatalf("outcome = %v (%q), want %v", result.Outcome, result.Reason, tc.want)
			}
			if result.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", result.StatusCode, tc.wantStatus)
			}
			if !strings.Contains(result.Reason, tc.wantReason) {
				t.Errorf("reason = %q, want it to contain %q", result.Reason, tc.wantReason)
			}
			if result.RetryAfter != tc.wantAfter {
				t.Errorf("RetryAfter = %v, want %v", result.RetryAfter, tc.wantAfter)
			}
			if result.UpdateState {
				t.Errorf("a failed action stored state %s", result.State)
			}
		})
	}
}

func TestCommentEventIsOnItsIssue(t *testing.T) {
	e := newEnv(t, nil)
	comment := connectortest.LoadEvent(t, fixturePath+"comment-created.json")
	result := e.deliver(request{event: comment, target: sdk.Params{"action": "set_status", "status": "in_progress"}})
	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("result = %v %q", result.Outcome, result.Reason)
	}
	if issue, _ := e.fake.Issue(issueID); issue.Status != "in_progress" {
		t.Errorf("status = %s, want the comment's issue changed", issue.Status)
	}
}

func TestEventWithoutIssue(t *testing.T) {
	e := newEnv(t, nil)
	project := connectortest.LoadEvent(t, fixturePath+"project-created.json")
	result := e.deliver(request{event: project, target: sdk.Params{"action": "comment", "content": "x"}})
	if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, "set issue on the target") {
		t.Errorf("result = %v %q, want permanent asking for issue", result.Outcome, result.Reason)
	}
}

func TestRenderedValuesChecked(t *testing.T) {
	e := newEnv(t, nil)
	tests := map[string]struct {
		target sdk.Params
		want   string
	}{
		"empty assignee": {sdk.Params{"action": "assign", "assignee": ""}, "action assign needs one of assignee or staff_id"},
		"bad priority":   {sdk.Params{"action": "set_priority", "priority": "urgent"}, `"urgent" is not one of low, medium, high, critical`},
		"bad issue":      {sdk.Params{"action": "set_priority", "priority": "low", "issue": "42"}, "neither an issue id"},
		"body not JSON":  {sdk.Params{"action": "request", "method": "POST", "path": "comments/", "body": `{"content": "a "quote""}`}, "not valid JSON"},
		"path escapes":   {sdk.Params{"action": "request", "method": "GET", "path": "issues/../../admin"}, "leaves the API root"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			result := e.deliver(request{target: tc.target})
			if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, tc.want) {
				t.Errorf("result = %v %q, want permanent containing %q", result.Outcome, result.Reason, tc.want)
			}
		})
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Errorf("Turbo received %d requests for invalid targets", n)
	}
}

func TestSharedConnectorChecks(t *testing.T) {
	deliver := func(t *testing.T) connectortest.DeliverFunc {
		return func(ctx context.Context, baseURL string) sdk.Result {
			in, _ := configure(t, baseURL+"/api/v1", sdk.SystemClock, nil)
			req := &sdk.DeliveryRequest{DeliveryID: "dlv_x_1", Attempt: 1, Route: "triage",
				Events:    []sdk.Event{connectortest.LoadEvent(t, fixturePath+"issue-created-high.json")},
				Target:    sdk.Params{"action": "set_priority", "priority": "high"},
				EntityKey: "issue:" + issueID}
			return in.Deliver(ctx, req)
		}
	}
	t.Run("classification", func(t *testing.T) { connectortest.CheckClassification(t, deliver(t)) })
	t.Run("cancellation", func(t *testing.T) { connectortest.CheckCancellation(t, deliver(t)) })
}

func TestNoSecretInResultsOrLogs(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.Fail("PUT", "issues/", 1, turbofake.Failure{Status: http.StatusUnauthorized, Detail: "Not authenticated"})
	result := e.deliver(request{target: sdk.Params{"action": "set_priority", "priority": "low"}})
	connectortest.CheckNoSecretLeak(t, []string{apiToken}, result, e.logs.String())
}
