package postgres

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// backlogRecount is how often the scheduled deliveries of every instance are
// counted again.
const backlogRecount = time.Second

// backlogCounter counts scheduled deliveries without a hot row that every
// transaction would update: a count of the table at most backlogRecount old,
// plus the changes this instance committed since. A recount holds mu for
// writing and commits hold it for reading, so the count never includes a
// commit that is also in the local changes: this instance's own figure is
// exact, and other instances' work shows within a recount.
type backlogCounter struct {
	mu      sync.RWMutex
	counted atomic.Int64
	local   atomic.Int64
}

func (b *backlogCounter) value() int64 { return b.counted.Load() + b.local.Load() }

// refresh counts again. It takes its connection before it holds mu: a commit
// waiting for mu holds a pooled connection, so waiting for one while holding
// mu could wait for ever.
func (b *backlogCounter) refresh(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	b.mu.Lock()
	defer b.mu.Unlock()
	var n int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE state = 0`).Scan(&n); err != nil {
		return err
	}
	b.counted.Store(n)
	b.local.Store(0)
	return nil
}

// run recounts every backlogRecount until ctx ends. A failure is logged once,
// until a recount succeeds again.
func (b *backlogCounter) run(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) {
	ticker := time.NewTicker(backlogRecount)
	defer ticker.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		queryCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := b.refresh(queryCtx, pool)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			log.Warn("could not count the scheduled deliveries; the backlog figure may be stale", "err", err)
			failing = true
		case err == nil && failing:
			log.Info("counting the scheduled deliveries works again")
			failing = false
		}
	}
}
