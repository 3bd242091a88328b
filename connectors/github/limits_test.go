package github

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
	"github.com/turbocode/switchboard/sdk"
)

// issueEvent returns issue.created of a new Turbo issue number n.
func issueEvent(t *testing.T, n int) sdk.Event {
	return turboEvent(t, "issue-created-high.json", func(c map[string]any) {
		c["id"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
		c["issue_key"] = fmt.Sprintf("TURBO-%d", 100+n)
		c["title"] = fmt.Sprintf("Issue %d", n)
	})
}

func TestRateLimitAnswersWaitOnTheClock(t *testing.T) {
	tests := []struct {
		name      string
		opts      githubfake.Options
		wantAfter time.Duration
		wantCode  int
	}{
		{name: "secondary 403 retry-after", opts: githubfake.Options{ContentPerMinute: 1}, wantAfter: time.Minute, wantCode: http.StatusForbidden},
		{name: "secondary 429 retry-after", opts: githubfake.Options{ContentPerMinute: 1, SecondaryStatus: http.StatusTooManyRequests},
			wantAfter: time.Minute, wantCode: http.StatusTooManyRequests},
		{name: "secondary without retry-after", opts: githubfake.Options{ContentPerMinute: 1, OmitRetryAfter: true},
			wantAfter: minRateLimitWait, wantCode: http.StatusForbidden},
		{name: "primary until reset", opts: githubfake.Options{PrimaryLimit: 3}, wantAfter: time.Hour, wantCode: http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts, func(cfg map[string]any) { cfg["login"] = botLogin })
			h.mustDeliver(issueEvent(t, 1), sdk.OutcomeDelivered)

			limited := h.mustDeliver(issueEvent(t, 2), sdk.OutcomeRetry)
			if limited.RetryAfter != tc.wantAfter || limited.StatusCode != tc.wantCode {
				t.Fatalf("rate-limited attempt: RetryAfter %v status %d (%s), want %v and %d",
					limited.RetryAfter, limited.StatusCode, limited.Reason, tc.wantAfter, tc.wantCode)
			}

			sent := len(h.github.Requests())
			held := h.mustDeliver(issueEvent(t, 2), sdk.OutcomeRetry)
			if len(h.github.Requests()) != sent {
				t.Errorf("a call went out while the token was blocked")
			}
			if held.RetryAfter <= 0 || held.RetryAfter > tc.wantAfter {
				t.Errorf("blocked attempt: RetryAfter %v, want the rest of %v", held.RetryAfter, tc.wantAfter)
			}

			h.clock.Advance(tc.wantAfter + time.Second)
			h.mustDeliver(issueEvent(t, 2), sdk.OutcomeDelivered)
		})
	}
}

// createAtOnce delivers the creates of n issues at the same time, moving the
// fake clock to each wait's end until all are done, and returns the results.
func createAtOnce(t *testing.T, h *harness, n int) []sdk.Result {
	t.Helper()
	results := make([]sdk.Result, n)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			results[i] = h.deliver(ctx, issueEvent(t, i), nil)
		}()
	}
	go func() { wg.Wait(); close(done) }()

	deadline := time.After(2 * time.Minute)
	for {
		select {
		case <-done:
			return results
		case <-deadline:
			t.Fatalf("the %d creates did not finish within 2 minutes", n)
		case <-time.After(time.Millisecond):
		}
		if next, ok := h.clock.NextDeadline(); ok {
			h.clock.Set(next)
		}
	}
}

func rateLimitResponses(h *harness) int {
	n := 0
	for _, r := range h.github.Requests() {
		if r.Status == http.StatusForbidden || r.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

// TestFiftyCreatesStayUnderSecondaryLimit creates 50 issues at once against a
// fake whose secondary limit is 20 content-creating requests a minute, a
// quarter of github.com's 80, with min_gap 3.5s (about 17 a minute): the
// gap, not the limit, decides. Without the gap the same burst is refused.
func TestFiftyCreatesStayUnderSecondaryLimit(t *testing.T) {
	const issues = 50
	limits := githubfake.Options{ContentPerMinute: 20}

	t.Run("with min_gap", func(t *testing.T) {
		h := newHarness(t, limits, func(cfg map[string]any) { cfg["min_gap"] = "3500ms"; cfg["login"] = botLogin })
		start := h.clock.Now()
		for i, result := range createAtOnce(t, h, issues) {
			if result.Outcome != sdk.OutcomeDelivered {
				t.Errorf("issue %d: %v (%s)", i, result.Outcome, result.Reason)
			}
		}
		if n := len(h.github.Issues(testRepo)); n != issues {
			t.Errorf("GitHub has %d issues, want %d", n, issues)
		}
		if n := rateLimitResponses(h); n != 0 {
			t.Errorf("%d rate-limit responses, want none", n)
		}
		if took := h.clock.Now().Sub(start); took < (issues-1)*3500*time.Millisecond {
			t.Errorf("the creates took %v on the clock, less than 49 gaps", took)
		}
	})

	t.Run("without min_gap", func(t *testing.T) {
		h := newHarness(t, limits, func(cfg map[string]any) { cfg["min_gap"] = "0s"; cfg["login"] = botLogin })
		createAtOnce(t, h, issues)
		if n := rateLimitResponses(h); n == 0 {
			t.Error("no rate-limit response without a gap; the fake's secondary limit did not apply")
		}
	})
}
