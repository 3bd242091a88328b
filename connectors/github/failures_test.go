package github

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
	"github.com/turbocode/switchboard/sdk"
)

func TestFailuresNameRepository(t *testing.T) {
	tests := []struct {
		name   string
		change func(cfg map[string]any)
		want   []string
	}{
		{"404 unknown repository", func(cfg map[string]any) { cfg["projects"] = map[string]string{testProject: "acme/gone"} },
			[]string{"not found (404) for repository acme/gone", "owner/repo", "Repository access"}},
		{"401 bad token", func(cfg map[string]any) { cfg["token"] = "ghp_revoked-token-0123456789" },
			[]string{"GitHub rejected the token (401: Bad credentials) for repository acme/web", "invalid, expired or revoked", "token"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, githubfake.Options{}, tc.change)
			result := h.mustDeliver(turboEvent(t, "issue-created-high.json", nil), sdk.OutcomePermanent)
			for _, want := range tc.want {
				if !strings.Contains(result.Reason, want) {
					t.Errorf("reason %q lacks %q", result.Reason, want)
				}
			}
			if strings.Contains(result.Reason, "ghp_") {
				t.Errorf("reason shows the token: %q", result.Reason)
			}
		})
	}
}

func TestFailureNamesMissingIssue(t *testing.T) {
	h := newHarness(t, githubfake.Options{}, nil)
	h.mustDeliver(turboEvent(t, "issue-created-high.json", nil), sdk.OutcomeDelivered)
	h.github.Fail(http.MethodGet, "/repos/acme/web/issues/1", 1, githubfake.Failure{Status: http.StatusNotFound, Message: "Not Found"})

	result := h.mustDeliver(turboEvent(t, "issue-updated-status.json", nil), sdk.OutcomePermanent)

	for _, want := range []string{"read the GitHub issue acme/web#1", "for repository acme/web", "issue #1 was not deleted or transferred"} {
		if !strings.Contains(result.Reason, want) {
			t.Errorf("reason %q lacks %q", result.Reason, want)
		}
	}
}

func TestRateLimitLogNamesDelivery(t *testing.T) {
	h := newHarness(t, githubfake.Options{ContentPerMinute: 1}, func(cfg map[string]any) { cfg["login"] = botLogin })
	h.mustDeliver(issueEvent(t, 1), sdk.OutcomeDelivered)
	h.mustDeliver(issueEvent(t, 2), sdk.OutcomeRetry)

	var line string
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(l, "GitHub rate limit reached") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no rate-limit line in the log:\n%s", h.logs)
	}
	for _, want := range []string{"level=WARN", "delivery_id=dlv_test_2", "connector=github", "event_type=issue.created", "attempt=1"} {
		if !strings.Contains(line, want) {
			t.Errorf("rate-limit line lacks %s: %s", want, line)
		}
	}
}

