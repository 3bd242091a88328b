package github

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/sdk"
)

// maxMarkerPages bounds the pages of issues read when looking for an issue
// the connector created but whose link was not stored (100 issues a page).
const maxMarkerPages = 10

// sinceMargin widens the search for an earlier create back from the Turbo
// issue's created_at, for clocks of Turbo and GitHub that differ.
const sinceMargin = time.Hour

// changedField maps the names in an event's data.changes to link keys.
var changedField = map[string]string{
	"title": keyTitle, "description": keyDescription, "status": keyState, "type": keyType,
	"priority": keyPriority, "tags": keyTags, "assignee": keyAssignee,
}

// issueToGitHub creates or edits the GitHub issue of a Turbo issue.
func (d *delivery) issueToGitHub(ctx context.Context) sdk.Result {
	if d.in.cfg.Direction == directionToTurbo {
		return d.skip("direction is github_to_turbo: Turbo's changes are not sent to GitHub")
	}
	var t turboIssue
	if err := json.Unmarshal(d.env.Data.Current, &t); err != nil || t.ID == "" {
		return sdk.Permanent("the event's data.current holds no Turbo issue with an id")
	}
	if t.ProjectID == "" {
		t.ProjectID = d.env.Context["project_id"]
	}
	repo, ok := d.in.cfg.Projects[t.ProjectID]
	if !ok {
		return d.skip("project " + t.ProjectID + " is not mapped to a repository in projects")
	}

	l := d.link()
	if l == nil {
		return d.createIssue(ctx, repo, t)
	}
	return d.editIssue(ctx, l, t, d.changedKeys())
}

// changedKeys returns the link keys in the event's data.changes, or nil
// without that list (every field is compared then).
func (d *delivery) changedKeys() []string {
	if len(d.env.Data.Changes) == 0 {
		return nil
	}
	var keys []string
	for _, name := range d.env.Data.Changes {
		if key, ok := changedField[name]; ok {
			keys = append(keys, key)
		}
	}
	return keys
}

// createIssue creates the GitHub issue, unless one with the issue's marker
// exists: then a create whose response was lost already made it, and it is
// linked and edited instead.
func (d *delivery) createIssue(ctx context.Context, repo string, t turboIssue) sdk.Result {
	found, err := d.findByMarker(ctx, repo, t)
	if err != nil {
		return d.githubFailure("look for an issue created earlier for "+t.ID, repo, err)
	}
	if found != nil {
		d.log.Info("found the GitHub issue of an earlier create; linking it instead of creating another",
			"issue", repo+"#"+itoa(found.GetNumber()), "turbo_issue", t.ID)
		l := &link{TurboID: t.ID, TurboKey: t.Key, Repo: repo, Number: found.GetNumber(), Fields: map[string]fieldState{}}
		return d.editIssue(ctx, l, t, nil)
	}

	w := d.in.m.fromTurbo(t, d.in.webURL)
	request := &gh.IssueRequest{Title: &w.title, Body: &w.body}
	if labels := replaceManaged(nil, nil, append([]string{w.typeLabel, w.priorityLabel}, w.tagLabels...)...); len(labels) > 0 {
		request.Labels = &labels
	}
	if w.login != "" {
		request.Assignees = &[]string{w.login}
	}
	owner, name := splitRepo(repo)
	var created *gh.Issue
	var resp *gh.Response
	err = d.in.pacer.mutate(ctx, func() error {
		created, resp, err = d.api.Issues.Create(ctx, owner, name, request)
		return err
	})
	if err != nil {
		return d.githubFailure("create the GitHub issue of "+t.Key, repo, err)
	}

	l := &link{TurboID: t.ID, TurboKey: t.Key, Repo: repo, Number: created.GetNumber(), Fields: map[string]fieldState{}}
	for _, key := range linkKeys {
		l.record(key, w.values[key], created.GetUpdatedAt().Time)
	}
	if w.state == "closed" {
		if result, ok := d.closeCreated(ctx, l, owner, name); !ok {
			return result
		}
	}
	d.log.Info("created the GitHub issue of a Turbo issue", "issue", l.ref(), "turbo_issue", t.Key)
	return linked(l, resp.StatusCode, l.ref())
}

// closeCreated closes an issue that was created for a closed Turbo issue:
// GitHub opens every new issue. On failure it returns the failure's result
// with the link stored, so the retry edits instead of creating.
func (d *delivery) closeCreated(ctx context.Context, l *link, owner, name string) (sdk.Result, bool) {
	state, reason := "closed", d.in.cfg.CloseReason
	var edited *gh.Issue
	err := d.in.pacer.mutate(ctx, func() error {
		var err error
		edited, _, err = d.api.Issues.Edit(ctx, owner, name, l.Number, &gh.IssueRequest{State: &state, StateReason: &reason})
		return err
	})
	if err != nil {
		f := l.Fields[keyState]
		f.GitHub = hashValue("open")
		l.Fields[keyState] = f
		result := d.githubFailure("close the new GitHub issue "+l.ref(), l.ref(), err)
		result.UpdateState, result.State, result.StateAliases = true, l.encode(), []string{l.githubKey()}
		return result, false
	}
	f := l.Fields[keyState]
	f.At = edited.GetUpdatedAt().Time
	l.Fields[keyState] = f
	return sdk.Result{}, true
}

