package turbo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/turboapi"
)

// change is a field an action set, whose echo Turbo's next event reports.
type change struct {
	field, value string
}

// act takes the target's action on the issue and returns its result and the
// change it made, if Turbo reports that change back.
func (d *delivery) act(ctx context.Context) (sdk.Result, *change) {
	switch d.t.action {
	case actionAssign:
		return d.assign(ctx)
	case actionComment:
		return d.comment(ctx), nil
	case actionSetPriority:
		return d.setPriority(ctx)
	case actionSetStatus:
		return d.setStatus(ctx)
	case actionAddTag, actionRemoveTag:
		return d.tag(ctx), nil
	case actionLinkToMilestone:
		return d.linkToMilestone(ctx), nil
	case actionRequest:
		return d.request(ctx), nil
	}
	return sdk.Permanent(fmt.Sprintf("unknown action %q", d.t.action)), nil
}

// assign assigns the issue by email (POST /issues/{id}/assign) or to a staff
// member by id (PUT /issues/{id} with assigned_to_id).
func (d *delivery) assign(ctx context.Context) (sdk.Result, *change) {
	if staff := d.t.values[paramStaffID]; staff != "" {
		update := turboapi.IssueUpdate{AssignedToType: ptr("staff"), AssignedToID: ptr(staff)}
		if _, err := d.in.api.UpdateIssue(ctx, d.issue, update); err != nil {
			return d.failure(err, "issue "+d.issue), nil
		}
		return d.done("assigned %s to staff member %s", d.issue, staff), &change{fieldAssignedToID, staff}
	}

	assignee := d.t.values[paramAssignee]
	id, failed := d.issueID(ctx)
	if failed != nil {
		return *failed, nil
	}
	if _, err := d.in.api.AssignIssue(ctx, id, assignee); err != nil {
		return d.failure(err, "issue "+d.issue), nil
	}
	return d.done("assigned %s to %s", d.issue, assignee), &change{fieldAssignee, assignee}
}

// comment adds a comment to the issue, with the route's hidden marker and the
// author type ai unless the target sets user.
func (d *delivery) comment(ctx context.Context) sdk.Result {
	id, failed := d.issueID(ctx)
	if failed != nil {
		return *failed
	}
	create := turboapi.CommentCreate{EntityType: "issue", EntityID: id,
		Content:    strings.TrimRight(d.t.values[paramContent], "\n") + "\n\n" + marker(d.req.Route, d.req.DeliveryID),
		AuthorName: valueOr(d.t.values[paramAuthorName], d.in.cfg.AuthorName),
		AuthorType: valueOr(d.t.values[paramAuthorType], turboapi.AuthorAI)}
	created, err := d.in.api.CreateComment(ctx, create)
	if err != nil {
		return d.failure(err, "issue "+d.issue)
	}
	result := d.done("commented on %s as %s", d.issue, create.AuthorName)
	result.ExternalRef = "comment " + created.ID
	return result
}

func (d *delivery) setPriority(ctx context.Context) (sdk.Result, *change) {
	priority := d.t.values[paramPriority]
	if _, err := d.in.api.UpdateIssue(ctx, d.issue, turboapi.IssueUpdate{Priority: &priority}); err != nil {
		return d.failure(err, "issue "+d.issue), nil
	}
	return d.done("set the priority of %s to %s", d.issue, priority), &change{fieldPriority, priority}
}

// setStatus closes and reopens through Turbo's own calls, which need the
// issue's id, and sets any other status with an update.
func (d *delivery) setStatus(ctx context.Context) (sdk.Result, *change) {
	status := d.t.values[paramStatus]
	var err error
	switch status {
	case "closed", "open":
		id, failed := d.issueID(ctx)
		if failed != nil {
			return *failed, nil
		}
		if status == "closed" {
			_, err = d.in.api.CloseIssue(ctx, id)
		} else {
			_, err = d.in.api.ReopenIssue(ctx, id)
		}
	default:
		_, err = d.in.api.UpdateIssue(ctx, d.issue, turboapi.IssueUpdate{Status: &status})
	}
	if err != nil {
		return d.failure(err, "issue "+d.issue), nil
	}
	return d.done("set the status of %s to %s", d.issue, status), &change{fieldStatus, status}
}

