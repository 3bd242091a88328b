package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// writeReq is one caller's share of a group commit. apply runs inside the
// shared transaction; undo reverts apply's in-memory effects when the
// transaction is rolled back; committed runs after the commit succeeded.
//
// An apply that rejects its own request (a conflicting event id) must do so
// before it writes anything, so the request needs no savepoint of its own: a
// savepoint per request cost two more statements on the one write connection.
type writeReq struct {
	apply     func(tx *txn) error
	undo      []func()
	committed []func()
	err       error
	done      chan struct{}
}

func (r *writeReq) onUndo(f func())   { r.undo = append(r.undo, f) }
func (r *writeReq) onCommit(f func()) { r.committed = append(r.committed, f) }

func (r *writeReq) rollback() {
	for i := len(r.undo) - 1; i >= 0; i-- {
		r.undo[i]()
	}
	r.undo = nil
	r.committed = nil
}

// txn is what apply functions use: the writer's prepared statements and the
// current request, to register undo and commit hooks.
type txn struct {
	ctx context.Context
	w   *writer
	req *writeReq
}

// writer owns the single write connection. It batches the requests that arrive
// while a commit is in flight into the next transaction (group commit), so that
// one fsync serves many callers.
type writer struct {
	conn     *sql.Conn
	stmts    *statements
	requests chan *writeReq
	maxBatch int
	log      *slog.Logger
	// beforeCommit, when set, runs in every transaction after its requests;
	// the function it returns runs once the transaction committed.
	beforeCommit func(ctx context.Context) (func(), error)
	stopped      chan struct{}

	// mu guards closed against sends racing with close: senders hold it for
	// reading while they queue a request.
	mu     sync.RWMutex
	closed bool
}

func newWriter(conn *sql.Conn, stmts *statements, maxBatch int, log *slog.Logger) *writer {
	return &writer{
		conn:     conn,
		stmts:    stmts,
		requests: make(chan *writeReq, 4*maxBatch),
		maxBatch: maxBatch,
		log:      log,
		stopped:  make(chan struct{}),
	}
}

// do submits apply and waits until its transaction committed or failed. Once
// the request is queued it is applied whatever happens to ctx, so do waits for
// the outcome then: a caller must not believe a write failed that in fact
// committed. ctx bounds only the wait for a place in the queue.
func (w *writer) do(ctx context.Context, apply func(tx *txn) error) error {
	req := &writeReq{apply: apply, done: make(chan struct{})}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return fmt.Errorf("%w: store is closed", store.ErrUnavailable)
	}
	select {
	case w.requests <- req:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	<-req.done
	return req.err
}

// run commits batches until the request channel is closed.
func (w *writer) run() {
	defer close(w.stopped)
	batch := make([]*writeReq, 0, w.maxBatch)
	for first := range w.requests {
		batch = append(batch[:0], first)
		batch = w.drain(batch)
		w.commit(batch)
	}
}

func (w *writer) drain(batch []*writeReq) []*writeReq {
	for len(batch) < w.maxBatch {
		select {
		case req, ok := <-w.requests:
			if !ok {
				return batch
			}
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

func (w *writer) commit(batch []*writeReq) {
	ctx := context.Background()
	defer func() {
		for _, req := range batch {
			close(req.done)
		}
	}()

	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		w.failAll(batch, fmt.Errorf("begin transaction: %w", err))
		return
	}

	for _, req := range batch {
		if err := w.applyOne(ctx, req); err != nil {
			w.conn.ExecContext(ctx, "ROLLBACK")
			w.failAll(batch, err)
			return
		}
	}

	var after func()
	if w.beforeCommit != nil {
		var err error
		if after, err = w.beforeCommit(ctx); err != nil {
			w.conn.ExecContext(ctx, "ROLLBACK")
			w.failAll(batch, err)
			return
		}
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		w.conn.ExecContext(ctx, "ROLLBACK")
		w.failAll(batch, fmt.Errorf("commit: %w", err))
		return
	}
	for _, req := range batch {
		for _, f := range req.committed {
			f()
		}
	}
	if after != nil {
		after()
	}
}

// applyOne runs one request. A rejection (a conflict) fails that request alone;
// apply made no write before rejecting. Any other error is a database failure,
// after which SQLite may have rolled the whole transaction back already;
// applyOne returns it and the caller aborts the batch.
func (w *writer) applyOne(ctx context.Context, req *writeReq) error {
	err := req.apply(&txn{ctx: ctx, w: w, req: req})
	var rejected rejection
	switch {
	case err == nil:
		return nil
	case errors.As(err, &rejected):
		req.err = rejected.err
		req.rollback()
		return nil
	default:
		return err
	}
}

// rejection is an apply outcome that rejects its own request (a conflicting
// event id) without failing the transaction the request shares with others.
type rejection struct{ err error }

func (r rejection) Error() string { return r.err.Error() }

func reject(err error) error { return rejection{err: err} }

func (w *writer) failAll(batch []*writeReq, err error) {
	w.log.Error("store transaction failed; the requests in it were rejected", "requests", len(batch), "err", err)
	// Undo in reverse order: a later request may have replaced in memory what
	// an earlier one wrote.
	for i := len(batch) - 1; i >= 0; i-- {
		req := batch[i]
		req.rollback()
		if req.err == nil {
			req.err = unavailable("write", err)
		}
	}
}

// close stops accepting requests and waits for the queued ones to commit. It
// reports whether the writer stopped within timeout; when it did not, the
// caller must leave the connection open under it.
func (w *writer) close(timeout time.Duration) bool {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.requests)
	}
	w.mu.Unlock()

	select {
	case <-w.stopped:
		return true
	case <-time.After(timeout):
		w.log.Error("store writer did not finish the queued commits in time; leaving its connection open", "timeout", timeout.String())
		return false
	}
}

// unavailable wraps a database error as store.ErrUnavailable, keeping the cause.
func unavailable(op string, err error) error {
	if errors.Is(err, store.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", store.ErrUnavailable, op, err)
}
