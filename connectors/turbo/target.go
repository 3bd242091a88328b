package turbo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/sdk"
)

// Target parameters every action accepts.
const (
	paramAction = "action"
	paramIssue  = "issue"
	paramOnlyIf = "only_if"
)

// Target parameters of the actions.
const (
	paramAssignee   = "assignee"
	paramStaffID    = "staff_id"
	paramContent    = "content"
	paramAuthorName = "author_name"
	paramAuthorType = "author_type"
	paramPriority   = "priority"
	paramStatus     = "status"
	paramTag        = "tag"
	paramMilestone  = "milestone"
	paramMethod     = "method"
	paramPath       = "path"
	paramBody       = "body"
)

// The actions.
const (
	actionAssign          = "assign"
	actionComment         = "comment"
	actionSetPriority     = "set_priority"
	actionSetStatus       = "set_status"
	actionAddTag          = "add_tag"
	actionRemoveTag       = "remove_tag"
	actionLinkToMilestone = "link_to_milestone"
	actionRequest         = "request"
)

// actionSpec lists the parameters of one action.
type actionSpec struct {
	// oneOf lists groups of parameters of which exactly one must be set.
	oneOf [][]string
	// optional are the other parameters the action accepts.
	optional []string
}

var actionSpecs = map[string]actionSpec{
	actionAssign:          {oneOf: [][]string{{paramAssignee, paramStaffID}}},
	actionComment:         {oneOf: [][]string{{paramContent}}, optional: []string{paramAuthorName, paramAuthorType}},
	actionSetPriority:     {oneOf: [][]string{{paramPriority}}},
	actionSetStatus:       {oneOf: [][]string{{paramStatus}}},
	actionAddTag:          {oneOf: [][]string{{paramTag}}},
	actionRemoveTag:       {oneOf: [][]string{{paramTag}}},
	actionLinkToMilestone: {oneOf: [][]string{{paramMilestone}}},
	actionRequest:         {oneOf: [][]string{{paramMethod}, {paramPath}}, optional: []string{paramBody}},
}

// actionNames lists the actions in the order the docs give them.
var actionNames = []string{actionAssign, actionComment, actionSetPriority, actionSetStatus, actionAddTag,
	actionRemoveTag, actionLinkToMilestone, actionRequest}

// The values Turbo's schemas allow.
var (
	turboPriorities = []string{"low", "medium", "high", "critical"}
	turboStatuses   = []string{"open", "ready", "in_progress", "review", "testing", "closed"}
	authorTypes     = []string{"ai", "user"}
	requestMethods  = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
)

// issueKeyPattern matches an issue key such as TURBO-42.
var issueKeyPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]*-[0-9]+$`)

// params returns the parameters an action accepts besides action, issue and
// only_if.
func (s actionSpec) params() []string {
	var out []string
	for _, group := range s.oneOf {
		out = append(out, group...)
	}
	return append(out, s.optional...)
}

// checkAction returns the parameters of target that the action does not
// accept and the groups of which it sets none or more than one. has reports
// whether a parameter is set.
func checkAction(action string, spec actionSpec, names []string, has func(string) bool) []sdk.Diagnostic {
	var out []sdk.Diagnostic
	accepted := spec.params()
	for _, name := range names {
		if name == paramAction || name == paramIssue || name == paramOnlyIf || slices.Contains(accepted, name) {
			continue
		}
		out = append(out, sdk.Diagnostic{Path: name, Message: fmt.Sprintf("%s does not apply to action %s, which takes %s; remove it",
			name, action, strings.Join(accepted, ", "))})
	}
	for _, group := range spec.oneOf {
		set := 0
		for _, name := range group {
			if has(name) {
				set++
			}
		}
		switch {
		case set == 0 && len(group) == 1:
			out = append(out, sdk.Diagnostic{Message: fmt.Sprintf("action %s needs %s; %s", action, group[0], paramHint(group[0]))})
		case set == 0:
			out = append(out, sdk.Diagnostic{Message: fmt.Sprintf("action %s needs one of %s", action, strings.Join(group, " or "))})
		case set > 1:
			out = append(out, sdk.Diagnostic{Path: group[1], Message: fmt.Sprintf("set only one of %s", strings.Join(group, " and "))})
		}
	}
	return out
}

// paramHint tells what to write for a missing parameter.
func paramHint(name string) string {
	switch name {
	case paramContent:
		return `write the comment's text, for example content: "{{ .data.current.title }} needs a reproduction"`
	case paramPriority:
		return "write one of " + strings.Join(turboPriorities, ", ")
	case paramStatus:
		return "write one of " + strings.Join(turboStatuses, ", ")
	case paramTag:
		return "write the tag's id, or a name from the connector's tags"
	case paramMilestone:
		return "write the milestone's id"
	case paramMethod:
		return "write one of " + strings.Join(requestMethods, ", ")
	case paramPath:
		return "write the API path after turbo.api_url, such as issues/{{ .entity_id }}/reopen"
	}
	return "set it"
}

