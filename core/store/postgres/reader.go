package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/store"
)

// Reader reads entity states from a PostgreSQL store over one connection
// whose transactions are read-only.
type Reader struct {
	conn *pgx.Conn
}

var _ store.EntityReader = (*Reader)(nil)

// OpenReader connects to the store at dsn for reading. The session sets
// default_transaction_read_only, so the server rejects every write on it, and
// it neither migrates the schema nor takes an instance id.
func OpenReader(ctx context.Context, dsn string) (*Reader, error) {
	config, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse storage.dsn: %w", err)
	}
	config.RuntimeParams["default_transaction_read_only"] = "on"
	config.RuntimeParams["application_name"] = "switchboard reader"
	if config.ConnectTimeout == 0 {
		config.ConnectTimeout = 5 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		return nil, unavailable("connect", err)
	}

	r := &Reader{conn: conn}
	if err := r.checkSchema(ctx); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return r, nil
}

// checkSchema fails when the search_path has no Switchboard store.
func (r *Reader) checkSchema(ctx context.Context) error {
	var table *string
	if err := r.conn.QueryRow(ctx, `SELECT to_regclass('entities')::text`).Scan(&table); err != nil {
		return unavailable("look for the entities table", err)
	}
	if table == nil {
		return errors.New("the database has no entities table in the search_path of storage.dsn: " +
			"it holds no Switchboard store, or an older one; run `switchboard serve` on it once to migrate it")
	}
	return nil
}

// Entity implements store.EntityReader.
func (r *Reader) Entity(ctx context.Context, key string) (*derive.Entity, error) {
	e := &derive.Entity{}
	var dueAt, seenAt, nextDue int64
	var lastChange string
	err := r.conn.QueryRow(ctx, `SELECT `+entityColumns+` FROM entities WHERE key = $1`, key).Scan(&e.Key, &e.Type,
		&e.ID, &e.ProjectID, &e.State, &dueAt, &e.Closed, &lastChange, &seenAt, &nextDue)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable("read entity "+key, err)
	}
	e.Fields = derive.ReadFields(e.State)
	if err := json.Unmarshal([]byte(lastChange), &e.LastChange); err != nil {
		return nil, fmt.Errorf("read entity %s: %w", key, err)
	}
	e.DueAt, e.SeenAt, e.NextDueAt = fromNanos(dueAt), fromNanos(seenAt), fromNanos(nextDue)
	return e, nil
}

// EventHash implements store.EntityReader.
func (r *Reader) EventHash(ctx context.Context, eventID string) ([]byte, error) {
	var hash []byte
	err := r.conn.QueryRow(ctx, `SELECT content_hash FROM events WHERE event_id = $1`, eventID).Scan(&hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable("look up event "+eventID, err)
	}
	return hash, nil
}

// Close implements store.EntityReader.
func (r *Reader) Close() error {
	return r.conn.Close(context.Background())
}
