package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/turbocode/switchboard/core/store"
)

// maxTries bounds how often a transaction runs when concurrent transactions
// make it fail (see retryable).
const maxTries = 4

// querier is what a pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// inTx runs fn in a transaction and commits it, running it again when it
// failed only because of a concurrent transaction. fn returns the change its
// commit makes to the number of scheduled deliveries. A *store.ConflictError
// or store.ErrNotFound from fn is returned as it is; any other failure is
// store.ErrUnavailable.
func (s *Store) inTx(ctx context.Context, op string, fn func(tx *pipeTx) (int64, error)) error {
	for try := 1; ; try++ {
		err := s.tryTx(ctx, fn)
		var conflict *store.ConflictError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &conflict), errors.Is(err, store.ErrNotFound):
			return err
		case retryable(err) && try < maxTries && ctx.Err() == nil:
			s.log.Debug("transaction ran into a concurrent one; running it again", "op", op, "try", try, "err", err)
		default:
			return unavailable(op, err)
		}
	}
}

func (s *Store) tryTx(ctx context.Context, fn func(tx *pipeTx) (int64, error)) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	tx := &pipeTx{conn: conn.Conn(), backlog: &s.backlog}

	delta, err := fn(tx)
	if err == nil && !tx.committed {
		err = tx.commit(ctx, delta)
	}
	if err != nil && tx.begun && conn.Conn().PgConn().TxStatus() != 'I' {
		// When the rollback fails too, Release closes the connection, which
		// ends the transaction on the server.
		conn.Exec(context.WithoutCancel(ctx), "rollback")
	}
	return err
}

// registerDestinations makes sure every key has a row in destinations and
// caches the row ids. It commits on its own, outside any request's
// transaction: a destination row is harmless even when the request that
// needed it fails, and a transaction that inserted one would make every
// other transaction needing the same key wait for its commit.
func (s *Store) registerDestinations(ctx context.Context, keys []string) error {
	var missing []string
	for _, key := range keys {
		if _, ok := s.destinations.Load(key); !ok {
			missing = append(missing, key)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	ids, err := insertDestinations(ctx, s.pool, missing)
	if err != nil {
		return unavailable("register destinations", err)
	}
	for key, id := range ids {
		s.destinations.Store(key, id)
	}
	return nil
}

// insertDestinations creates the rows of keys that have none and returns the
// row id of every key. Called in a transaction, the ids may be cached only
// once it committed.
func insertDestinations(ctx context.Context, q querier, keys []string) (map[string]int64, error) {
	if _, err := q.Exec(ctx, `INSERT INTO destinations (key) SELECT unnest($1::text[]) ON CONFLICT (key) DO NOTHING`, keys); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT id, key FROM destinations WHERE key = ANY($1)`, keys)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make(map[string]int64, len(keys))
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, err
		}
		ids[key] = id
	}
	return ids, rows.Err()
}

// destinationID returns the cached row id of a registered destination.
func (s *Store) destinationID(key string) (int64, bool) {
	id, ok := s.destinations.Load(key)
	if !ok {
		return 0, false
	}
	return id.(int64), true
}