// checkValue returns what is wrong with a parameter's final value, or "".
func checkValue(cfg config, name, value string) string {
	switch name {
	case paramIssue:
		if !isUUID(value) && !issueKeyPattern.MatchString(value) {
			return fmt.Sprintf("%q is neither an issue id (a UUID) nor an issue key such as TURBO-42", value)
		}
	case paramStaffID:
		if !isUUID(value) {
			return fmt.Sprintf("%q is not a staff member's id; write the UUID Turbo shows for them", value)
		}
	case paramAssignee:
		if !strings.Contains(value, "@") {
			return fmt.Sprintf("%q is not an email address; Turbo assigns issues by email, or by staff_id", value)
		}
	case paramPriority:
		return checkEnum(value, turboPriorities)
	case paramStatus:
		return checkEnum(value, turboStatuses)
	case paramAuthorType:
		return checkEnum(value, authorTypes)
	case paramMethod:
		return checkEnum(value, requestMethods)
	case paramTag:
		if _, ok := cfg.tagID(value); !ok {
			return fmt.Sprintf("%q is neither a tag id (a UUID) nor a name in the connector's tags (%s)", value, strings.Join(sortedKeys(cfg.Tags), ", "))
		}
	case paramMilestone:
		if !isUUID(value) {
			return fmt.Sprintf("%q is not a milestone id; write the milestone's UUID", value)
		}
	case paramPath:
		return checkPath(value)
	case paramBody:
		if strings.TrimSpace(value) != "" && !json.Valid([]byte(value)) {
			return "the body is not valid JSON; insert event values with the json helper, such as {\"title\": {{ json .data.current.title }}}"
		}
	}
	return ""
}

func checkEnum(value string, allowed []string) string {
	if slices.Contains(allowed, value) {
		return ""
	}
	return fmt.Sprintf("%q is not one of %s", value, strings.Join(allowed, ", "))
}

// checkPath requires a path inside the API root: relative, without "..",
// a scheme, a host or a fragment.
func checkPath(path string) string {
	trimmed := strings.TrimPrefix(path, "/")
	pathPart, _, _ := strings.Cut(trimmed, "?")
	switch {
	case trimmed == "":
		return "the path is empty; write the API path after turbo.api_url, such as issues/TURBO-42/reopen"
	case strings.Contains(path, "://") || strings.HasPrefix(path, "//"):
		return fmt.Sprintf("%q is a URL; write only the path after turbo.api_url, such as issues/TURBO-42/reopen", path)
	case strings.ContainsAny(path, "#\\") || strings.ContainsFunc(path, isControl):
		return fmt.Sprintf("%q contains a #, a backslash or a control character, which no API path has", path)
	case slices.Contains(strings.Split(pathPart, "/"), ".."):
		return fmt.Sprintf("%q leaves the API root with ..; write a path inside turbo.api_url", path)
	}
	return ""
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func isUUID(value string) bool {
	_, err := uuid.Parse(value)
	return err == nil && len(value) == 36
}

// target is a route target's rendered parameters.
type target struct {
	action, issue, onlyIf string
	// values holds the action's other parameters; an empty value is unset.
	values map[string]string
}

// readTarget reads and checks a delivery's rendered parameters. Templated
// values are checked here, since they were unknown when the config loaded.
func readTarget(params sdk.Params, cfg config) (*target, error) {
	t := &target{values: map[string]string{}}
	for _, name := range params.Names() {
		value, ok := params[name].(string)
		if !ok {
			return nil, fmt.Errorf("target parameter %s must be a string, got %T", name, params[name])
		}
		t.values[name] = strings.TrimSpace(value)
	}
	t.action, t.issue, t.onlyIf = t.values[paramAction], t.values[paramIssue], t.values[paramOnlyIf]
	spec, ok := actionSpecs[t.action]
	if !ok {
		return nil, fmt.Errorf("unknown action %q; use one of %s", t.action, strings.Join(actionNames, ", "))
	}

	has := func(name string) bool { return t.values[name] != "" }
	if problems := checkAction(t.action, spec, params.Names(), has); len(problems) > 0 {
		return nil, fmt.Errorf("%s (after rendering the target's templates)", sdk.DiagnosticsError(problems))
	}
	for _, name := range params.Names() {
		if value := t.values[name]; value != "" && name != paramOnlyIf {
			if problem := checkValue(cfg, name, value); problem != "" {
				return nil, fmt.Errorf("target parameter %s: %s", name, problem)
			}
		}
	}
	return t, nil
}
