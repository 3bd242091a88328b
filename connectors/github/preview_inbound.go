package github

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/turbocode/switchboard/sdk/httpresult"
)

// keyInTitle matches the Turbo key the sync puts in front of a GitHub title.
var keyInTitle = regexp.MustCompile(`^\[([A-Z][A-Z0-9]*-[0-9]+)\] `)

// turboCall names a call of Turbo's API, at turbo.api_url.
func (in *instance) turboCall(method, path string) string {
	return method + " " + strings.TrimSuffix(httpresult.RedactLocation(in.turboURL), "/") + "/" + path
}

// ownChange returns why a webhook is skipped as the token's own change, when
// the token's login is known without a call, or "".
func (in *instance) ownChange(w *webhook) string {
	login := in.cfg.Login
	if login == "" && in.loginMu.TryLock() {
		login = in.login
		in.loginMu.Unlock()
	}
	if login != "" && strings.EqualFold(w.Sender.GetLogin(), login) {
		return "the change was made by Switchboard's own account " + login + "; not sent back"
	}
	return ""
}

// previewGitHubIssue shows what an issues webhook writes into Turbo.
func (in *instance) previewGitHubIssue(env envelope) (string, error) {
	w, skipReason, err := in.parseWebhook(env.Data.Native, issueActions)
	if err != nil {
		return "", err
	}
	if skipReason == "" {
		skipReason = in.ownChange(w)
	}
	if skipReason != "" {
		return nothingSent(skipReason), nil
	}

	ref := w.Repository.GetFullName() + "#" + itoa(w.Issue.GetNumber())
	key := ""
	if m := keyInTitle.FindStringSubmatch(w.Issue.GetTitle()); m != nil {
		key = m[1]
	}
	view := in.m.fromGitHub(w.Issue, key)
	if w.Action == "opened" {
		return in.previewImport(w, ref, view), nil
	}

	var b strings.Builder
	fmt.Fprintf(&b, "writes into the Turbo issue linked to %s, when there is one, the fields of this %s change "+
		"that differ from the values last synced and are not older than them:\n", ref, w.Action)
	for _, key := range actionFields[w.Action] {
		if !in.cfg.syncsToTurbo(fieldOwner(key)) {
			fmt.Fprintf(&b, "%s: not written (ownership.%s: turbo)\n", key, fieldOwner(key))
			continue
		}
		b.WriteString(in.turboFieldCall(key, view.values[key]) + "\n")
	}
	return strings.TrimRight(b.String(), "\n"), nil
}

// turboFieldCall names the Turbo call that writes one field's value.
func (in *instance) turboFieldCall(key, value string) string {
	switch key {
	case keyState:
		if value == "closed" {
			return in.turboCall("POST", "issues/{id}/close")
		}
		return in.turboCall("POST", "issues/{id}/reopen")
	case keyTags:
		return "tags: " + listOrNone(splitList(value)) + "  (" + in.turboCall("POST", "issues/{id}/tags/{tag id}") + " and DELETE for each tag that changed)"
	case keyType, keyPriority:
		if value == "" {
			return key + ": unchanged (no " + key + " label; Turbo keeps its value)"
		}
	case keyDescription:
		return in.turboCall("PUT", "issues/{id}") + " description:\n" + indentLines(value, "  ")
	}
	return in.turboCall("PUT", "issues/{id}") + " " + key + ": " + valueOr(value, "none")
}

// previewImport shows the Turbo issue an issue opened on GitHub becomes.
func (in *instance) previewImport(w *webhook, ref string, view githubView) string {
	switch {
	case hasMarker(w.Issue.GetBody(), issueMarkerPrefix):
		return nothingSent("the issue was created by Switchboard; its link is stored with the create")
	case !in.cfg.Import:
		return nothingSent("an issue opened on GitHub is imported into Turbo only with import: true")
	}
	project, _ := in.cfg.projectOf(w.Repository.GetFullName())
	v := view.values
	return in.turboCall("POST", "issues/") + "  (imports " + ref + " into project " + project + ", unless it is linked already)\n" +
		"title: " + v[keyTitle] + "\n" +
		"type: " + valueOr(v[keyType], "task") + "\n" +
		"priority: " + valueOr(v[keyPriority], "medium") + "\n" +
		"assignee: " + valueOr(v[keyAssignee], "none") + "\n" +
		"description:\n" + indentLines(v[keyDescription], "  ")
}

// previewGitHubComment shows what an issue_comment webhook writes into Turbo.
func (in *instance) previewGitHubComment(env envelope) (string, error) {
	if !in.cfg.syncsToTurbo(fieldComments) {
		return nothingSent("comments are not sent to Turbo (direction or ownership.comments)"), nil
	}
	w, skipReason, err := in.parseWebhook(env.Data.Native, commentActions)
	if err != nil {
		return "", err
	}
	if w != nil && w.Comment == nil {
		return "", errors.New("the issue_comment webhook holds no comment")
	}
	switch {
	case skipReason != "":
	case hasMarker(w.Comment.GetBody(), turboCommentMarkerPrefix):
		skipReason = "the comment was written by Switchboard from Turbo; not sent back"
	default:
		skipReason = in.ownChange(w)
	}
	if skipReason != "" {
		return nothingSent(skipReason), nil
	}

	issue := "the Turbo issue linked to " + w.Repository.GetFullName() + "#" + itoa(w.Issue.GetNumber())
	if w.Action == "deleted" {
		return in.turboCall("DELETE", "comments/id/{id}") + "  (deletes the copy in " + issue + ", if there is one)", nil
	}
	return in.turboCall("POST", "comments/") + "  (on " + issue + ", as " + w.Comment.GetUser().GetLogin() + " (GitHub); nothing when it has none)\n" +
		in.turboCall("PUT", "comments/id/{id}") + "  (instead, when the comment was copied before)\n\n" +
		"content:\n" + indentLines(turboCommentContent(w.Comment.GetBody(), w.Comment.GetID()), "  "), nil
}
