package github

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/sdk"
)

// healthConcurrency bounds the repositories Health reads at once.
const healthConcurrency = 4

var _ sdk.Tester = (*instance)(nil)

// Health reads each mapped repository with GET /repos/{owner}/{repo}, one
// cheap authenticated call each. GitHub responds with 401 to a bad token and
// with 404 for a repository that does not exist or that the token cannot see,
// and has_issues is false when the repository's issues are turned off. While
// a rate limit holds the token's calls, Health reports that without calling.
func (in *instance) Health(ctx context.Context) sdk.Health {
	if wait := in.pacer.blockedFor(); wait > 0 {
		return sdk.Health{Waiting: true, Message: "GitHub's rate limit holds this token's calls for another " + wait.Round(time.Second).String()}
	}
	repos := in.repositories()
	var problems []string
	for _, result := range in.checkRepositories(ctx, in.api(), repos) {
		if result.Outcome != sdk.OutcomeDelivered {
			problems = append(problems, result.Reason)
		}
	}
	if len(problems) > 0 {
		return sdk.Health{Message: strings.Join(problems, "; ")}
	}
	return sdk.Health{OK: true, Message: in.tokenOwner() + " can read " + strings.Join(repos, ", ")}
}

// CheckAtStart has the host call Health once at the start, so that a
// revoked token or a wrong repository is logged before a delivery fails.
func (in *instance) CheckAtStart() bool { return true }

// Test checks the token and each mapped repository, as Health does, and
// writes nothing: a sample event is no issue the sync could act on. The
// token's account is read with GET /user unless login is set.
func (in *instance) Test(ctx context.Context, _ sdk.Params) sdk.Result {
	api := in.api()
	login, err := in.loginName(ctx, api)
	if err != nil {
		return in.githubFailure(in.log, "read the token's account with GET /user", "", err)
	}
	repos := in.repositories()
	for _, result := range in.checkRepositories(ctx, api, repos) {
		if result.Outcome != sdk.OutcomeDelivered {
			return result
		}
	}
	return sdk.Delivered(http.StatusOK, "the token of "+login+" can read "+strings.Join(repos, ", ")+
		"; the sync writes only to linked issues, so the test wrote nothing")
}

// checkRepositories reads each repository, a few at a time, and returns a
// result per repository in the order given.
func (in *instance) checkRepositories(ctx context.Context, api *gh.Client, repos []string) []sdk.Result {
	results := make([]sdk.Result, len(repos))
	slots := make(chan struct{}, healthConcurrency)
	var wg sync.WaitGroup
	for i, repo := range repos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i] = in.checkRepository(ctx, api, repo)
		}()
	}
	wg.Wait()
	return results
}

// checkRepository reads one repository: delivered when its issues can sync,
// else the failure that names what is wrong.
func (in *instance) checkRepository(ctx context.Context, api *gh.Client, repo string) sdk.Result {
	owner, name := splitRepo(repo)
	r, resp, err := api.Repositories.Get(ctx, owner, name)
	if err != nil {
		return in.githubFailure(in.log, "read repository "+repo, repo, err)
	}
	if !r.GetHasIssues() {
		return sdk.Permanent("repository " + repo + " has its issues turned off; turn Issues on under its Settings, General, Features, or remove it from projects")
	}
	return sdk.Delivered(resp.StatusCode, "")
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
