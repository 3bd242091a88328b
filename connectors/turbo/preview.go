package turbo

import (
	"context"
	"fmt"
	"strings"

	"github.com/turbocode/switchboard/sdk"
)

var _ sdk.Previewer = (*instance)(nil)

// Preview describes the call a delivery would make, without making it: the
// action, the issue, Turbo's API call and the only_if check. Keys resolve to
// ids only when the delivery runs, so a key is shown as written.
func (in *instance) Preview(_ context.Context, req *sdk.DeliveryRequest) (string, error) {
	if len(req.Events) != 1 {
		return "", fmt.Errorf("the turbo connector takes one event per delivery, got %d", len(req.Events))
	}
	ev, err := readEvent(req.Events[0].Envelope)
	if err != nil {
		return "", err
	}
	t, err := readTarget(req.Target, in.cfg)
	if err != nil {
		return "", err
	}
	issue := t.issue
	if issue == "" {
		issue = ev.issue()
	}
	if issue == "" {
		return "", fmt.Errorf("a %s event names no issue; set issue on the target", ev.eventType)
	}

	lines := []string{fmt.Sprintf("%s on issue %s: %s", t.action, issue, describeCall(t, issue, in.cfg))}
	if t.onlyIf != "" {
		lines = append(lines, "only if "+t.onlyIf+" is true on the issue's stored state just before the call")
	}
	return strings.Join(lines, "\n"), nil
}

// describeCall names the API call of an action.
func describeCall(t *target, issue string, cfg config) string {
	v := t.values
	switch t.action {
	case actionAssign:
		if v[paramStaffID] != "" {
			return fmt.Sprintf(`PUT issues/%s {"assigned_to_type":"staff","assigned_to_id":%q}`, issue, v[paramStaffID])
		}
		return fmt.Sprintf(`POST issues/%s/assign {"assignee":%q}`, issue, v[paramAssignee])
	case actionComment:
		return fmt.Sprintf("POST comments/ as %s (%s): %q", valueOr(v[paramAuthorName], cfg.AuthorName),
			valueOr(v[paramAuthorType], "ai"), v[paramContent])
	case actionSetPriority:
		return fmt.Sprintf(`PUT issues/%s {"priority":%q}`, issue, v[paramPriority])
	case actionSetStatus:
		switch v[paramStatus] {
		case "closed":
			return "POST issues/" + issue + "/close"
		case "open":
			return "POST issues/" + issue + "/reopen"
		}
		return fmt.Sprintf(`PUT issues/%s {"status":%q}`, issue, v[paramStatus])
	case actionAddTag, actionRemoveTag:
		method := map[string]string{actionAddTag: "POST", actionRemoveTag: "DELETE"}[t.action]
		tagID, _ := cfg.tagID(v[paramTag])
		return fmt.Sprintf("%s issues/%s/tags/%s", method, issue, tagID)
	case actionLinkToMilestone:
		return fmt.Sprintf("GET issues/%s and its project's milestones, then PUT issues/%s adding milestone %s to milestone_ids",
			issue, issue, v[paramMilestone])
	}
	call := v[paramMethod] + " " + strings.TrimPrefix(v[paramPath], "/")
	if v[paramBody] != "" {
		call += " " + v[paramBody]
	}
	return call
}
