package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store"
)

// forgetSettingsAfter is how long the settings of an instance that no longer
// runs are kept. Instance ids that never come back, such as the host names of
// replaced containers, so do not pile up. An instance that runs again records
// its settings again.
const forgetSettingsAfter = 24 * time.Hour

// recordedSettings is one row of instance_settings.
type recordedSettings struct {
	instance   string
	values     map[string]string
	recordedAt int64
}

// ShareSettings implements store.SettingsSharer. An instance counts as
// running while a session holds the lock on its id, so the settings of an
// instance that stopped are not compared. A store opened without an instance
// id records and compares nothing.
func (s *Store) ShareSettings(ctx context.Context, values map[string]string, now time.Time) ([]store.SettingDifference, error) {
	if s.listener.instance == "" {
		return nil, nil
	}
	// Without the lock, another instance may run with this id, and its
	// settings must not be overwritten.
	if err := s.listener.lock.state(); err != nil {
		return nil, fmt.Errorf("share settings: %w", err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()

	if err := s.recordSettings(ctx, values, now); err != nil {
		return nil, unavailable("record this instance's shared settings", err)
	}
	others, err := s.otherSettings(ctx)
	if err != nil {
		return nil, unavailable("read the other instances' shared settings", err)
	}
	running, err := s.runningInstances(ctx, others)
	if err != nil {
		return nil, unavailable("find the running instances", err)
	}
	s.forgetStoppedInstances(ctx, others, running, now)

	var differences []store.SettingDifference
	for _, other := range others {
		if running[other.instance] {
			differences = append(differences, compareSettings(values, other)...)
		}
	}
	return differences, nil
}

// SettingsChanges implements store.SettingsSharer.
func (s *Store) SettingsChanges() <-chan struct{} { return s.listener.settings }

// recordSettings writes values as this instance's settings unless its row
// has the same fingerprint, and notifies the other instances in the same
// transaction when it wrote them.
func (s *Store) recordSettings(ctx context.Context, values map[string]string, now time.Time) error {
	// encoding/json writes a map's keys in sorted order, so equal values
	// give equal fingerprints.
	encoded, err := json.Marshal(values)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(encoded)
	fingerprint := hex.EncodeToString(sum[:])

	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO instance_settings (instance_id, fingerprint, settings, recorded_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (instance_id) DO UPDATE SET fingerprint = excluded.fingerprint,
				settings = excluded.settings, recorded_at = excluded.recorded_at
			WHERE instance_settings.fingerprint <> excluded.fingerprint`,
			s.listener.instance, fingerprint, string(encoded), nanos(now))
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, s.channel, settingsPrefix+s.listener.origin)
		return err
	})
}

// otherSettings returns the recorded settings of every other instance id,
// ordered by id.
func (s *Store) otherSettings(ctx context.Context) ([]recordedSettings, error) {
	rows, err := s.pool.Query(ctx, `SELECT instance_id, settings, recorded_at FROM instance_settings
		WHERE instance_id <> $1 ORDER BY instance_id`, s.listener.instance)
	if err != nil {
		return nil, err
	}
	var out []recordedSettings
	for rows.Next() {
		var r recordedSettings
		if err := rows.Scan(&r.instance, &r.values, &r.recordedAt); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// runningInstances returns the instance ids of recorded whose id lock a
// session holds.
func (s *Store) runningInstances(ctx context.Context, recorded []recordedSettings) (map[string]bool, error) {
	running := map[string]bool{}
	if len(recorded) == 0 {
		return running, nil
	}
	byKey := map[int32][]string{}
	var namespace int32
	for _, r := range recorded {
		ns, key := s.locks.session("instance\x00" + r.instance)
		namespace = ns
		byKey[key] = append(byKey[key], r.instance)
	}

	// pg_locks shows the two halves of a two-integer key as oids. Cast to
	// int8, an oid keeps its unsigned value, which converts back to the int32
	// of the key.
	rows, err := s.pool.Query(ctx, `SELECT objid::int8 FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 2
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND classid = $1::int4::oid`, namespace)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var objid int64
		if err := rows.Scan(&objid); err != nil {
			return nil, err
		}
		for _, instance := range byKey[int32(uint32(objid))] {
			running[instance] = true
		}
	}
	return running, rows.Err()
}

// forgetStoppedInstances deletes the rows of instances that do not run and
// recorded nothing for forgetSettingsAfter. A failure is only logged: the
// next call tries again.
func (s *Store) forgetStoppedInstances(ctx context.Context, recorded []recordedSettings, running map[string]bool, now time.Time) {
	var stale []string
	for _, r := range recorded {
		if !running[r.instance] && r.recordedAt < nanos(now.Add(-forgetSettingsAfter)) {
			stale = append(stale, r.instance)
		}
	}
	if len(stale) == 0 {
		return
	}
	// The recorded_at condition keeps a row that its instance wrote again
	// since it was read.
	_, err := s.pool.Exec(ctx, `DELETE FROM instance_settings WHERE instance_id = ANY($1) AND recorded_at < $2`,
		stale, nanos(now.Add(-forgetSettingsAfter)))
	if err != nil {
		s.log.Warn("could not delete the shared settings of instances that stopped; trying again at the next comparison",
			"instances", len(stale), "err", err)
	}
}

// compareSettings returns the settings that both values and other name with
// different values, ordered by setting.
func compareSettings(values map[string]string, other recordedSettings) []store.SettingDifference {
	var out []store.SettingDifference
	for name, value := range values {
		if otherValue, ok := other.values[name]; ok && otherValue != value {
			out = append(out, store.SettingDifference{Instance: other.instance, Setting: name, Value: value, OtherValue: otherValue})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Setting < out[j].Setting })
	return out
}
