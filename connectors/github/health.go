package github

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/sdk"
)

// healthConcurrency bounds the repositories Health reads at once.
const healthConcurrency = 4

// Health reads each mapped repository with GET /repos/{owner}/{repo}, one
// cheap authenticated call each. GitHub responds with 401 to a bad token and
// with 404 for a repository that does not exist or that the token cannot see,
// and has_issues is false when the repository's issues are turned off. While
// a rate limit holds the token's calls, Health reports that without calling.
func (in *instance) Health(ctx context.Context) sdk.Health {
	if wait := in.pacer.blockedFor(); wait > 0 {
		return sdk.Health{Message: "GitHub's rate limit holds this token's calls for another " + wait.Round(time.Second).String()}
	}
	repos := in.repositories()
	problems := make([]string, len(repos))
	api := in.api()
	slots := make(chan struct{}, healthConcurrency)
	var wg sync.WaitGroup
	for i, repo := range repos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			problems[i] = in.checkRepository(ctx, api, repo)
		}()
	}
	wg.Wait()

	problems = slices.DeleteFunc(problems, func(p string) bool { return p == "" })
	if len(problems) > 0 {
		return sdk.Health{Message: strings.Join(problems, "; ")}
	}
	return sdk.Health{OK: true, Message: in.tokenOwner() + " can read " + strings.Join(repos, ", ")}
}

// checkRepository reads one repository and returns what is wrong with it, or
// "" when its issues can sync.
func (in *instance) checkRepository(ctx context.Context, api *gh.Client, repo string) string {
	owner, name := splitRepo(repo)
	r, _, err := api.Repositories.Get(ctx, owner, name)
	if err != nil {
		return in.githubFailure(in.log, "read repository "+repo, repo, err).Reason
	}
	if !r.GetHasIssues() {
		return "repository " + repo + " has its issues turned off; turn Issues on under its Settings, General, Features, or remove it from projects"
	}
	return ""
}

// repositories returns the mapped repositories, sorted.
func (in *instance) repositories() []string {
	repos := make([]string, 0, len(in.cfg.Projects))
	for _, repo := range in.cfg.Projects {
		repos = append(repos, repo)
	}
	slices.Sort(repos)
	return repos
}

// tokenOwner names the token's account when it is known already, so that
// Health costs no call to GET /user. It does not wait for a delivery that is
// asking GET /user at the moment.
func (in *instance) tokenOwner() string {
	if !in.loginMu.TryLock() {
		return "the token"
	}
	defer in.loginMu.Unlock()
	if in.login == "" {
		return "the token"
	}
	return "the token of " + in.login
}
