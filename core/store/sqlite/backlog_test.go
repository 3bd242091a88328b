package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store/storetest"
)

// crash stops the store the way a killed process would: the entity states in
// the backlog are never written.
func crash(t *testing.T, s *Store) {
	t.Helper()
	s.closeOnce.Do(func() {
		close(s.stopIdle)
		if !s.writer.close(10 * time.Second) {
			t.Fatal("writer did not stop")
		}
		s.closeHandles()
	})
}

// openHoldingBacklog opens the store at path with the backlog's interval
// pushed an hour away, so that only a full backlog, a close or the scheduler
// writes entity states.
func openHoldingBacklog(t *testing.T, path string) *Store {
	t.Helper()
	return openHoldingBacklogWith(t, Options{Path: path})
}

// openHoldingBacklogWith is openHoldingBacklog with other options.
func openHoldingBacklogWith(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	s.writer.do(context.Background(), func(*txn) error {
		s.unwritten.flushedAt = time.Now().Add(time.Hour)
		close(done)
		return nil
	})
	<-done
	return s
}

// TestCrashLosesNoEntityState accepts the fixture sequence once straight
// through and once with a crash after every event, and wants the same
// outcome: the same duplicates, the same derived events and the same entity
// states, because a restart replays the states the crash left unwritten.
func TestCrashLosesNoEntityState(t *testing.T) {
	straight := filepath.Join(t.TempDir(), "straight.db")
	s := openHoldingBacklog(t, straight)
	var want []string
	for _, in := range storetest.Sequence(t) {
		want = append(want, fmt.Sprintf("%s duplicate=%t", in.Envelope.EventID, storetest.AcceptDerived(t, s, in).Duplicate))
	}
	s.Close()

	crashed := filepath.Join(t.TempDir(), "crashed.db")
	var got []string
	replayed := 0
	var atCrash map[string]string
	for _, in := range storetest.Sequence(t) {
		s := openHoldingBacklog(t, crashed)
		if atCrash != nil && !maps.Equal(atCrash, entityRows(t, crashed)) {
			replayed++
		}
		got = append(got, fmt.Sprintf("%s duplicate=%t", in.Envelope.EventID, storetest.AcceptDerived(t, s, in).Duplicate))
		crash(t, s)
		atCrash = entityRows(t, crashed)
	}
	if replayed == 0 {
		t.Fatal("no restart replayed an entity state; the test proves nothing")
	}
	if !slices.Equal(got, want) {
		t.Errorf("with crashes:\n%v\nstraight through:\n%v", got, want)
	}

	s = openHoldingBacklog(t, crashed)
	s.Close()
	if a, b := derivedIDs(t, crashed), derivedIDs(t, straight); !slices.Equal(a, b) {
		t.Errorf("derived events with crashes %v, straight through %v", a, b)
	}
	if a, b := entityRows(t, crashed), entityRows(t, straight); !maps.Equal(a, b) {
		t.Errorf("entity states with crashes %v, straight through %v", a, b)
	}
}

// entityRows reads each entity's state and change record straight from the
// file.
func entityRows(t *testing.T, path string) map[string]string {
	t.Helper()
	rows := map[string]string{}
	query(t, path, `SELECT key, state || ' ' || last_change FROM entities`, func(r *sql.Rows) error {
		var k, v string
		if err := r.Scan(&k, &v); err != nil {
			return err
		}
		rows[k] = v
		return nil
	})
	return rows
}

func derivedIDs(t *testing.T, path string) []string {
	t.Helper()
	var ids []string
	query(t, path, `SELECT event_id FROM events WHERE format = 'derived' ORDER BY event_id`, func(r *sql.Rows) error {
		var id string
		ids = append(ids, id)
		return r.Scan(&ids[len(ids)-1])
	})
	return ids
}

func query(t *testing.T, path, q string, scan func(*sql.Rows) error) {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, 1024, true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
