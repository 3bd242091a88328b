package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pipeTx is a transaction whose BEGIN goes out with its first statements and
// whose COMMIT goes out with its last batch, so a transaction of two batches
// costs two round trips instead of four. It runs on one connection taken from
// the pool for its length.
type pipeTx struct {
	conn      *pgx.Conn
	backlog   *backlogCounter
	begun     bool
	committed bool
}

// begin returns b with BEGIN queued in front when the transaction has not
// begun yet, and whether it added it.
func (p *pipeTx) begin(b *pgx.Batch) (*pgx.Batch, bool) {
	if p.begun {
		return b, false
	}
	p.begun = true
	withBegin := &pgx.Batch{}
	withBegin.Queue("begin")
	withBegin.QueuedQueries = append(withBegin.QueuedQueries, b.QueuedQueries...)
	return withBegin, true
}

// SendBatch sends b in the transaction.
func (p *pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	b, begins := p.begin(b)
	results := p.conn.SendBatch(ctx, b)
	if begins {
		return &afterBegin{BatchResults: results}
	}
	return results
}

// Query runs one query in the transaction.
func (p *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := p.beginAlone(ctx); err != nil {
		return nil, err
	}
	return p.conn.Query(ctx, sql, args...)
}

// Exec runs one statement in the transaction.
func (p *pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := p.beginAlone(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return p.conn.Exec(ctx, sql, args...)
}

func (p *pipeTx) beginAlone(ctx context.Context) error {
	if p.begun {
		return nil
	}
	p.begun = true
	_, err := p.conn.Exec(ctx, "begin")
	return err
}

// SendFinal sends b with COMMIT queued after it. Closing the results reports
// whether the transaction committed; delta is then added to the backlog. A
// recount of the backlog waits until the results are closed (see
// backlogCounter).
func (p *pipeTx) SendFinal(ctx context.Context, b *pgx.Batch, delta int64) pgx.BatchResults {
	b.Queue("commit")
	p.backlog.mu.RLock()
	return &commitResults{BatchResults: p.SendBatch(ctx, b), p: p, delta: delta}
}

// commit commits a transaction whose last batch did not.
func (p *pipeTx) commit(ctx context.Context, delta int64) error {
	if !p.begun {
		p.committed = true
		return nil
	}
	return p.SendFinal(ctx, &pgx.Batch{}, delta).Close()
}

// afterBegin passes over the result of the BEGIN that pipeTx queued in front
// of the caller's batch.
type afterBegin struct {
	pgx.BatchResults
	read bool
	err  error
}

func (r *afterBegin) skip() error {
	if !r.read {
		r.read = true
		_, r.err = r.BatchResults.Exec()
	}
	return r.err
}

func (r *afterBegin) Exec() (pgconn.CommandTag, error) {
	if err := r.skip(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return r.BatchResults.Exec()
}

func (r *afterBegin) Query() (pgx.Rows, error) {
	if err := r.skip(); err != nil {
		return nil, err
	}
	return r.BatchResults.Query()
}

func (r *afterBegin) QueryRow() pgx.Row {
	if err := r.skip(); err != nil {
		return errRow{err}
	}
	return r.BatchResults.QueryRow()
}

// errRow is a row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// commitResults are the results of a batch that ends with COMMIT.
type commitResults struct {
	pgx.BatchResults
	p      *pipeTx
	delta  int64
	closed bool
	err    error
}

func (r *commitResults) Close() error {
	if r.closed {
		return r.err
	}
	r.closed = true
	r.err = r.BatchResults.Close()
	if r.err == nil {
		r.p.committed = true
		r.p.backlog.local.Add(r.delta)
	}
	r.p.backlog.mu.RUnlock()
	return r.err
}

// QueryRow runs one query in the transaction.
func (p *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := p.beginAlone(ctx); err != nil {
		return errRow{err}
	}
	return p.conn.QueryRow(ctx, sql, args...)
}
