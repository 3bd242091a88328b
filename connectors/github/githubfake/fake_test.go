package githubfake_test

import (
	"context"
	"testing"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
)

func TestListPagesAndFilters(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{ContentPerMinute: 1000, ContentPerHour: 1000})
	fake.AddUser("bot", "t-bot", "User")
	fake.AddUser("octocat", "t-human", "User")
	fake.AddRepo("acme/web")
	client := func(token string) *gh.Client {
		c := gh.NewClient(nil).WithAuthToken(token)
		c.BaseURL, _ = c.BaseURL.Parse(fake.URL())
		return c
	}
	ctx := context.Background()
	for i := range 120 {
		token := "t-bot"
		if i%4 == 0 {
			token = "t-human"
		}
		if _, _, err := client(token).Issues.Create(ctx, "acme", "web", &gh.IssueRequest{Title: gh.String("issue")}); err != nil {
			t.Fatal(err)
		}
	}

	opts := &gh.IssueListByRepoOptions{State: "all", Creator: "bot", ListOptions: gh.ListOptions{PerPage: 50}}
	seen := 0
	for page := 1; page < 10; page++ {
		opts.Page = page
		issues, resp, err := client("t-bot").Issues.ListByRepo(ctx, "acme", "web", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, issue := range issues {
			if issue.GetUser().GetLogin() != "bot" {
				t.Fatalf("creator filter let %s through", issue.GetUser().GetLogin())
			}
		}
		seen += len(issues)
		if resp.NextPage == 0 {
			break
		}
	}
	if seen != 90 {
		t.Errorf("listed %d issues by bot over the pages, want 90", seen)
	}
}

func TestBadTokenAndUnknownRepo(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddUser("bot", "t-bot", "User")
	c := gh.NewClient(nil).WithAuthToken("wrong")
	c.BaseURL, _ = c.BaseURL.Parse(fake.URL())
	if _, resp, err := c.Users.Get(context.Background(), ""); err == nil || resp.StatusCode != 401 {
		t.Errorf("a wrong token: %v", err)
	}
	c = gh.NewClient(nil).WithAuthToken("t-bot")
	c.BaseURL, _ = c.BaseURL.Parse(fake.URL())
	if _, resp, err := c.Issues.Get(context.Background(), "acme", "none", 1); err == nil || resp.StatusCode != 404 {
		t.Errorf("an unknown repository: %v", err)
	}
}

func TestGetRepository(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddUser("bot", "t-bot", "User")
	fake.AddRepo("acme/web")
	c := gh.NewClient(nil).WithAuthToken("t-bot")
	c.BaseURL, _ = c.BaseURL.Parse(fake.URL())
	ctx := context.Background()

	repo, _, err := c.Repositories.Get(ctx, "acme", "web")
	if err != nil {
		t.Fatalf("GET /repos/acme/web: %v", err)
	}
	if repo.GetFullName() != "acme/web" || !repo.GetHasIssues() {
		t.Errorf("repository = %s, has_issues %t; want acme/web with issues", repo.GetFullName(), repo.GetHasIssues())
	}

	fake.TurnOffIssues("acme/web")
	repo, _, _ = c.Repositories.Get(ctx, "acme", "web")
	if repo.GetHasIssues() {
		t.Error("has_issues is still true after TurnOffIssues")
	}
	_, resp, err := c.Issues.Create(ctx, "acme", "web", &gh.IssueRequest{Title: gh.String("x")})
	if err == nil || resp.StatusCode != 410 {
		t.Errorf("create in a repository without issues: %v, want 410", err)
	}
}
