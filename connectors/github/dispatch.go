package github

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/sdk"
)

// maxEventTypeRunes bounds a repository_dispatch event type, as GitHub does.
const maxEventTypeRunes = 100

// dispatch sends the event as a repository_dispatch, so that a workflow with
// "on: repository_dispatch" and the event type runs. The envelope goes in
// client_payload.event: GitHub allows at most 10 top-level keys there, and a
// derived event's envelope has 11.
func (d *delivery) dispatch(ctx context.Context, t target) sdk.Result {
	repo, err := dispatchRepository(d.in.cfg, d.env, t)
	if err != nil {
		return sdk.Permanent(err.Error())
	}

	payload := json.RawMessage(`{"event":` + string(d.req.Events[0].Envelope) + `}`)
	owner, name := splitRepo(repo)
	var resp *gh.Response
	err = d.in.pacer.mutate(ctx, func() error {
		var err error
		_, resp, err = d.api.Repositories.Dispatch(ctx, owner, name, gh.DispatchRequestOptions{EventType: t.eventType, ClientPayload: &payload})
		return err
	})
	if err != nil {
		return d.githubFailure("send repository_dispatch "+t.eventType+" to "+repo, repo, err)
	}
	d.log.Info("sent repository_dispatch", "repository", repo, "dispatch_event_type", t.eventType)
	status := http.StatusNoContent
	if resp != nil {
		status = resp.StatusCode
	}
	result := sdk.Delivered(status, "")
	result.ExternalRef = repo + " " + t.eventType
	return result
}

// dispatchRepository returns the repository a repository_dispatch goes to:
// the target's, else the one mapped to the event's project. It checks the
// repository and the event type.
func dispatchRepository(cfg config, env envelope, t target) (string, error) {
	repo := t.repository
	if repo == "" {
		repo = cfg.Projects[env.Context["project_id"]]
	}
	switch {
	case repo == "":
		return "", errors.New("no repository for repository_dispatch: set repository on the target, or map the event's project in projects")
	case !repositoryName.MatchString(repo):
		return "", errors.New("invalid repository " + repo + " for repository_dispatch; write owner/repo")
	case t.eventType == "" || utf8.RuneCountInString(t.eventType) > maxEventTypeRunes:
		return "", errors.New("repository_dispatch needs an event_type of 1 to 100 characters")
	}
	return repo, nil
}