// tag adds or removes a tag. Turbo sends no event for it, so there is no
// echo to expect.
func (d *delivery) tag(ctx context.Context) sdk.Result {
	tag := d.t.values[paramTag]
	tagID, _ := d.in.cfg.tagID(tag)
	id, failed := d.issueID(ctx)
	if failed != nil {
		return *failed
	}
	if d.t.action == actionAddTag {
		if err := d.in.api.AddTag(ctx, id, tagID); err != nil {
			return d.failure(err, "issue "+d.issue)
		}
		return d.done("tagged %s with %s", d.issue, tag)
	}
	if err := d.in.api.RemoveTag(ctx, id, tagID); err != nil {
		return d.failure(err, "issue "+d.issue)
	}
	return d.done("removed tag %s from %s", d.issue, tag)
}

// linkToMilestone adds the issue to a milestone of its project. Turbo's
// update replaces an issue's milestones, so the connector first finds those
// it already belongs to by listing the project's milestones.
func (d *delivery) linkToMilestone(ctx context.Context) sdk.Result {
	milestone := d.t.values[paramMilestone]
	issue, err := d.in.api.GetIssue(ctx, d.issue)
	if err != nil {
		return d.failure(err, "issue "+d.issue)
	}
	linked, known, err := d.milestonesOf(ctx, issue)
	if err != nil {
		return d.failure(err, "milestone "+milestone)
	}
	if !known {
		return sdk.Permanent(fmt.Sprintf("milestone %s is not a milestone of project %s, to which issue %s belongs; write the id of one of its milestones",
			milestone, issue.ProjectID, d.issue))
	}
	if slices.Contains(linked, milestone) {
		return d.done("%s already belongs to milestone %s", d.issue, milestone)
	}
	ids := append(linked, milestone)
	if _, err := d.in.api.UpdateIssue(ctx, issue.ID, turboapi.IssueUpdate{MilestoneIDs: &ids}); err != nil {
		return d.failure(err, "issue "+d.issue)
	}
	return d.done("linked %s to milestone %s", d.issue, milestone)
}

// milestonesOf returns the milestones of the issue's project that the issue
// belongs to, and whether the target's milestone is one of the project's.
func (d *delivery) milestonesOf(ctx context.Context, issue *turboapi.Issue) (linked []string, known bool, err error) {
	if issue.ProjectID == "" {
		return nil, false, nil
	}
	milestones, err := d.in.api.ProjectMilestones(ctx, issue.ProjectID)
	if err != nil {
		return nil, false, err
	}
	for _, m := range milestones {
		known = known || m.ID == d.t.values[paramMilestone]
		issues, err := d.in.api.MilestoneIssues(ctx, m.ID)
		if err != nil {
			return nil, false, err
		}
		if slices.ContainsFunc(issues, func(i turboapi.Issue) bool { return i.ID == issue.ID }) {
			linked = append(linked, m.ID)
		}
	}
	return linked, known, nil
}

// request makes the call the target describes.
func (d *delivery) request(ctx context.Context) sdk.Result {
	method, path := d.t.values[paramMethod], strings.TrimPrefix(d.t.values[paramPath], "/")
	status, body, err := d.in.api.Send(ctx, method, path, json.RawMessage(d.t.values[paramBody]))
	if err != nil {
		return d.failure(err, path)
	}
	return sdk.Delivered(status, string(body))
}

// issueID returns the issue's UUID, which Turbo's assign, close, reopen, tag
// and comment calls need, reading it from Turbo when the target names the
// issue by key. A failure is the result to return.
func (d *delivery) issueID(ctx context.Context) (string, *sdk.Result) {
	if isUUID(d.issue) {
		return d.issue, nil
	}
	issue, err := d.in.api.GetIssue(ctx, d.issue)
	if err != nil {
		result := d.failure(err, "issue "+d.issue)
		return "", &result
	}
	return issue.ID, nil
}

// failure classifies a failed call. A 404 names the entity that was deleted
// or never existed, 409 and 422 carry Turbo's message, and 429 and 5xx are
// retried after Retry-After.
func (d *delivery) failure(err error, what string) sdk.Result {
	result := turboapi.Classify(err)
	var apiErr *turboapi.Error
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound {
		result.Reason = fmt.Sprintf("%s was deleted or never existed in Turbo: %s", what, apiErr.Error())
	}
	return result
}

// done returns a delivered result with the status of Turbo's last response
// and a text that describes what the action did.
func (d *delivery) done(format string, args ...any) sdk.Result {
	return sdk.Delivered(d.status, fmt.Sprintf(format, args...))
}

func valueOr(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

func ptr(s string) *string { return &s }
