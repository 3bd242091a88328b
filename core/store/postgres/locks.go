package postgres

import (
	"context"
	"hash/fnv"
	"slices"

	"github.com/jackc/pgx/v5"
)

// lockSpace names the advisory locks of one store. PostgreSQL's advisory locks
// are per database, so every key includes the schema: stores in two schemas of
// one database never wait for each other.
//
// Locks held for the rest of a session (the migration lock, an instance's id)
// use the two-integer form; locks held to the end of a transaction (an entity,
// an ordering key) use the single bigint form. PostgreSQL keeps the two forms
// apart, so a hash collision between a session lock and a transaction lock
// cannot make a transaction wait for a session that never ends.
type lockSpace struct {
	schema    string
	namespace int32
}

func newLockSpace(schema string) lockSpace {
	return lockSpace{schema: schema, namespace: int32(fnv64(schema))}
}

// session returns the two-integer key of a session lock.
func (l lockSpace) session(name string) (int32, int32) {
	return l.namespace, int32(fnv64("session\x00" + name))
}

// Transaction lock kinds.
const (
	lockEntity   = "entity"
	lockOrdering = "ordering"
)

// key returns the bigint key of a transaction lock on one entity or ordering
// key.
func (l lockSpace) key(kind, name string) int64 {
	return int64(fnv64(l.schema + "\x00" + kind + "\x00" + name))
}

// lockAll queues a statement on batch that takes the transaction locks of
// keys in ascending order. Every transaction takes its locks in that one
// order, so two of them never wait for each other in a cycle.
func lockAll(batch *pgx.Batch, keys []int64) {
	if len(keys) == 0 {
		return
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	// The aggregate consumes the rows in array order, so the locks are taken
	// in that order.
	batch.Queue(`SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k`, sorted)
}

// lockNow takes the transaction locks of keys at once.
func lockNow(ctx context.Context, tx *pipeTx, keys []int64) error {
	batch := &pgx.Batch{}
	lockAll(batch, keys)
	if batch.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, batch).Close()
}

// fnv64 is FNV-1a 64. Lock keys derive from it, so every instance must compute
// the same value: it must never change.
func fnv64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
