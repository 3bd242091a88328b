package postgres

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/postgres/pgtest"
)

var sharedAt = time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)

func shareSettings(t *testing.T, s *Store, values map[string]string) []store.SettingDifference {
	t.Helper()
	differences, err := s.ShareSettings(context.Background(), values, sharedAt)
	if err != nil {
		t.Fatalf("ShareSettings as %s: %v", s.listener.instance, err)
	}
	return differences
}

func settingsChanged(s *Store) bool {
	select {
	case <-s.SettingsChanges():
		return true
	default:
		return false
	}
}

// TestShareSettingsNamesDifferences records different retention settings
// from two instances: each names the other's values, and settings only one
// of them records are not compared.
func TestShareSettingsNamesDifferences(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b := openInstance(t, dsn, "node-a"), openInstance(t, dsn, "node-b")

	if got := shareSettings(t, a, map[string]string{"storage.retention": "24h", "storage.retention_batch": "500"}); len(got) != 0 {
		t.Errorf("first instance: differences %+v, want none", got)
	}
	got := shareSettings(t, b, map[string]string{"storage.retention": "720h", "storage.retention_batch": "500", "storage.new": "1"})
	want := []store.SettingDifference{{Instance: "node-a", Setting: "storage.retention", Value: "720h", OtherValue: "24h"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("node-b: differences %+v, want %+v", got, want)
	}
	got = shareSettings(t, a, map[string]string{"storage.retention": "24h", "storage.retention_batch": "500"})
	want = []store.SettingDifference{{Instance: "node-b", Setting: "storage.retention", Value: "24h", OtherValue: "720h"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("node-a: differences %+v, want %+v", got, want)
	}
}

// TestShareSettingsAligned records equal settings, then aligns a difference:
// no difference remains.
func TestShareSettingsAligned(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b := openInstance(t, dsn, "node-a"), openInstance(t, dsn, "node-b")
	same := map[string]string{"storage.retention": "24h"}

	shareSettings(t, a, same)
	if got := shareSettings(t, b, same); len(got) != 0 {
		t.Errorf("equal settings: differences %+v, want none", got)
	}
	if got := shareSettings(t, b, map[string]string{"storage.retention": "720h"}); len(got) != 1 {
		t.Errorf("different settings: differences %+v, want one", got)
	}
	if got := shareSettings(t, b, same); len(got) != 0 {
		t.Errorf("aligned settings: differences %+v, want none", got)
	}
	if got := shareSettings(t, a, same); len(got) != 0 {
		t.Errorf("aligned settings seen by node-a: differences %+v, want none", got)
	}
}

// TestShareSettingsIgnoresStoppedInstance closes an instance with other
// settings: its recorded settings are not compared once its id lock is gone.
func TestShareSettingsIgnoresStoppedInstance(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b := openInstance(t, dsn, "node-a"), openInstance(t, dsn, "node-b")
	shareSettings(t, b, map[string]string{"storage.retention": "720h"})
	if got := shareSettings(t, a, map[string]string{"storage.retention": "24h"}); len(got) != 1 {
		t.Fatalf("while node-b runs: differences %+v, want one", got)
	}

	// The server ends node-b's session, and releases its lock, a moment
	// after the client closed the connection.
	b.Close()
	waitUntil(t, "node-b's settings to be left out", func() bool {
		return len(shareSettings(t, a, map[string]string{"storage.retention": "24h"})) == 0
	})
	var rows int
	if err := a.pool.QueryRow(context.Background(), `SELECT count(*) FROM instance_settings`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 2 {
		t.Errorf("%d rows in instance_settings, want 2: a stopped instance's row stays for a day", rows)
	}
}

// TestShareSettingsForgetsStoppedInstance lets a day pass after an instance
// stopped: its row is deleted, while a running instance's row of the same
// age stays.
func TestShareSettingsForgetsStoppedInstance(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b, c := openInstance(t, dsn, "node-a"), openInstance(t, dsn, "node-b"), openInstance(t, dsn, "node-c")
	shareSettings(t, b, map[string]string{"storage.retention": "720h"})
	shareSettings(t, c, map[string]string{"storage.retention": "48h"})
	b.Close()
	waitUntil(t, "node-b's session to end", func() bool {
		var held bool
		err := a.pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE application_name = 'switchboard node-b')`).Scan(&held)
		return err == nil && !held
	})

	later := sharedAt.Add(forgetSettingsAfter + time.Minute)
	got, err := a.ShareSettings(context.Background(), map[string]string{"storage.retention": "24h"}, later)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.SettingDifference{{Instance: "node-c", Setting: "storage.retention", Value: "24h", OtherValue: "48h"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("differences %+v, want %+v", got, want)
	}
	var ids []string
	rows, err := a.pool.Query(context.Background(), `SELECT instance_id FROM instance_settings ORDER BY instance_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if want := []string{"node-a", "node-c"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("instance_settings holds %v, want %v", ids, want)
	}
}

// TestShareSettingsNotifiesOnChange checks that recording changed settings
// notifies the other instances, and recording the same ones again does not.
func TestShareSettingsNotifiesOnChange(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b := openInstance(t, dsn, "node-a"), openInstance(t, dsn, "node-b")

	shareSettings(t, b, map[string]string{"storage.retention": "720h"})
	waitUntil(t, "node-a to be notified of node-b's settings", func() bool { return settingsChanged(a) })
	if settingsChanged(b) {
		t.Error("node-b was notified of its own settings")
	}

	shareSettings(t, b, map[string]string{"storage.retention": "720h"})
	// A notification to node-b's own channel comes after one sent before it
	// to node-a, so once node-b's work notification arrives, a settings
	// notification sent before it would have arrived at node-a too.
	b.notifier.request()
	waitUntil(t, "node-a to receive node-b's work notification", func() bool {
		select {
		case <-a.Notifications():
			return true
		default:
			return false
		}
	})
	if settingsChanged(a) {
		t.Error("recording the same settings again notified node-a")
	}
}
