package github

import (
	"context"
	"net/http"
	"slices"

	"github.com/turbocode/switchboard/sdk"
)

// labelKinds returns the label mappings of the single-valued Turbo fields,
// type and priority, by link key.
func (m mapping) labelKinds() map[string]map[string]string {
	return map[string]map[string]string{keyType: m.cfg.Labels.Types, keyPriority: m.cfg.Labels.Priorities}
}

// preferAdded makes a type or priority label that a labeled webhook added
// win over another label of its kind that the issue carries. It returns the
// other labels of that kind, which the sync removes on GitHub.
func (m mapping) preferAdded(v *githubView, added string) []string {
	var others []string
	for key, byValue := range m.labelKinds() {
		value, ok := valueOfLabel(byValue, added)
		if !ok {
			continue
		}
		v.values[key] = value
		for _, label := range v.labels {
			if label != added && isLabelOf(byValue, label) {
				others = append(others, label)
			}
		}
	}
	slices.Sort(others)
	return others
}

// removeLabels removes labels from the GitHub issue; a label already gone
// counts as removed.
func (d *delivery) removeLabels(ctx context.Context, l *link, labels []string) *sdk.Result {
	owner, name := splitRepo(l.Repo)
	for _, label := range labels {
		var resp *http.Response
		err := d.in.pacer.mutate(ctx, func() error {
			r, err := d.api.Issues.RemoveLabelForIssue(ctx, owner, name, l.Number, label)
			if r != nil {
				resp = r.Response
			}
			return err
		})
		if err != nil && (resp == nil || resp.StatusCode != http.StatusNotFound) {
			result := d.githubFailure("remove the label "+label+" from "+l.ref(), l.ref(), err)
			return &result
		}
	}
	d.log.Info("removed the labels the added label replaces", "issue", l.ref(), "labels", labels)
	return nil
}

func isLabelKind(key string) bool { return key == keyType || key == keyPriority }

func valueOfLabel(byValue map[string]string, label string) (string, bool) {
	for _, value := range sortedKeys(byValue) {
		if byValue[value] == label {
			return value, true
		}
	}
	return "", false
}

func isLabelOf(byValue map[string]string, label string) bool {
	_, ok := valueOfLabel(byValue, label)
	return ok
}
