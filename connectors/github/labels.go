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

// settleLabelKinds picks the type and the priority of an issue that carries
// two or more labels of one kind. GitHub sends one labeled webhook per label
// added, each with every label of the issue at that time, so a webhook can
// show a label that the sync has since replaced. The label a labeled webhook
// added wins, and the other labels of its kind are returned for removal on
// GitHub. For any other webhook the value last synced wins while its label
// is still there, and otherwise the first value by name. added is "" for
// webhooks other than labeled.
func (m mapping) settleLabelKinds(v *githubView, l *link, added string) []string {
	var others []string
	for _, key := range []string{keyType, keyPriority} {
		byValue := m.labelKinds()[key]
		if value, ok := valueOfLabel(byValue, added); ok {
			v.values[key] = value
			for _, label := range v.labels {
				if label != added && isLabelOf(byValue, label) {
					others = append(others, label)
				}
			}
			continue
		}
		for _, value := range valuesOnIssue(v.labels, byValue) {
			if hashValue(value) == l.Fields[key].GitHub {
				v.values[key] = value
			}
		}
	}
	slices.Sort(others)
	return others
}

// valuesOnIssue returns the Turbo values whose labels the issue carries.
func valuesOnIssue(labels []string, byValue map[string]string) []string {
	var values []string
	for _, value := range sortedKeys(byValue) {
		if slices.Contains(labels, byValue[value]) {
			values = append(values, value)
		}
	}
	return values
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
