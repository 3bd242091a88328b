package githubfake_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
)

// TestUndeliveredWebhookLogged posts webhooks to a receiver that answers 500:
// the fake logs each one with its event and delivery id.
func TestUndeliveredWebhookLogged(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(receiver.Close)
	var mu sync.Mutex
	var lines []string
	fake := githubfake.Start(t, githubfake.Options{WebhookURL: receiver.URL, WebhookSecret: "webhook-secret-0123456",
		Logf: func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			lines = append(lines, fmt.Sprintf(format, args...))
		}})
	fake.AddRepo("acme/web")
	fake.AddUser("octocat", "t-octocat", "User")
	c := gh.NewClient(nil).WithAuthToken("t-octocat")
	c.BaseURL, _ = c.BaseURL.Parse(fake.URL())

	if _, _, err := c.Issues.Create(context.Background(), "acme", "web", &gh.IssueRequest{Title: gh.String("Login fails")}); err != nil {
		t.Fatal(err)
	}
	if !fake.WaitWebhooks(5 * time.Second) {
		t.Fatal("the webhook was not posted within 5s")
	}

	mu.Lock()
	defer mu.Unlock()
	logged := strings.Join(lines, "\n")
	if !strings.Contains(logged, "issues webhook") || !strings.Contains(logged, "not delivered") || !strings.Contains(logged, "status 500") {
		t.Errorf("no log line names the undelivered webhook:\n%s", logged)
	}
}
