package derive

import "time"

// The updated_at of an entity's snapshot orders its versions. It is compared
// as an instant when both sides are RFC 3339 times with a UTC offset. A value
// that is not one (InvalidUpdatedAt) orders nothing, so its snapshot is never
// late and never the stored version. Change ids take either by its text.

// updatedAt returns a snapshot's updated_at as an instant, and false when it
// is missing or not an RFC 3339 time.
func (f Fields) updatedAt() (time.Time, bool) {
	at, err := time.Parse(time.RFC3339Nano, text(f.UpdatedAt))
	return at, err == nil
}

// compareVersions compares a snapshot's updated_at with the stored one's, as
// time.Time.Compare does, and reports false when either is missing or
// unreadable. An older snapshot arrived late. A snapshot of the same version
// shows the one stored already, so each change made at that version was
// derived when that version arrived: it is compared with the stored state,
// not with its own data.previous, which may describe an older version than
// the one Switchboard compared with then.
func compareVersions(current, stored Fields) (int, bool) {
	at, ok := current.updatedAt()
	if !ok {
		return 0, false
	}
	storedAt, ok := stored.updatedAt()
	if !ok {
		return 0, false
	}
	return at.Compare(storedAt), true
}

// invalidUpdatedAt returns the updated_at value of a state's fields when it is
// set but is not an RFC 3339 time: a string's text, or another JSON value as
// written. It returns "" when the field is missing, null, empty or valid.
func (f Fields) invalidUpdatedAt() string {
	switch {
	case f.UpdatedAt != nil && *f.UpdatedAt != "":
		if _, ok := f.updatedAt(); !ok {
			return *f.UpdatedAt
		}
		return ""
	case f.UpdatedAt == nil && len(f.updatedAtRaw) > 0 && string(f.updatedAtRaw) != "null":
		return string(f.updatedAtRaw)
	}
	return ""
}
