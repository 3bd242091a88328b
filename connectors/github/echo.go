package github

import (
	"slices"
	"time"
)

// Bounds of the values a field keeps as written into Turbo by the sync.
const (
	// maxRecentWrites is the number of values kept per field.
	maxRecentWrites = 8
	// recentWriteTTL is how long a value is kept: Turbo's webhook for a
	// write normally arrives within seconds, and a longer wait only widens
	// the window in which a person's change back to that value is taken for
	// an echo.
	recentWriteTTL = time.Hour
)

// recentWrite is a value the sync wrote into Turbo, as a hash, with the time
// of the write on the connector's clock and Turbo's updated_at after it.
type recentWrite struct {
	Hash    string    `json:"hash"`
	At      time.Time `json:"at"`
	TurboAt time.Time `json:"turbo_at,omitzero"`
}

// rememberWrite notes that the sync wrote the Turbo value with hash into a
// field, so that Turbo's webhook for it is recognised as an echo even after
// a later write of the same field. turboAt is Turbo's updated_at after the
// write, zero when Turbo did not return it.
func (l *link) rememberWrite(key, hash string, now, turboAt time.Time) {
	f := l.Fields[key]
	f.Recent = unexpired(f.Recent, now)
	f.Recent = append(f.Recent, recentWrite{Hash: hash, At: now, TurboAt: turboAt})
	if len(f.Recent) > maxRecentWrites {
		f.Recent = f.Recent[len(f.Recent)-maxRecentWrites:]
	}
	l.Fields[key] = f
}

// takeEcho reports whether a Turbo value with hash, in a snapshot of
// turboAt, is one the sync wrote into the field recently. A snapshot dated
// after the write shows a person's change, even to the same value, and is no
// echo. Turbo sends its webhooks in the order of the writes, so the match and
// every earlier write are dropped: each write's echo is recognised once.
func (l *link) takeEcho(key, hash string, now, turboAt time.Time) bool {
	f := l.Fields[key]
	recent := unexpired(f.Recent, now)
	i := slices.IndexFunc(recent, func(w recentWrite) bool {
		return w.Hash == hash && (turboAt.IsZero() || w.TurboAt.IsZero() || !turboAt.After(w.TurboAt))
	})
	if i >= 0 {
		recent = recent[i+1:]
	}
	if len(recent) == 0 {
		recent = nil
	}
	f.Recent = recent
	l.Fields[key] = f
	return i >= 0
}

func unexpired(writes []recentWrite, now time.Time) []recentWrite {
	return slices.DeleteFunc(slices.Clone(writes), func(w recentWrite) bool {
		return now.Sub(w.At) > recentWriteTTL
	})
}
