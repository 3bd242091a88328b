package github

import (
	"slices"
	"strings"
	"time"
)

// turboComparison sorts the fields of a Turbo snapshot by how their values
// relate to the values last synced.
type turboComparison struct {
	// changed are the fields to write on GitHub.
	changed []string
	// echoes are values the sync wrote into Turbo itself.
	echoes []string
	// stale are values of a snapshot older than the value last synced.
	stale []string
	// owned are changed fields that ownership keeps from GitHub.
	owned []string
}

// compareTurbo compares a Turbo snapshot's fields, or only keys when not
// nil, with the values last synced. It notes in l that the snapshot showed
// the unchanged fields, so that older snapshots of them count as stale.
func (d *delivery) compareTurbo(l *link, t turboIssue, w desired, keys []string) turboComparison {
	now := d.in.clock.Now()
	var c turboComparison
	for _, key := range linkKeys {
		if keys != nil && !slices.Contains(keys, key) {
			continue
		}
		hash := hashValue(w.values[key].turbo)
		switch {
		case hash == l.Fields[key].Turbo:
			l.seenTurbo(key, t.UpdatedAt)
			l.takeEcho(key, hash, now, t.UpdatedAt)
		case !d.in.cfg.syncsToGitHub(fieldOwner(key)):
			c.owned = append(c.owned, key)
		case l.staleInTurbo(key, t.UpdatedAt):
			c.stale = append(c.stale, key)
		case l.takeEcho(key, hash, now, t.UpdatedAt):
			c.echoes = append(c.echoes, key)
		default:
			c.changed = append(c.changed, key)
		}
	}
	return c
}

// reason explains why a snapshot of the Turbo issue key, dated turboAt,
// changes nothing on GitHub.
func (c turboComparison) reason(key string, turboAt time.Time) string {
	var reasons []string
	if len(c.echoes) > 0 {
		reasons = append(reasons, "Turbo's value of "+strings.Join(c.echoes, ", ")+" of "+key+
			" is one the sync wrote into Turbo from GitHub (an echo), so it is not sent back")
	}
	if len(c.stale) > 0 {
		reasons = append(reasons, "Turbo's snapshot of "+key+" (updated_at "+formatTime(turboAt)+
			") is older than the value last synced for "+strings.Join(c.stale, ", ")+
			", so it is not applied: it comes from a replayed, late or repeated event")
	}
	reasons = append(reasons, ownedReasons(c.owned, "Turbo", ownerGitHub)...)
	if len(reasons) == 0 {
		return "no synced field of " + key + " differs from the value last synced (an echo of a change from GitHub, or no change)"
	}
	return strings.Join(reasons, "; ")
}

// ownedReasons returns, for each ownership setting that keeps a changed
// field from the other side, why that side's change is not synced.
func ownedReasons(keys []string, side, owner string) []string {
	var reasons []string
	byOwner := map[string][]string{}
	var owners []string
	for _, key := range keys {
		setting := fieldOwner(key)
		if _, ok := byOwner[setting]; !ok {
			owners = append(owners, setting)
		}
		byOwner[setting] = append(byOwner[setting], key)
	}
	for _, setting := range owners {
		reasons = append(reasons, side+"'s change of "+strings.Join(byOwner[setting], ", ")+
			" is not synced, because ownership."+setting+" is "+owner)
	}
	return reasons
}
