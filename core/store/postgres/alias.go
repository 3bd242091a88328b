package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// resolvedKey is the SQL of the entity key that the key $2 stands for under
// the connector $1: its alias target, or the key itself.
const resolvedKey = `coalesce((SELECT entity_key FROM entity_alias WHERE connector = $1 AND alias_key = $2), $2)`

// aliasRecount is how often the aliases other instances added are loaded.
const aliasRecount = time.Second

// aliasIndex holds every row of entity_alias in memory (one per linked
// entity), so that ResolveEntityKey, which routing calls for every delivery
// of a connector that keeps state, costs no query. An alias never changes its
// target once written, so the index only grows: it loads the rows added since
// its last look, by id.
type aliasIndex struct {
	mu     sync.RWMutex
	keys   map[string]string
	lastID int64
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

// load reads the aliases added since the last load.
func (a *aliasIndex) load(ctx context.Context, pool *pgxpool.Pool) error {
	a.mu.RLock()
	after := a.lastID
	a.mu.RUnlock()
	rows, err := pool.Query(ctx, `SELECT id, connector, alias_key, entity_key FROM entity_alias WHERE id > $1 ORDER BY id`, after)
	if err != nil {
		return err
	}
	var id int64
	var connector, alias, target string
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err = pgx.ForEachRow(rows, []any{&id, &connector, &alias, &target}, func() error {
		a.keys[aliasID(connector, alias)] = target
		a.lastID = max(a.lastID, id)
		return nil
	})
	return err
}

// run loads new aliases every aliasRecount until ctx ends.
func (a *aliasIndex) run(ctx context.Context, pool *pgxpool.Pool) {
	ticker := time.NewTicker(aliasRecount)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		loadCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		a.load(loadCtx, pool)
		cancel()
	}
}

// ResolveEntityKey implements store.Store from memory. NOTE: an alias another
// instance wrote shows here only within aliasRecount. Until then, a delivery
// about the other side of a new link may get the other key as its ordering
// key.
func (s *Store) ResolveEntityKey(_ context.Context, connector, entityKey string) (string, error) {
	return s.aliases.resolve(connector, entityKey), nil
}
