package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
)

var _ sdk.Previewer = (*instance)(nil)

// Preview describes what Deliver would write for the request, without
// calling GitHub or Turbo: the call, and the title, body, labels, assignee
// and state of the GitHub issue, the comment, or the Turbo fields. A preview
// has no link to read, so it names both the create and the edit where the
// link decides between them. It never shows the token.
func (in *instance) Preview(_ context.Context, req *sdk.DeliveryRequest) (string, error) {
	env, t, err := readRequest(req)
	if err != nil {
		return "", err
	}

	if t.action == actionDispatch {
		return in.previewDispatch(env, t, req.Events[0].Envelope)
	}
	switch env.EntityType {
	case "issue":
		return in.previewIssue(env)
	case "comment":
		return in.previewComment(env)
	case "github_issue":
		return in.previewGitHubIssue(env)
	case "github_comment":
		return in.previewGitHubComment(env)
	}
	return nothingSent("the github connector syncs issues and comments; a " + env.EventType + " event has nothing to sync"), nil
}

// nothingSent is the preview of a delivery that Deliver skips.
func nothingSent(reason string) string { return "nothing is sent: " + reason }

// githubCall names a call of GitHub's API, at api_url.
func (in *instance) githubCall(method, path string) string {
	return method + " " + httpresult.RedactLocation(in.cfg.APIURL) + path
}

func (in *instance) previewDispatch(env envelope, t target, envelopeJSON []byte) (string, error) {
	repo, err := dispatchRepository(in.cfg, env, t)
	if err != nil {
		return "", err
	}
	eventType, _ := json.Marshal(t.eventType)
	return in.githubCall("POST", "repos/"+repo+"/dispatches") + "\n" +
		`{"event_type": ` + string(eventType) + `, "client_payload": {"event": <the event's envelope, ` +
		strconv.Itoa(len(envelopeJSON)) + ` bytes>}}`, nil
}

// previewIssue shows the GitHub issue a Turbo issue event creates or edits.
func (in *instance) previewIssue(env envelope) (string, error) {
	if in.cfg.Direction == directionToTurbo {
		return nothingSent("direction is github_to_turbo: Turbo's changes are not sent to GitHub"), nil
	}
	var t turboIssue
	if err := json.Unmarshal(env.Data.Current, &t); err != nil || t.ID == "" {
		return "", errors.New("the event's data.current holds no Turbo issue with an id")
	}
	if t.ProjectID == "" {
		t.ProjectID = env.Context["project_id"]
	}
	repo, ok := in.cfg.Projects[t.ProjectID]
	if !ok {
		return nothingSent("project " + t.ProjectID + " is not mapped to a repository in projects"), nil
	}

	w := in.m.fromTurbo(t, in.webURL)
	var b strings.Builder
	fmt.Fprintf(&b, "%s  (creates the GitHub issue when %s has none yet, or links the one carrying its marker)\n",
		in.githubCall("POST", "repos/"+repo+"/issues"), t.Key)
	fmt.Fprintf(&b, "%s  (else edits only the fields that differ from the values last synced)\n\n",
		in.githubCall("PATCH", "repos/"+repo+"/issues/{number}"))
	in.writeIssueFields(&b, w)
	return strings.TrimRight(b.String(), "\n"), nil
}

// writeIssueFields writes the fields of the GitHub issue as the sync sets
// them, noting those that ownership keeps from GitHub.
func (in *instance) writeIssueFields(b *strings.Builder, w desired) {
	fields := []struct{ owner, line string }{
		{fieldTitle, "title: " + w.title},
		{fieldLabels, "labels: " + listOrNone(replaceManaged(nil, nil, append([]string{w.typeLabel, w.priorityLabel}, w.tagLabels...)...)) +
			"  (type, priority and synced tags; the issue's other labels stay)"},
		{fieldAssignee, "assignee: " + valueOr(w.login, "none") + "  (only people in assignees are synced)"},
		{fieldStatus, "state: " + w.state + stateReasonNote(w.state, in.cfg.CloseReason)},
		{fieldDescription, "body:\n" + indentLines(w.body, "  ")},
	}
	for _, f := range fields {
		if !in.cfg.syncsToGitHub(f.owner) {
			fmt.Fprintf(b, "%s: not sent (ownership.%s: github)\n", f.owner, f.owner)
			continue
		}
		b.WriteString(f.line + "\n")
	}
}

func stateReasonNote(state, reason string) string {
	if state != "closed" {
		return ""
	}
	return " (state reason " + reason + "; a new issue is closed right after the create)"
}

// previewComment shows the GitHub comment a Turbo comment event writes.
func (in *instance) previewComment(env envelope) (string, error) {
	if !in.cfg.syncsToGitHub(fieldComments) {
		return nothingSent("comments are not sent to GitHub (direction or ownership.comments)"), nil
	}
	c, err := readTurboComment(env.Data.Current)
	if err != nil {
		return "", err
	}
	if hasMarker(c.Content, githubCommentMarkerPrefix) {
		return nothingSent("the comment was written by Switchboard from GitHub; not sent back"), nil
	}
	repo := valueOr(in.cfg.Projects[env.Context["project_id"]], "{owner}/{repo}")
	issue := "the GitHub issue linked to Turbo issue " + valueOr(env.Context["issue_id"], "(none named)")
	if env.Action == "deleted" {
		return in.githubCall("DELETE", "repos/"+repo+"/issues/comments/{id}") + "  (deletes the copy on " + issue + ", if there is one)", nil
	}
	return in.githubCall("POST", "repos/"+repo+"/issues/{number}/comments") + "  (on " + issue + "; nothing when it has none)\n" +
		in.githubCall("PATCH", "repos/"+repo+"/issues/comments/{id}") + "  (instead, when the comment was copied before)\n\n" +
		"body:\n" + indentLines(githubCommentBody(c.AuthorName, c.Content, c.ID), "  "), nil
}

// turboComment is a Turbo comment as an event's data.current carries it.
type turboComment struct {
	ID         string `json:"id"`
	EntityType string `json:"entity_type"`
	Content    string `json:"content"`
	AuthorName string `json:"author_name"`
}

func readTurboComment(current json.RawMessage) (turboComment, error) {
	var c turboComment
	if err := json.Unmarshal(current, &c); err != nil || c.ID == "" {
		return c, errors.New("the event's data.current holds no Turbo comment with an id")
	}
	return c, nil
}

func listOrNone(values []string) string {
	if len(values) == 0 {
		return "none"
	}
	return strings.Join(values, ", ")
}

// indentLines puts prefix before every line of text that is not empty.
func indentLines(text, prefix string) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if line != "" {
			lines[i] = prefix + line
		}
	}
	return strings.Join(lines, "\n")
}
