package sqlite

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turbocode/switchboard/core/derive"
)

// Entity states are written back, not through. Nearly every Turbo event brings
// a new snapshot of its entity. Rewriting the entity's row in each event's
// transaction cost a fifth of the ingest throughput, because the rows sit on
// random pages and each group commit wrote dozens of extra pages to the WAL.
// Instead,
// a new state stays in memory, marked dirty, and the dirty states are written
// together at most every backlogInterval, in the transaction of whatever group
// commits then.
//
// Nothing is lost in a crash: the events themselves are the log. The meta key
// entities_through records the last event sequence whose state the table holds,
// and Open replays the events after it (see replayEntities).
const (
	backlogInterval = time.Second
	// maxBacklog bounds the dirty states kept in memory; past it they are
	// written at the next commit whatever the interval.
	maxBacklog = 4096

	throughKey = "entities_through"
)

// entityBacklog holds the entity states accepted but not yet in the entities table.
type entityBacklog struct {
	// dirty is used by the writer goroutine only.
	dirty     map[string]*derive.Entity
	flushedAt time.Time
	size      atomic.Int64

	// committed holds the dirty states whose events committed, for readers
	// outside the writer (EntityCurrent).
	mu        sync.RWMutex
	committed map[string]*derive.Entity
}

func newEntityBacklog() *entityBacklog {
	return &entityBacklog{dirty: map[string]*derive.Entity{}, committed: map[string]*derive.Entity{}, flushedAt: time.Now()}
}

// add marks e dirty within tx: undone with it, visible to readers once it
// committed.
func (b *entityBacklog) add(tx *txn, e *derive.Entity) {
	prev, had := b.dirty[e.Key]
	b.dirty[e.Key] = e
	b.size.Store(int64(len(b.dirty)))
	tx.req.onUndo(func() {
		if had {
			b.dirty[e.Key] = prev
		} else {
			delete(b.dirty, e.Key)
		}
		b.size.Store(int64(len(b.dirty)))
	})
	tx.req.onCommit(func() {
		b.mu.Lock()
		b.committed[e.Key] = e
		b.mu.Unlock()
	})
}

// get returns a dirty state, for the writer.
func (b *entityBacklog) get(key string) (*derive.Entity, bool) {
	e, ok := b.dirty[key]
	return e, ok
}

// current returns a committed state not yet in the table, for readers.
func (b *entityBacklog) current(key string) (json.RawMessage, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	e, ok := b.committed[key]
	if !ok {
		return nil, false
	}
	return e.State, true
}

// due reports whether the next commit should write the dirty states.
func (b *entityBacklog) due(now time.Time) bool {
	return len(b.dirty) >= maxBacklog || now.Sub(b.flushedAt) >= backlogInterval
}

// written removes the states of flushed once their transaction committed,
// keeping any that a later write replaced meanwhile.
func (b *entityBacklog) written(flushed map[string]*derive.Entity, at time.Time) {
	b.mu.Lock()
	for key, e := range flushed {
		if b.dirty[key] == e {
			delete(b.dirty, key)
		}
		if b.committed[key] == e {
			delete(b.committed, key)
		}
	}
	b.mu.Unlock()
	b.size.Store(int64(len(b.dirty)))
	b.flushedAt = at
}

// writeBacklog writes every dirty entity state and moves the replay mark to
// the last stored event. It returns what to run once the transaction
// committed. Only the writer goroutine calls it.
func (s *Store) writeBacklog(ctx context.Context) (func(), error) {
	flushed := make(map[string]*derive.Entity, len(s.unwritten.dirty))
	for key, e := range s.unwritten.dirty {
		if err := s.writeEntityRow(ctx, e); err != nil {
			return nil, err
		}
		flushed[key] = e
	}
	if err := s.writeMark(ctx); err != nil {
		return nil, err
	}
	return func() { s.unwritten.written(flushed, time.Now()) }, nil
}

// beforeCommit is the writer's hook: it writes the backlog when it is due.
func (s *Store) beforeCommit(ctx context.Context) (func(), error) {
	if !s.unwritten.due(time.Now()) {
		return nil, nil
	}
	return s.writeBacklog(ctx)
}

// nudge commits an empty transaction, in which beforeCommit writes the
// backlog if it is due.
func (s *Store) nudge(ctx context.Context) error {
	return s.writer.do(ctx, func(*txn) error { return nil })
}

// flushBacklog writes the backlog now, in a transaction of its own.
func (s *Store) flushBacklog(ctx context.Context) error {
	return s.writer.do(ctx, func(tx *txn) error {
		after, err := s.writeBacklog(tx.ctx)
		if err != nil {
			return err
		}
		tx.req.onCommit(after)
		return nil
	})
}

// flushIdle writes the backlog when no commit has come to do it, until stop
// is closed. Under load the commits write it, and a nudge writes nothing.
func (s *Store) flushIdle(stop <-chan struct{}) {
	t := time.NewTicker(backlogInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if s.unwritten.size.Load() == 0 {
				continue
			}
			err := s.nudge(context.Background())
			select {
			case <-stop:
				return // Close writes the backlog itself
			default:
			}
			if err != nil {
				s.log.Warn("writing entity states failed; the next commit retries", "err", err)
			}
		}
	}
}
