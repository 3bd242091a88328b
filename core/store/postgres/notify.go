package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// notifier sends the notifications that wake other instances, from its own
// goroutine and after the commits that stored the work. PostgreSQL takes a
// lock for the whole database while a transaction that ran NOTIFY commits, so
// a NOTIFY inside every Accept would make their commits wait for each other
// instead of sharing WAL flushes. Requests that arrive while one notification
// is being sent are served by the next one.
type notifier struct {
	pool    *pgxpool.Pool
	channel string
	origin  string
	log     *slog.Logger
	pending chan struct{}
}

func newNotifier(pool *pgxpool.Pool, channel, origin string, log *slog.Logger) *notifier {
	return &notifier{pool: pool, channel: channel, origin: origin, log: log, pending: make(chan struct{}, 1)}
}

// request queues a notification to be sent soon. It never blocks.
func (n *notifier) request() {
	select {
	case n.pending <- struct{}{}:
	default:
	}
}

// run sends the requested notifications until ctx ends. A failure is logged
// once until a send succeeds again: the other instances still find the work
// at their next poll.
func (n *notifier) run(ctx context.Context) {
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.pending:
		}
		sendCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := n.pool.Exec(sendCtx, `SELECT pg_notify($1, $2)`, n.channel, n.origin)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			n.log.Warn("could not notify the other instances of new work; they find it at their next poll", "err", err)
			failing = true
		case err == nil && failing:
			n.log.Info("notifying the other instances works again")
			failing = false
		}
	}
}
