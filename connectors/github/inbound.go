package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/turboapi"
)

// issueActions are the issues actions that can change a synced field.
var issueActions = []string{"opened", "edited", "closed", "reopened", "labeled", "unlabeled", "assigned", "unassigned"}

// commentActions are the issue_comment actions.
var commentActions = []string{"created", "edited", "deleted"}

// webhook is the part of a GitHub webhook body the connector reads.
type webhook struct {
	Action     string           `json:"action"`
	Issue      *gh.Issue        `json:"issue"`
	Comment    *gh.IssueComment `json:"comment"`
	Repository *gh.Repository   `json:"repository"`
	Sender     *gh.User         `json:"sender"`
	// Changes holds the values before an edit, by GitHub's field name.
	Changes map[string]changeFrom `json:"changes"`
	// Label is the label a labeled or unlabeled action added or removed.
	Label *gh.Label `json:"label"`
}

// readWebhook reads the webhook in data.native and checks that it concerns a
// mapped repository and an issue, not a pull request, and that the token's
// own account did not make the change.
func (d *delivery) readWebhook(ctx context.Context, actions []string) (*webhook, *sdk.Result) {
	w, skipReason, err := d.in.parseWebhook(d.env.Data.Native, actions)
	if err != nil {
		result := sdk.Permanent(err.Error())
		return nil, &result
	}
	if skipReason != "" {
		result := d.skip(skipReason)
		return nil, &result
	}
	login, err := d.loginName(ctx)
	if err != nil {
		result := d.githubFailure("learn the token's login", w.Repository.GetFullName(), err)
		return nil, &result
	}
	if strings.EqualFold(w.Sender.GetLogin(), login) {
		result := d.skip("the change was made by Switchboard's own account " + login + "; not sent back")
		return nil, &result
	}
	return w, nil
}

// parseWebhook reads a webhook body and returns it, or why Deliver skips it
// (the direction, a pull request, another action or an unmapped repository),
// or an error for a body without an issue and a repository.
func (in *instance) parseWebhook(native json.RawMessage, actions []string) (*webhook, string, error) {
	var w webhook
	if err := json.Unmarshal(native, &w); err != nil || w.Issue == nil || w.Repository == nil {
		return nil, "", errors.New("the event's data.native holds no GitHub webhook with an issue and a repository")
	}
	switch {
	case in.cfg.Direction == directionToGH:
		return nil, "direction is turbo_to_github: GitHub's changes are not sent to Turbo", nil
	case w.Issue.IsPullRequest():
		return nil, "pull requests and their comments are not synced", nil
	case !slices.Contains(actions, w.Action):
		return nil, "action " + w.Action + " changes no synced field", nil
	}
	if _, ok := in.cfg.projectOf(w.Repository.GetFullName()); !ok {
		return nil, "repository " + w.Repository.GetFullName() + " is not mapped to a project in projects", nil
	}
	return &w, "", nil
}

// issueToTurbo applies a GitHub issue's changes to its Turbo issue.
func (d *delivery) issueToTurbo(ctx context.Context) sdk.Result {
	w, result := d.readWebhook(ctx, issueActions)
	if result != nil {
		return *result
	}
	l := d.link()
	if l == nil {
		return d.unlinkedGitHubIssue(ctx, w)
	}

	view := d.in.m.fromGitHub(w.Issue, l.TurboKey)
	var replaced []string
	if d.in.cfg.syncsToTurbo(fieldLabels) {
		replaced = d.in.m.settleLabelKinds(&view, l, w.addedLabel())
	}
	c := d.compareGitHub(l, w, view)
	if len(c.stale) > 0 {
		d.log.Info("GitHub change older than the value last synced; not applied", "issue", l.ref(),
			"fields", strings.Join(c.stale, ","), "updated_at", view.updatedAt)
	}
	if len(c.deferred) > 0 {
		d.log.Debug("GitHub change of the same second as the value last synced; left to the webhook of its own action",
			"issue", l.ref(), "action", w.Action, "fields", strings.Join(c.deferred, ","), "updated_at", view.updatedAt)
	}
	if len(replaced) > 0 && !slices.ContainsFunc(append(c.stale, c.deferred...), isLabelKind) {
		if result := d.removeLabels(ctx, l, replaced); result != nil {
			return *result
		}
	}
	if c.apply.empty() {
		return d.skipWith(l, c.reason(l, view.updatedAt, time.Time{}))
	}
	return d.writeToTurbo(ctx, l, w, c, view)
}

