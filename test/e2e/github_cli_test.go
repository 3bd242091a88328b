package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk/clock"
)

// githubExample is the GitHub webhook file of the examples, as emit and
// routes test take it.
const githubExample = "../../examples/events/github/issues-edited.json"

// TestEmitPostsGitHubWebhook emits the example GitHub webhook signed with the
// config's webhook_secret, again as a duplicate, with a new delivery id, and
// with a wrong secret.
func TestEmitPostsGitHubWebhook(t *testing.T) {
	in, _, _ := newGitHubSync(t, clock.NewFake(time.Now().UTC()))
	in.start()

	out, err := exec.Command(binary, "emit", "--config", in.config, githubExample).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "-> /v1/github/webhook 202 Accepted") ||
		!strings.Contains(string(out), "d6f1a3b2-5c4e-11f1-8a7b-0e1f2a3b4c5d") {
		t.Fatalf("emit of the GitHub webhook: %v, want 202 with the file's X-GitHub-Delivery as the event id:\n%s", err, out)
	}

	again, err := exec.Command(binary, "emit", "--config", in.config, githubExample).CombinedOutput()
	if err != nil || !strings.Contains(string(again), "200 OK") || !strings.Contains(string(again), `"duplicate":true`) {
		t.Errorf("emitting the same webhook again: %v, want a duplicate:\n%s", err, again)
	}

	renewed, err := exec.Command(binary, "emit", "--config", in.config, "--new-id", githubExample).CombinedOutput()
	if err != nil || !strings.Contains(string(renewed), "202 Accepted") {
		t.Errorf("emit --new-id: %v, want a new event:\n%s", err, renewed)
	}

	bad, err := exec.Command(binary, "emit", "--config", in.config, "--github-secret", "not-the-webhook-secret", githubExample).CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 || !strings.Contains(string(bad), "401") {
		t.Errorf("emit with a wrong GitHub secret: %v, want exit 1 with the 401 answer:\n%s", err, bad)
	}
	if output := string(out) + string(again) + string(renewed) + string(bad); strings.Contains(output, syncGitHubSecret) {
		t.Errorf("emit printed the webhook secret:\n%s", output)
	}
}

// TestRoutesTestTakesGitHubWebhook shows the routes the github.* event of the
// example file matches and what the connector would write into Turbo.
func TestRoutesTestTakesGitHubWebhook(t *testing.T) {
	in, _, github := newGitHubSync(t, clock.NewFake(time.Now().UTC()))

	out, err := exec.Command(binary, "routes", "test", "--config", in.config, "--event", githubExample).CombinedOutput()

	if err != nil {
		t.Fatalf("routes test: %v\n%s", err, out)
	}
	for _, want := range []string{
		"event d6f1a3b2-5c4e-11f1-8a7b-0e1f2a3b4c5d  github.issues.edited  (github)",
		"+ github-sync: matches",
		"(ordered by github|github_issue:acme/web#12)",
		"writes into the Turbo issue linked to acme/web#12",
		"/issues/{id} title: Login fails with 500 after password reset",
		"1 of 1 routes match; nothing was sent",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("routes test output lacks %q:\n%s", want, out)
		}
	}
	if n := len(github.Requests()); n != 0 {
		t.Errorf("routes test sent %d requests to GitHub", n)
	}
}
