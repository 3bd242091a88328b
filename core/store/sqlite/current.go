package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// EntityCurrent implements store.Store. It reads committed state from the
// backlog, else through the read pool, so it never waits for the writer; a
// state still in the batch being committed is not seen yet.
func (s *Store) EntityCurrent(ctx context.Context, entityKey string) (json.RawMessage, error) {
	if state, ok := s.unwritten.current(entityKey); ok {
		return state, nil
	}
	var state []byte
	err := s.readDB.QueryRowContext(ctx, `SELECT state FROM entities WHERE key = ?`, entityKey).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the state of entity %s: %w", entityKey, err)
	}
	return json.RawMessage(state), nil
}