// unlinkedGitHubIssue imports an issue opened on GitHub when import is on,
// or skips a webhook of an issue without a link, with the reason.
func (d *delivery) unlinkedGitHubIssue(ctx context.Context, w *webhook) sdk.Result {
	switch {
	case hasMarker(w.Issue.GetBody(), issueMarkerPrefix):
		return d.skip("the issue was created by Switchboard; its link is stored with the create")
	case !d.in.cfg.Import:
		return d.skip("the GitHub issue is not linked to a Turbo issue, and import is off (set import: true to import issues opened on GitHub)")
	case w.Action != "opened":
		return d.skip("the GitHub issue is not linked to a Turbo issue; import creates Turbo issues from the opened webhook only, and this webhook is " + w.Action)
	}
	return d.importIssue(ctx, w)
}

// writeToTurbo writes the changes into the Turbo issue, except those that
// Turbo changed later and the part of a cut description that GitHub never
// showed, and records what it wrote.
func (d *delivery) writeToTurbo(ctx context.Context, l *link, w *webhook, c githubComparison, view githubView) sdk.Result {
	current, err := d.in.turbo.GetIssue(ctx, l.TurboID)
	if err != nil {
		return turboFailure("read Turbo issue "+l.TurboKey, err)
	}
	c.later = d.laterInTurbo(l, &c.apply, current, view.updatedAt)
	if len(c.later) > 0 {
		d.log.Info("Turbo changed fields after GitHub; Turbo's values win", "issue", l.ref(), "turbo_issue", l.TurboKey,
			"fields", strings.Join(c.later, ","), "github_updated_at", view.updatedAt, "turbo_updated_at", current.UpdatedAt)
	}
	c.cutEdits = d.restoreCutTails(l, w, &c.apply, current)
	if c.apply.empty() {
		return d.skipWith(l, c.reason(l, view.updatedAt, current.UpdatedAt))
	}

	status, writtenAt, err := d.applyToTurbo(ctx, l, c.apply)
	if err != nil {
		return turboFailure("update Turbo issue "+l.TurboKey, err)
	}
	turboAt := current.UpdatedAt
	if writtenAt.After(turboAt) {
		turboAt = writtenAt
	}
	now := d.in.clock.Now()
	for _, key := range c.apply.keys {
		l.record(key, sides{c.apply.values[key], view.values[key]}, view.updatedAt, turboAt)
		l.rememberWrite(key, l.Fields[key].Turbo, now, writtenAt)
	}
	d.log.Info("applied a GitHub change to the Turbo issue", "issue", l.ref(), "turbo_issue", l.TurboKey, "fields", strings.Join(c.apply.keys, ","))
	return linked(l, status, l.TurboKey)
}

// restoreCutTails keeps the part of a long Turbo title or description that
// GitHub never showed. A text cut to GitHub's length ends with a note. An
// edit of it on GitHub becomes the edited text followed by the rest of
// Turbo's text. When the edit removed the note, the change is dropped, and
// restoreCutTails returns why for the fields the webhook's changes name.
func (d *delivery) restoreCutTails(l *link, w *webhook, c *turboChanges, current *turboapi.Issue) []string {
	var reasons []string
	for _, cut := range d.cutTexts(l, current) {
		edited, ok := c.values[cut.key]
		f := l.Fields[cut.key]
		if !ok || f.Turbo == f.GitHub {
			continue
		}
		full, ok := withCutTail(edited, cut.full, cut.room, cut.note)
		if ok {
			c.values[cut.key] = full
			continue
		}
		c.remove(cut.key)
		if !w.mentions(cut.key) {
			d.log.Debug("an earlier edit of a cut text is still not applied", "issue", l.ref(), "field", cut.key)
			continue
		}
		reasons = append(reasons, "the "+cut.key+" of "+l.TurboKey+" is longer than GitHub's limit, so "+l.ref()+
			" shows only its beginning, and the edit on GitHub removed the "+cut.noteName+" at the cut. It is not applied, because the rest of the "+
			cut.key+" would be lost: edit the "+cut.key+" in Turbo")
	}
	return reasons
}

// cutText is a Turbo text with the room and the note of its cut to
// GitHub's length.
type cutText struct {
	key  string
	full string
	room int
	note string
	// noteName names the note in a skip reason.
	noteName string
}

