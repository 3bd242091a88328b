package github

import (
	"strings"
	"time"
)

// githubComparison sorts the fields of a GitHub webhook's issue by how their
// values relate to the values last synced.
type githubComparison struct {
	// apply holds the fields to write into Turbo.
	apply turboChanges
	// stale are changes older than the value last synced.
	stale []string
	// deferred are fields left to the webhook of their own action.
	deferred []string
	// owned are changed fields that ownership keeps from Turbo.
	owned []string
	// cleared are type or priority fields whose label was removed.
	cleared []string
	// later are fields that Turbo changed after GitHub, set by writeToTurbo.
	later []string
	// cutEdits explain why edits of a cut title or description are not
	// applied.
	cutEdits []string
}

// compareGitHub compares the webhook's fields with the values last synced.
// It moves on the GitHub time of the fields that did not change, and records
// a removed type or priority label as synced, since Turbo cannot follow it.
func (d *delivery) compareGitHub(l *link, w *webhook, view githubView) githubComparison {
	var c githubComparison
	for _, key := range linkKeys {
		f := l.Fields[key]
		value := view.values[key]
		switch {
		case hashValue(value) == f.GitHub:
			if view.updatedAt.After(f.At) {
				f.At = view.updatedAt
				l.Fields[key] = f
			}
		case !d.in.cfg.syncsToTurbo(fieldOwner(key)):
			c.owned = append(c.owned, key)
		default:
			switch w.staleness(key, f, view.updatedAt, l.TurboKey) {
			case older:
				c.stale = append(c.stale, key)
			case leftToItsAction:
				c.deferred = append(c.deferred, key)
			default:
				if isLabelKind(key) && value == "" {
					// Turbo has no empty type or priority: it keeps its value.
					f.GitHub, f.At = hashValue(""), view.updatedAt
					l.Fields[key] = f
					c.cleared = append(c.cleared, key)
					continue
				}
				c.apply.add(key, value)
			}
		}
	}
	return c
}

// reason explains why a GitHub change wrote nothing into Turbo. githubAt and
// turboAt are the two issues' updated_at; turboAt is zero when Turbo was not
// read.
func (c githubComparison) reason(l *link, githubAt, turboAt time.Time) string {
	var reasons []string
	if len(c.stale) > 0 {
		reasons = append(reasons, "the change of "+strings.Join(c.stale, ", ")+" is older than the value last synced")
	}
	if len(c.deferred) > 0 {
		reasons = append(reasons, "the change of "+strings.Join(c.deferred, ", ")+
			" is of the same second as the value last synced and is left to the webhook of its own action")
	}
	for _, key := range c.cleared {
		reasons = append(reasons, l.ref()+" has no "+key+" label now, but Turbo has no empty "+key+", so "+l.TurboKey+
			" keeps its "+key+" (add a "+key+" label on GitHub or set the "+key+" in Turbo)")
	}
	if len(c.later) > 0 {
		reasons = append(reasons, laterInTurboReason(c.later, l, githubAt, turboAt))
	}
	reasons = append(reasons, c.cutEdits...)
	reasons = append(reasons, ownedReasons(c.owned, "GitHub", ownerTurbo)...)
	if len(reasons) == 0 {
		return "no synced field differs from the value last synced (an echo of a change from Turbo, or no change)"
	}
	return strings.Join(reasons, "; ")
}

// addedLabel returns the label a labeled webhook added, or "".
func (w *webhook) addedLabel() string {
	if w.Action != "labeled" || w.Label == nil {
		return ""
	}
	return w.Label.GetName()
}
