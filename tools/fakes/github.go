package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
)

// repositoryName matches owner/repo.
var repositoryName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$`)

// runGitHub runs the fake GitHub API with the repositories and accounts of
// the flags.
func runGitHub(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("github", stderr)
	addr := fs.String("listen", "127.0.0.1:0", "address to serve the API on")
	webhookURL := fs.String("webhook-url", "", "where the fake posts its webhooks, such as http://127.0.0.1:8470/v1/github/webhook (default: none are sent)")
	secretEnv := fs.String("secret-env", "", "environment variable with the webhook secret, the connector's webhook_secret; required with --webhook-url")
	var users pairs
	fs.Var(&users, "user", "an account as login=VARIABLE, whose token is in $VARIABLE; repeat for several, such as the connector's account and a person's")
	var repoList repoFlags
	fs.Var(&repoList, "repo", "a repository, owner/repo; repeat for several")
	var fails failFlags
	fs.Var(&fails, "fail", "answer requests with an error, as METHOD:PREFIX:N:STATUS (such as PATCH:/repos/acme/web/issues:2:502 for the next 2 issue edits); repeat for several")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if len(users) == 0 || len(repoList) == 0 {
		fmt.Fprintln(stderr, "fakes github: name at least one --user login=VARIABLE and one --repo owner/repo")
		return exitUsage
	}

	opts := githubfake.Options{WebhookURL: *webhookURL, Logf: logger(stderr)}
	if *webhookURL != "" {
		secret, ok := secretOrUsage("github", "secret-env", *secretEnv, stderr)
		if !ok {
			return exitUsage
		}
		opts.WebhookSecret = secret
	}
	tokens := map[string]string{}
	for _, user := range users {
		login, variable, _ := strings.Cut(user, "=")
		token, ok := secretOrUsage("github", "user", variable, stderr)
		if !ok {
			return exitUsage
		}
		tokens[login] = token
	}

	listener, ok := listen(*addr, stderr)
	if !ok {
		return exitFail
	}
	fake := githubfake.New(listener, opts)
	defer fake.Close()
	users.each(func(login, variable string) {
		fake.AddUser(login, tokens[login], "User")
		fmt.Fprintf(stdout, "account %s, token from $%s\n", login, variable)
	})
	for _, repo := range repoList {
		fake.AddRepo(repo)
		fmt.Fprintf(stdout, "repository %s\n", repo)
	}
	fails.apply(fake)
	for _, x := range fails {
		fmt.Fprintln(stdout, x.describe())
	}
	if *webhookURL != "" {
		fmt.Fprintf(stdout, "webhooks go to %s, signed with $%s\n", *webhookURL, *secretEnv)
	}
	fmt.Fprintf(stdout, "fake GitHub API at %s (set the github connector's api_url to it)\n", fake.URL())

	<-ctx.Done()
	return exitOK
}

// repoFlags collects repeated --repo values.
type repoFlags []string

func (r *repoFlags) String() string { return fmt.Sprint(*r) }

func (r *repoFlags) Set(value string) error {
	if !repositoryName.MatchString(value) {
		return fmt.Errorf("%q is not owner/repo", value)
	}
	*r = append(*r, value)
	return nil
}