// cutTexts returns the Turbo issue's title and description with their cuts.
func (d *delivery) cutTexts(l *link, current *turboapi.Issue) []cutText {
	link := turboLink(d.in.webURL, l.TurboKey, l.TurboID)
	return []cutText{
		{keyTitle, current.Title, titleRoom(l.TurboKey), titleCutNote, `"` + titleCutNote + `"`},
		{keyDescription, turboText(current.Description), descriptionRoom(l.TurboKey, link, l.TurboID), cutNote, "note"},
	}
}

// skipWith skips, storing l when the comparison changed it, such as a
// field's time moved on. An unchanged link is not written, so a skip never
// races with another delivery's write of the same link.
func (d *delivery) skipWith(l *link, reason string) sdk.Result {
	result := d.skip(reason)
	if state := l.encode(); !bytes.Equal(state, d.req.State) {
		result.UpdateState, result.State = true, state
	}
	return result
}

// turboChanges are the fields to write into Turbo, in link key order.
type turboChanges struct {
	keys   []string
	values map[string]string
}

func (c *turboChanges) add(key, value string) {
	if c.values == nil {
		c.values = map[string]string{}
	}
	c.keys = append(c.keys, key)
	c.values[key] = value
}

func (c *turboChanges) remove(key string) {
	c.keys = slices.DeleteFunc(c.keys, func(k string) bool { return k == key })
	delete(c.values, key)
}

func (c *turboChanges) empty() bool { return len(c.keys) == 0 }

// applyToTurbo writes the changes with one PUT for the plain fields, close or
// reopen for the state, and the tag calls. It returns Turbo's updated_at
// after the last write that returns the issue.
func (d *delivery) applyToTurbo(ctx context.Context, l *link, c turboChanges) (int, time.Time, error) {
	update := turboapi.IssueUpdate{}
	for _, key := range c.keys {
		value := c.values[key]
		switch key {
		case keyTitle:
			update.Title = &value
		case keyDescription:
			update.Description = &value
		case keyType:
			update.Type = &value
		case keyPriority:
			update.Priority = &value
		case keyAssignee:
			update.Assignee = &value
		}
	}
	turbo := d.in.turbo
	var updatedAt time.Time
	if !update.Empty() {
		issue, err := turbo.UpdateIssue(ctx, l.TurboID, update)
		if err != nil {
			return 0, updatedAt, err
		}
		updatedAt = issue.UpdatedAt
	}
	if state, ok := c.values[keyState]; ok {
		var issue *turboapi.Issue
		var err error
		if state == "closed" {
			issue, err = turbo.CloseIssue(ctx, l.TurboID)
		} else {
			issue, err = turbo.ReopenIssue(ctx, l.TurboID)
		}
		if err != nil {
			return 0, updatedAt, err
		}
		updatedAt = issue.UpdatedAt
	}
	if tags, ok := c.values[keyTags]; ok {
		if err := d.applyTags(ctx, l, tags); err != nil {
			return 0, updatedAt, err
		}
	}
	return http.StatusOK, updatedAt, nil
}

// applyTags adds and removes Turbo tags so that they match the labels.
func (d *delivery) applyTags(ctx context.Context, l *link, tags string) error {
	want, had := splitList(tags), splitList(l.Fields[keyTags].Value)
	for _, name := range want {
		if !slices.Contains(had, name) {
			if err := d.in.turbo.AddTag(ctx, l.TurboID, d.in.cfg.Tags[name]); err != nil {
				return err
			}
		}
	}
	for _, name := range had {
		if !slices.Contains(want, name) {
			if err := d.in.turbo.RemoveTag(ctx, l.TurboID, d.in.cfg.Tags[name]); err != nil && !turboapi.IsNotFound(err) {
				return err
			}
		}
	}
	return nil
}