func TestHealthReadsEachRepository(t *testing.T) {
	tests := []struct {
		name    string
		change  func(cfg map[string]any)
		prepare func(h *harness)
		wantOK  bool
		// wantWaiting: calls wait for a rate limit, which is no failure.
		wantWaiting bool
		want        []string
	}{
		{name: "healthy", wantOK: true, want: []string{"the token of switchboard-bot can read acme/web"},
			change: func(cfg map[string]any) { cfg["login"] = botLogin }},
		{name: "two repositories", wantOK: true, want: []string{"can read acme/api, acme/web"},
			change: func(cfg map[string]any) {
				cfg["projects"] = map[string]string{testProject: testRepo, otherProject: "acme/api"}
			},
			prepare: func(h *harness) { h.github.AddRepo("acme/api") }},
		{name: "unknown repository", want: []string{"read repository acme/gone", "not found (404) for repository acme/gone", "Repository access"},
			change: func(cfg map[string]any) {
				cfg["projects"] = map[string]string{testProject: testRepo, otherProject: "acme/gone"}
			}},
		{name: "bad token", want: []string{"401", "invalid, expired or revoked"},
			change: func(cfg map[string]any) { cfg["token"] = "ghp_revoked-token-0123456789" }},
		{name: "issues turned off", want: []string{"repository acme/web has its issues turned off"},
			prepare: func(h *harness) { h.github.TurnOffIssues(testRepo) }},
		{name: "rate limited", wantWaiting: true, want: []string{"GitHub's rate limit holds this token's calls for another 1m0s"},
			prepare: func(h *harness) { h.inst.pacer.block(h.clock.Now().Add(time.Minute)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, githubfake.Options{}, tc.change)
			if tc.prepare != nil {
				tc.prepare(h)
			}
			sent := len(h.github.Requests())
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()

			health := h.inst.Health(ctx)

			if health.OK != tc.wantOK || health.Waiting != tc.wantWaiting {
				t.Errorf("OK = %t, Waiting = %t, want %t, %t (%s)", health.OK, health.Waiting, tc.wantOK, tc.wantWaiting, health.Message)
			}
			for _, want := range tc.want {
				if !strings.Contains(health.Message, want) {
					t.Errorf("message %q lacks %q", health.Message, want)
				}
			}
			if strings.Contains(health.Message, "ghp_") {
				t.Errorf("message shows the token: %q", health.Message)
			}
			for _, r := range h.github.Requests()[sent:] {
				if r.Method != http.MethodGet || !strings.HasPrefix(r.Path, "/repos/") {
					t.Errorf("Health sent %s %s, want only GET /repos/{owner}/{repo}", r.Method, r.Path)
				}
			}
		})
	}
}

// TestIssuesOffFailsWithoutPause gets GitHub's 410 for a repository whose
// issues are turned off: the delivery fails naming the repository, and the
// result carries no 410 status, on which the host would pause the connector.
func TestIssuesOffFailsWithoutPause(t *testing.T) {
	h := newHarness(t, githubfake.Options{}, nil)
	h.github.TurnOffIssues(testRepo)

	result := h.mustDeliver(turboEvent(t, "issue-created-high.json", nil), sdk.OutcomePermanent)

	if result.StatusCode == http.StatusGone {
		t.Error("the result carries status 410, which pauses the whole connector")
	}
	for _, want := range []string{"gone (410) for repository acme/web", "Issues are disabled for this repo", "turn the repository's issues on"} {
		if !strings.Contains(result.Reason, want) {
			t.Errorf("reason %q lacks %q", result.Reason, want)
		}
	}
}

func TestConnectorTestReadsWithoutWriting(t *testing.T) {
	tests := []struct {
		name    string
		change  func(cfg map[string]any)
		outcome sdk.Outcome
		want    []string
	}{
		{name: "healthy", outcome: sdk.OutcomeDelivered, want: []string{"the token of switchboard-bot can read acme/web", "wrote nothing"}},
		{name: "bad token", outcome: sdk.OutcomePermanent, want: []string{"GET /user", "401", "invalid, expired or revoked"},
			change: func(cfg map[string]any) { cfg["token"] = "ghp_revoked-token-0123456789" }},
		{name: "unknown repository", outcome: sdk.OutcomePermanent, want: []string{"not found (404) for repository acme/gone"},
			change: func(cfg map[string]any) { cfg["projects"] = map[string]string{testProject: "acme/gone"} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, githubfake.Options{}, tc.change)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()

			result := h.inst.Test(ctx, nil)

			if result.Outcome != tc.outcome {
				t.Errorf("outcome %v (%s), want %v", result.Outcome, result.Reason, tc.outcome)
			}
			text := result.Reason + result.Response
			for _, want := range tc.want {
				if !strings.Contains(text, want) {
					t.Errorf("result %q lacks %q", text, want)
				}
			}
			for _, r := range h.github.Requests() {
				if r.Method != http.MethodGet {
					t.Errorf("the test sent %s %s, want reads only", r.Method, r.Path)
				}
			}
		})
	}
}
