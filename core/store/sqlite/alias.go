package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/turbocode/switchboard/core/store"
)

// aliasIndex maps (connector, alias key) to the entity key whose state the
// alias stands for. It holds every row of entity_alias: one per linked entity,
// few enough to keep in memory.
type aliasIndex struct {
	mu   sync.RWMutex
	keys map[string]string
}

func newAliasIndex() *aliasIndex { return &aliasIndex{keys: map[string]string{}} }

func aliasID(connector, alias string) string { return connector + "\x00" + alias }

func (a *aliasIndex) resolve(connector, key string) string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if target, ok := a.keys[aliasID(connector, key)]; ok {
		return target
	}
	return key
}

func (a *aliasIndex) set(connector, alias, target string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keys[aliasID(connector, alias)] = target
}

func (s *Store) loadAliases(ctx context.Context) error {
	rows, err := s.conn.QueryContext(ctx, `SELECT connector, alias_key, entity_key FROM entity_alias`)
	if err != nil {
		return fmt.Errorf("load entity key aliases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var connector, alias, target string
		if err := rows.Scan(&connector, &alias, &target); err != nil {
			return fmt.Errorf("load entity key aliases: %w", err)
		}
		s.aliases.set(connector, alias, target)
	}
	return rows.Err()
}

// ResolveEntityKey implements store.Store from memory.
func (s *Store) ResolveEntityKey(_ context.Context, connector, entityKey string) (string, error) {
	return s.aliases.resolve(connector, entityKey), nil
}

// resolveInTx returns the entity key an alias stands for as the transaction
// sees it, which includes aliases written earlier in the same batch.
func (s *Store) resolveInTx(tx *txn, connector, key string) (string, error) {
	var target string
	err := s.stmts.resolveAlias.QueryRowContext(tx.ctx, connector, key).Scan(&target)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return key, nil
	case err != nil:
		return "", fmt.Errorf("resolve %s alias %s: %w", connector, key, err)
	}
	return target, nil
}

// writeAliases points each alias of st at entityKey and updates the index once
// the transaction commits.
func (s *Store) writeAliases(tx *txn, st *store.EntityStateUpdate, entityKey string) error {
	for _, alias := range st.Aliases {
		if alias == "" || alias == entityKey {
			continue
		}
		added, err := rowsAffected(s.stmts.insertAlias.ExecContext(tx.ctx, st.Connector, alias, entityKey))
		if err != nil {
			return fmt.Errorf("write %s alias %s of %s: %w", st.Connector, alias, entityKey, err)
		}
		if added == 0 {
			s.log.Warn("entity key alias not added: the key has state of its own", "connector", st.Connector,
				"alias", alias, "entity", entityKey)
			continue
		}
		tx.req.onCommit(func() { s.aliases.set(st.Connector, alias, entityKey) })
	}
	return nil
}
