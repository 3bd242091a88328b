package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/store"
)

// Reader reads entity states from a SQLite store opened read-only.
type Reader struct {
	path string
	db   *sql.DB
}

var _ store.EntityReader = (*Reader)(nil)

// OpenReader opens the database at path read-only. It neither creates the
// file, nor takes the lock of a serving instance, nor migrates the schema:
// SQLite rejects every write on the connection, and a serving instance can
// keep writing while the reader runs.
func OpenReader(ctx context.Context, path string) (*Reader, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no store at %s: storage.dsn names a file that does not exist; "+
			"point it at the store of the instance to compare with", path)
	}
	q := url.Values{}
	q.Add("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s read-only: %w", path, err)
	}
	db.SetMaxOpenConns(1)

	r := &Reader{path: path, db: db}
	if err := r.checkSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return r, nil
}

// checkSchema fails when the file is no Switchboard store, or one from a
// version that kept no entity states.
func (r *Reader) checkSchema(ctx context.Context) error {
	var n int
	err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'entities'`).Scan(&n)
	if err != nil {
		return fmt.Errorf("read %s read-only: %w", r.path, err)
	}
	if n == 0 {
		return fmt.Errorf("%s has no entity states: it is not a Switchboard store, or an older one; "+
			"run `switchboard serve` on it once to migrate it", r.path)
	}
	return nil
}

// Entity implements store.EntityReader. It reads the entities table only.
//
// NOTE: a serving instance keeps new entity states in memory and writes them
// to the table about once a second (backlog.go), and after a crash only at its
// next start, so a state younger than that is not seen yet.
func (r *Reader) Entity(ctx context.Context, key string) (*derive.Entity, error) {
	e := &derive.Entity{Key: key}
	var dueAt, seenAt, nextDue int64
	var closed int
	var lastChange string
	err := r.db.QueryRowContext(ctx, `SELECT entity_type, entity_id, project_id, state, due_at, closed, last_change,
		seen_at, next_due_at FROM entities WHERE key = ?`, key).Scan(&e.Type, &e.ID, &e.ProjectID, &e.State, &dueAt,
		&closed, &lastChange, &seenAt, &nextDue)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read entity %s from %s: %w", key, r.path, err)
	}
	e.Fields = derive.ReadFields(e.State)
	if err := json.Unmarshal([]byte(lastChange), &e.LastChange); err != nil {
		return nil, fmt.Errorf("read entity %s from %s: %w", key, r.path, err)
	}
	e.DueAt, e.Closed, e.SeenAt, e.NextDueAt = fromNanos(dueAt), closed != 0, fromNanos(seenAt), fromNanos(nextDue)
	return e, nil
}

// EventHash implements store.EntityReader.
//
// NOTE: SQLite keeps no index by event id (the store finds ids through an
// index in its memory), so this reads the whole events table.
func (r *Reader) EventHash(ctx context.Context, eventID string) ([]byte, error) {
	var hash []byte
	err := r.db.QueryRowContext(ctx, `SELECT content_hash FROM events WHERE id_hash = ? AND event_id = ?`,
		int64(hashID(eventID)), eventID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up event %s in %s: %w", eventID, r.path, err)
	}
	return hash, nil
}

// Close implements store.EntityReader.
func (r *Reader) Close() error {
	return r.db.Close()
}
