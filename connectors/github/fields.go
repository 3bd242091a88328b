package github

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"
)

// turboIssue is a Turbo issue as an event's data.current carries it.
type turboIssue struct {
	ID          string          `json:"id"`
	Key         string          `json:"issue_key"`
	ProjectID   string          `json:"project_id"`
	Title       string          `json:"title"`
	Description *string         `json:"description"`
	Type        string          `json:"type"`
	Status      string          `json:"status"`
	Priority    string          `json:"priority"`
	Assignee    *string         `json:"assignee"`
	Tags        json.RawMessage `json:"tags"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

func (t turboIssue) description() string {
	if t.Description == nil {
		return ""
	}
	return *t.Description
}

func (t turboIssue) assignee() string {
	if t.Assignee == nil {
		return ""
	}
	return *t.Assignee
}

// tagNames reads tags given as names or as objects with a name.
func (t turboIssue) tagNames() []string {
	if len(t.Tags) == 0 {
		return nil
	}
	var names []string
	if json.Unmarshal(t.Tags, &names) == nil {
		return names
	}
	var objects []struct {
		Name string `json:"name"`
	}
	json.Unmarshal(t.Tags, &objects)
	for _, o := range objects {
		names = append(names, o.Name)
	}
	return names
}

func stateOf(turboStatus string) string {
	if turboStatus == "closed" {
		return "closed"
	}
	return "open"
}

// mapping turns values of one side into the other's, from the config.
type mapping struct {
	cfg config
}

// typeLabel and priorityLabel return the label of a Turbo value, "" for none.
func (m mapping) typeLabel(t string) string     { return m.cfg.Labels.Types[t] }
func (m mapping) priorityLabel(p string) string { return m.cfg.Labels.Priorities[p] }

// syncedTags returns the tags that sync, sorted: those the config lists.
func (m mapping) syncedTags(names []string) []string {
	var out []string
	for _, name := range names {
		if _, ok := m.cfg.Tags[name]; ok && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// login returns the GitHub login of a Turbo assignee, "" when unmapped.
func (m mapping) login(email string) string { return m.cfg.Assignees[email] }

// email returns the Turbo assignee of the first mapped login, "" for none.
func (m mapping) email(logins []string) string {
	sorted := slices.Clone(logins)
	sort.Strings(sorted)
	for _, login := range sorted {
		for email, mapped := range m.cfg.Assignees {
			if strings.EqualFold(mapped, login) {
				return email
			}
		}
	}
	return ""
}

// fromLabels returns the Turbo value whose label is on the issue (the first
// by name), "" for none.
func fromLabels(labels []string, byValue map[string]string) string {
	for _, value := range sortedKeys(byValue) {
		if slices.Contains(labels, byValue[value]) {
			return value
		}
	}
	return ""
}

// desired is a Turbo issue as the connector writes it on GitHub: the title,
// body, state, managed labels and assignee, with each field's value as both
// sides show it.
type desired struct {
	title, body, state string
	typeLabel          string
	priorityLabel      string
	tagLabels          []string
	login              string
	values             map[string]sides
}

func (m mapping) fromTurbo(t turboIssue, webURL string) desired {
	w := desired{
		title:         githubTitle(t.Key, t.Title),
		body:          githubBody(t.description(), t.Key, turboLink(webURL, t.Key, t.ID), t.ID),
		state:         stateOf(t.Status),
		typeLabel:     m.typeLabel(t.Type),
		priorityLabel: m.priorityLabel(t.Priority),
		tagLabels:     m.syncedTags(t.tagNames()),
		login:         m.login(t.assignee()),
	}
	assigneeOnGitHub := ""
	if w.login != "" {
		assigneeOnGitHub = t.assignee()
	}
	typeOnGitHub, priorityOnGitHub := t.Type, t.Priority
	if w.typeLabel == "" {
		typeOnGitHub = ""
	}
	if w.priorityLabel == "" {
		priorityOnGitHub = ""
	}
	w.values = map[string]sides{
		keyTitle:       {t.Title, titleOf(w.title, t.Key)},
		keyDescription: {turboText(t.description()), descriptionOf(w.body)},
		keyState:       {stateOf(t.Status), w.state},
		keyType:        {t.Type, typeOnGitHub},
		keyPriority:    {t.Priority, priorityOnGitHub},
		keyTags:        {strings.Join(w.tagLabels, ","), strings.Join(w.tagLabels, ",")},
		keyAssignee:    {t.assignee(), assigneeOnGitHub},
	}
	return w
}

// githubView is a GitHub issue's synced fields as GitHub shows them.
type githubView struct {
	labels    []string
	assignees []string
	values    map[string]string
	updatedAt time.Time
}

func (m mapping) fromGitHub(issue *gh.Issue, key string) githubView {
	v := githubView{updatedAt: issue.GetUpdatedAt().Time}
	for _, label := range issue.Labels {
		v.labels = append(v.labels, label.GetName())
	}
	for _, user := range issue.Assignees {
		v.assignees = append(v.assignees, user.GetLogin())
	}
	v.values = map[string]string{
		keyTitle:       titleOf(issue.GetTitle(), key),
		keyDescription: descriptionOf(issue.GetBody()),
		keyState:       issue.GetState(),
		keyType:        fromLabels(v.labels, m.cfg.Labels.Types),
		keyPriority:    fromLabels(v.labels, m.cfg.Labels.Priorities),
		keyTags:        strings.Join(m.syncedTags(v.labels), ","),
		keyAssignee:    m.email(v.assignees),
	}
	return v
}

// fieldOwner names the ownership setting that covers a link key.
func fieldOwner(key string) string {
	switch key {
	case keyTitle:
		return fieldTitle
	case keyDescription:
		return fieldDescription
	case keyState:
		return fieldStatus
	case keyAssignee:
		return fieldAssignee
	default:
		return fieldLabels
	}
}

// replaceManaged returns labels without those in managed, plus want (when
// not empty): the labels the connector manages change, the others stay.
func replaceManaged(labels []string, managed map[string]string, want ...string) []string {
	out := slices.DeleteFunc(slices.Clone(labels), func(label string) bool {
		for _, m := range managed {
			if m == label {
				return true
			}
		}
		return false
	})
	for _, w := range want {
		if w != "" && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}