// findByMarker looks for an issue of the repository whose body carries the
// Turbo issue's marker, among the issues updated since the Turbo issue was
// created (the connector cannot have created one before), newest first.
func (d *delivery) findByMarker(ctx context.Context, repo string, t turboIssue) (*gh.Issue, error) {
	opts := &gh.IssueListByRepoOptions{State: "all", Sort: "created", Direction: "desc",
		ListOptions: gh.ListOptions{PerPage: 100}}
	if !t.CreatedAt.IsZero() {
		opts.Since = t.CreatedAt.Add(-sinceMargin)
	}
	if login, err := d.loginName(ctx); err == nil {
		opts.Creator = login
	} else {
		d.log.Warn("could not learn the token's login; looking through every author's issues", "err", err)
	}
	owner, name := splitRepo(repo)
	marker := issueMarker(t.ID)
	for page := 1; page <= maxMarkerPages; page++ {
		opts.Page = page
		if err := d.in.pacer.read(ctx); err != nil {
			return nil, err
		}
		issues, resp, err := d.api.Issues.ListByRepo(ctx, owner, name, opts)
		if err != nil {
			return nil, err
		}
		for _, issue := range issues {
			if !issue.IsPullRequest() && strings.Contains(issue.GetBody(), marker) {
				return issue, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
	}
	// NOTE: a repository with more than 1,000 issues updated since the Turbo
	// issue was created is not searched to the end.
	d.log.Warn("stopped looking for an earlier create after the page limit", "pages", maxMarkerPages, "turbo_issue", t.ID)
	return nil, nil
}

// editIssue edits the fields of the GitHub issue whose Turbo value differs
// from the one last synced; keys, when not nil, limits the fields compared.
func (d *delivery) editIssue(ctx context.Context, l *link, t turboIssue, keys []string) sdk.Result {
	w := d.in.m.fromTurbo(t, d.in.webURL)
	now := d.in.clock.Now()
	var changed, echoes []string
	for _, key := range linkKeys {
		if keys != nil && !slices.Contains(keys, key) {
			continue
		}
		hash := hashValue(w.values[key].turbo)
		switch {
		case !d.in.cfg.syncsToGitHub(fieldOwner(key)):
		case hash == l.Fields[key].Turbo:
			l.takeEcho(key, hash, now)
		case l.takeEcho(key, hash, now):
			echoes = append(echoes, key)
		default:
			changed = append(changed, key)
		}
	}
	if len(echoes) > 0 {
		d.log.Debug("Turbo's webhook repeats values the sync wrote into Turbo; not sent back", "issue", l.ref(),
			"turbo_issue", t.Key, "fields", strings.Join(echoes, ","))
	}
	if len(changed) == 0 {
		if len(echoes) > 0 {
			return d.skipWith(l, "the change of "+strings.Join(echoes, ", ")+" of "+t.Key+
				" is a value the sync wrote into Turbo from GitHub (an echo); not sent back")
		}
		return d.skipWith(l, "no synced field of "+t.Key+" differs from the value last synced (an echo of a change from GitHub, or no change)")
	}

	owner, name := splitRepo(l.Repo)
	if err := d.in.pacer.read(ctx); err != nil {
		return d.githubFailure("read the GitHub issue "+l.ref(), l.ref(), err)
	}
	current, _, err := d.api.Issues.Get(ctx, owner, name, l.Number)
	if err != nil {
		return d.githubFailure("read the GitHub issue "+l.ref(), l.ref(), err)
	}
	request := d.editRequest(w, current, changed)

	var edited *gh.Issue
	var resp *gh.Response
	err = d.in.pacer.mutate(ctx, func() error {
		edited, resp, err = d.api.Issues.Edit(ctx, owner, name, l.Number, request)
		return err
	})
	if err != nil {
		return d.githubFailure("edit the GitHub issue "+l.ref(), l.ref(), err)
	}
	for _, key := range changed {
		l.record(key, w.values[key], edited.GetUpdatedAt().Time)
	}
	d.log.Info("edited the GitHub issue of a Turbo issue", "issue", l.ref(), "turbo_issue", t.Key, "fields", strings.Join(changed, ","))
	return linked(l, resp.StatusCode, l.ref())
}

// editRequest sets the changed fields; labels and assignees keep what the
// connector does not manage.
func (d *delivery) editRequest(w desired, current *gh.Issue, changed []string) *gh.IssueRequest {
	m := d.in.m
	request := &gh.IssueRequest{}
	view := m.fromGitHub(current, "")
	labels := view.labels
	labelsChanged := false
	for _, key := range changed {
		switch key {
		case keyTitle:
			request.Title = &w.title
		case keyDescription:
			request.Body = &w.body
		case keyState:
			state, reason := w.state, "reopened"
			if state == "closed" {
				reason = d.in.cfg.CloseReason
			}
			request.State, request.StateReason = &state, &reason
		case keyType:
			labels, labelsChanged = replaceManaged(labels, m.cfg.Labels.Types, w.typeLabel), true
		case keyPriority:
			labels, labelsChanged = replaceManaged(labels, m.cfg.Labels.Priorities, w.priorityLabel), true
		case keyTags:
			labels, labelsChanged = replaceManaged(labels, tagLabels(m.cfg.Tags), w.tagLabels...), true
		case keyAssignee:
			assignees := slices.DeleteFunc(slices.Clone(view.assignees), func(login string) bool {
				return m.email([]string{login}) != ""
			})
			if w.login != "" {
				assignees = append(assignees, w.login)
			}
			request.Assignees = &assignees
		}
	}
	if labelsChanged {
		request.Labels = &labels
	}
	return request
}

// tagLabels returns the labels of the synced tags, keyed by name.
func tagLabels(tags map[string]string) map[string]string {
	out := make(map[string]string, len(tags))
	for name := range tags {
		out[name] = name
	}
	return out
}

// commentToGitHub copies a Turbo comment to the linked GitHub issue, edits
// or deletes the copy.
func (d *delivery) commentToGitHub(ctx context.Context) sdk.Result {
	if !d.in.cfg.syncsToGitHub(fieldComments) {
		return d.skip("comments are not sent to GitHub (direction or ownership.comments)")
	}
	c, err := readTurboComment(d.env.Data.Current)
	if err != nil {
		return sdk.Permanent(err.Error())
	}
	if hasMarker(c.Content, githubCommentMarkerPrefix) {
		return d.skip("the comment was written by Switchboard from GitHub; not sent back")
	}
	l := d.link()
	if l == nil {
		return d.skip("the comment's issue is not linked to a GitHub issue")
	}
	owner, name := splitRepo(l.Repo)
	existing := l.commentByTurbo(c.ID)
	text := commentTextOf(c.Content)

	if d.env.Action == "deleted" {
		return d.deleteGitHubComment(ctx, l, existing, owner, name)
	}
	if existing != nil && existing.Hash == hashValue(text) {
		return d.skip("the comment is unchanged since it was last synced")
	}
	body := githubCommentBody(c.AuthorName, c.Content, c.ID)
	var posted *gh.IssueComment
	var resp *gh.Response
	err = d.in.pacer.mutate(ctx, func() error {
		var err error
		if existing == nil {
			posted, resp, err = d.api.Issues.CreateComment(ctx, owner, name, l.Number, &gh.IssueComment{Body: &body})
		} else {
			posted, resp, err = d.api.Issues.EditComment(ctx, owner, name, existing.GitHub, &gh.IssueComment{Body: &body})
		}
		return err
	})
	if err != nil {
		return d.githubFailure("write the comment on "+l.ref(), l.ref(), err)
	}
	if existing == nil {
		l.Comments = append(l.Comments, commentLink{Turbo: c.ID, GitHub: posted.GetID()})
		existing = &l.Comments[len(l.Comments)-1]
	}
	existing.Hash, existing.At = hashValue(text), posted.GetUpdatedAt().Time
	d.log.Info("copied a Turbo comment to GitHub", "issue", l.ref(), "comment", posted.GetID())
	return linked(l, resp.StatusCode, l.ref())
}

func (d *delivery) deleteGitHubComment(ctx context.Context, l *link, existing *commentLink, owner, name string) sdk.Result {
	if existing == nil {
		return d.skip("the deleted comment has no copy on GitHub")
	}
	var resp *gh.Response
	err := d.in.pacer.mutate(ctx, func() error {
		var err error
		resp, err = d.api.Issues.DeleteComment(ctx, owner, name, existing.GitHub)
		return err
	})
	status := http.StatusNoContent
	if err != nil && (resp == nil || resp.StatusCode != http.StatusNotFound) {
		return d.githubFailure("delete the comment on "+l.ref(), l.ref(), err)
	}
	if resp != nil {
		status = resp.StatusCode
	}
	l.removeComment(existing)
	return linked(l, status, l.ref())
}

func splitRepo(repo string) (string, string) {
	owner, name, _ := strings.Cut(repo, "/")
	return owner, name
}