// importIssue creates a Turbo issue for a GitHub issue opened in a mapped
// repository, and links the two.
func (d *delivery) importIssue(ctx context.Context, w *webhook) sdk.Result {
	repo := w.Repository.GetFullName()
	project, _ := d.in.cfg.projectOf(repo)
	view := d.in.m.fromGitHub(w.Issue, "")
	ref := repo + "#" + itoa(w.Issue.GetNumber())
	create := turboapi.IssueCreate{ProjectID: project, Title: view.values[keyTitle], Description: withImportMarker(view.values[keyDescription], ref),
		Type: valueOr(view.values[keyType], "task"), Priority: valueOr(view.values[keyPriority], "medium")}
	if email := view.values[keyAssignee]; email != "" {
		create.Assignee = &email
	}
	created, err := d.in.turbo.CreateIssue(ctx, create)
	if err != nil {
		return turboFailure("import "+ref+" into Turbo", err)
	}

	l := &link{TurboID: created.ID, TurboKey: created.Key, Repo: repo, Number: w.Issue.GetNumber(), Fields: map[string]fieldState{}}
	values := turboValues(created)
	values[keyTags] = ""
	for _, key := range linkKeys {
		l.record(key, sides{values[key], view.values[key]}, view.updatedAt, created.UpdatedAt)
	}
	d.log.Info("imported a GitHub issue into Turbo", "issue", l.ref(), "turbo_issue", created.Key)
	return linked(l, http.StatusCreated, created.Key)
}

// commentToTurbo copies a GitHub comment to the linked Turbo issue, edits or
// deletes the copy.
func (d *delivery) commentToTurbo(ctx context.Context) sdk.Result {
	if !d.in.cfg.syncsToTurbo(fieldComments) {
		return d.skip("comments are not sent to Turbo (direction or ownership.comments)")
	}
	w, result := d.readWebhook(ctx, commentActions)
	if result != nil {
		return *result
	}
	if w.Comment == nil {
		return sdk.Permanent("the issue_comment webhook holds no comment")
	}
	if hasMarker(w.Comment.GetBody(), turboCommentMarkerPrefix) {
		return d.skip("the comment was written by Switchboard from Turbo; not sent back")
	}
	l := d.link()
	if l == nil {
		return d.skip("the comment's GitHub issue is not linked to a Turbo issue")
	}
	existing := l.commentByGitHub(w.Comment.GetID())
	if w.Action == "deleted" {
		return d.deleteTurboComment(ctx, l, existing)
	}

	text := commentTextOf(w.Comment.GetBody())
	updated := w.Comment.GetUpdatedAt().Time
	switch {
	case existing != nil && updated.Before(existing.At):
		return d.skip("the comment edit is older than the text last synced")
	case existing != nil && existing.Hash == hashValue(text):
		return d.skip("the comment is unchanged since it was last synced")
	}
	content := turboCommentContent(w.Comment.GetBody(), w.Comment.GetID())
	var err error
	if existing == nil {
		var created *turboapi.Comment
		created, err = d.in.turbo.CreateComment(ctx, turboapi.CommentCreate{EntityType: "issue", EntityID: l.TurboID,
			Content: content, AuthorName: w.Comment.GetUser().GetLogin() + " (GitHub)", AuthorType: turboapi.AuthorUser})
		if err == nil {
			l.Comments = append(l.Comments, commentLink{Turbo: created.ID, GitHub: w.Comment.GetID()})
			existing = &l.Comments[len(l.Comments)-1]
		}
	} else {
		_, err = d.in.turbo.UpdateComment(ctx, existing.Turbo, content)
	}
	if err != nil {
		return turboFailure("write the comment into Turbo issue "+l.TurboKey, err)
	}
	existing.Hash, existing.At = hashValue(text), updated
	d.log.Info("copied a GitHub comment to Turbo", "issue", l.ref(), "turbo_issue", l.TurboKey, "comment", w.Comment.GetID())
	return linked(l, http.StatusOK, l.TurboKey)
}

func (d *delivery) deleteTurboComment(ctx context.Context, l *link, existing *commentLink) sdk.Result {
	if existing == nil {
		return d.skip("the deleted comment has no copy in Turbo")
	}
	if err := d.in.turbo.DeleteComment(ctx, existing.Turbo); err != nil && !turboapi.IsNotFound(err) {
		return turboFailure("delete the comment in Turbo issue "+l.TurboKey, err)
	}
	l.removeComment(existing)
	return linked(l, http.StatusNoContent, l.TurboKey)
}

// withImportMarker ends an imported issue's description with the import
// marker of the GitHub issue ref.
func withImportMarker(description, ref string) string {
	if description == "" {
		return importMarker(ref)
	}
	return description + "\n\n" + importMarker(ref)
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func valueOr(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

func itoa(n int) string { return strconv.Itoa(n) }
