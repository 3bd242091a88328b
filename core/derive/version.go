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

// olderThan reports whether a snapshot's updated_at is before the stored
// one's. Either missing or unreadable counts as not older.
func olderThan(current, stored Fields) bool {
	at, ok := current.updatedAt()
	storedAt, storedOK := stored.updatedAt()
	return ok && storedOK && at.Before(storedAt)
}

// sameVersion reports whether a snapshot has the stored state's updated_at:
// it shows the version stored already, so each change made at that version
// was derived when that version arrived. Such an event is compared with the
// stored state, not with its own data.previous, which may describe an older
// version than the one Switchboard compared with then.
func sameVersion(current, stored Fields) bool {
	at, ok := current.updatedAt()
	storedAt, storedOK := stored.updatedAt()
	return ok && storedOK && at.Equal(storedAt)
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
