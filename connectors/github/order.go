package github

import (
	"slices"
	"time"
)

// actionFields are the fields each issues action changes. GitHub's
// updated_at has whole seconds, so two changes in one second carry the same
// time. A webhook of that second may show the other fields as they were
// before a change whose webhook arrived first.
var actionFields = map[string][]string{
	"edited":     {keyTitle, keyDescription},
	"closed":     {keyState},
	"reopened":   {keyState},
	"labeled":    {keyType, keyPriority, keyTags},
	"unlabeled":  {keyType, keyPriority, keyTags},
	"assigned":   {keyAssignee},
	"unassigned": {keyAssignee},
}

// changeFrom is one entry of an edited webhook's changes: the value before.
type changeFrom struct {
	From string `json:"from"`
}

// staleness is how a webhook's value of a field relates in time to the value
// last synced.
type staleness int

const (
	// current: the value may replace the one last synced.
	current staleness = iota
	// older: GitHub dated the change before the value last synced, or it is
	// an edit of the same second whose changes.<field>.from is not the value
	// last synced, so a later edit of that second was applied first.
	older
	// leftToItsAction: the change is of the same second and the webhook's
	// action is about other fields. Its view of this field may predate a
	// change of that second, and the field's own webhook carries any change.
	leftToItsAction
)

// staleness compares the webhook's value of a field with the value last
// synced, which GitHub dated f.At.
func (w *webhook) staleness(key string, f fieldState, updatedAt time.Time, turboKey string) staleness {
	switch {
	case updatedAt.Before(f.At):
		return older
	case updatedAt.After(f.At):
		return current
	}
	if fields, ok := actionFields[w.Action]; ok && !slices.Contains(fields, key) {
		return leftToItsAction
	}
	if from, ok := w.previous(key, turboKey); ok && hashValue(from) != f.GitHub {
		return older
	}
	return current
}

// previous returns a field's value before an edit, as GitHub showed it, when
// the webhook's changes carry it.
func (w *webhook) previous(key, turboKey string) (string, bool) {
	switch key {
	case keyTitle:
		if c, ok := w.Changes["title"]; ok {
			return titleOf(c.From, turboKey), true
		}
	case keyDescription:
		if c, ok := w.Changes["body"]; ok {
			return descriptionOf(c.From), true
		}
	}
	return "", false
}

// mentions reports whether the webhook changed the field. An edited webhook
// names the fields it changed in changes. Other webhooks, and an edited one
// without changes, may concern any field.
func (w *webhook) mentions(key string) bool {
	if w.Action != "edited" || len(w.Changes) == 0 {
		return true
	}
	name := key
	if key == keyDescription {
		name = "body"
	}
	_, ok := w.Changes[name]
	return ok
}
