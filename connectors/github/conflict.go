package github

import (
	"strings"
	"time"

	"github.com/turbocode/switchboard/sdk/turboapi"
)

// When both sides change a field before the sync has carried either change
// over, the later change wins. Each side's change is dated by its issue's
// updated_at. GitHub's has whole seconds, so a Turbo change within the same
// second as a GitHub change counts as the later one.

// githubIsLater reports whether a GitHub change dated githubAt is later than
// a Turbo change dated turboAt. Without Turbo's time, Turbo's change counts as
// the later one, because Turbo's changes apply in the order they arrive.
func githubIsLater(githubAt, turboAt time.Time) bool {
	return !turboAt.IsZero() && githubAt.After(turboAt.Truncate(time.Second))
}

// laterOnGitHub splits the fields a Turbo snapshot changed into those to
// write on GitHub and those that changed on GitHub later and are not synced
// yet. The webhook of such a GitHub change carries its value to Turbo, so the
// older Turbo value must not overwrite it. Fields whose GitHub changes are
// not synced to Turbo are always written. An empty type, priority or
// assignee on GitHub never wins: Turbo cannot take the first two, and GitHub
// drops an assignee it cannot assign without a change a webhook would report.
func (d *delivery) laterOnGitHub(l *link, changed []string, w desired, view githubView, turboAt time.Time) (write, later []string) {
	for _, key := range changed {
		f := l.Fields[key]
		value := view.values[key]
		cannotWin := value == "" && (isLabelKind(key) || key == keyAssignee)
		unsynced := f.GitHub != "" && hashValue(value) != f.GitHub && value != w.values[key].github && !cannotWin
		if unsynced && d.in.cfg.syncsToTurbo(fieldOwner(key)) && githubIsLater(view.updatedAt, turboAt) {
			later = append(later, key)
			continue
		}
		write = append(write, key)
	}
	return write, later
}

// laterOnGitHubReason explains why Turbo's change of keys is not written.
func laterOnGitHubReason(keys []string, l *link, turboKey string, githubAt, turboAt time.Time) string {
	return "GitHub's change of " + strings.Join(keys, ", ") + " of " + l.ref() + " (updated_at " + formatTime(githubAt) +
		") is later than Turbo's change of " + turboKey + " (updated_at " + formatTime(turboAt) +
		"), so GitHub's value wins and its webhook brings it to Turbo"
}

// turboValues returns the synced fields of a Turbo issue as its events show
// them, by link key. Turbo's issue JSON has no tags, so tags are missing.
func turboValues(issue *turboapi.Issue) map[string]string {
	assignee := ""
	if issue.Assignee != nil {
		assignee = *issue.Assignee
	}
	return map[string]string{
		keyTitle:       issue.Title,
		keyDescription: turboText(issue.Description),
		keyState:       stateOf(issue.Status),
		keyType:        issue.Type,
		keyPriority:    issue.Priority,
		keyAssignee:    assignee,
	}
}

// laterInTurbo drops from c the fields whose Turbo value changed after the
// GitHub change and is not synced yet, and returns them. Turbo's event for
// that change carries its value to GitHub. Fields whose Turbo changes are not
// synced to GitHub are always written.
func (d *delivery) laterInTurbo(l *link, c *turboChanges, current *turboapi.Issue, githubAt time.Time) []string {
	values := turboValues(current)
	var later []string
	for _, key := range c.keys {
		value, known := values[key]
		f := l.Fields[key]
		unsynced := known && f.Turbo != "" && hashValue(value) != f.Turbo && value != c.values[key]
		if unsynced && d.in.cfg.syncsToGitHub(fieldOwner(key)) && !githubIsLater(githubAt, current.UpdatedAt) {
			later = append(later, key)
		}
	}
	for _, key := range later {
		c.remove(key)
	}
	return later
}

// laterInTurboReason explains why GitHub's change of keys is not written.
func laterInTurboReason(keys []string, l *link, githubAt, turboAt time.Time) string {
	return "Turbo's change of " + strings.Join(keys, ", ") + " of " + l.TurboKey + " (updated_at " + formatTime(turboAt) +
		") is not earlier than GitHub's change of " + l.ref() + " (updated_at " + formatTime(githubAt) +
		"), so Turbo's value wins and is sent to GitHub with Turbo's event for that change"
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
