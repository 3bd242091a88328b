package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store"
)

// instanceLock is the state of the session lock on the instance id that the
// listener's connection holds. The lock goes with the session: when the
// database restarts or ends the session, another instance with the same id
// can take it, so the instance must stop using its id until it holds the lock
// again.
type instanceLock struct {
	instance string

	mu sync.Mutex
	// err is nil while the lock is held, else why it is not.
	err error
	// session is the backend that took the lock last, so that the listener
	// recognises its own earlier session when that one still holds it.
	session backend
	changes chan struct{}
}

// backend identifies one server session: a pid is reused after its session
// ends, a pid with its start time is not.
type backend struct {
	pid     uint32
	started time.Time
}

func (b backend) same(other backend) bool {
	return b.pid == other.pid && b.started.Equal(other.started)
}

func newInstanceLock(instance string) *instanceLock {
	return &instanceLock{instance: instance, changes: make(chan struct{}, 1)}
}

// state returns nil while the lock is held, or why it is not.
func (k *instanceLock) state() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.err
}

// set records the lock's state and signals a change from held to lost or back.
func (k *instanceLock) set(err error) {
	k.mu.Lock()
	changed := (k.err == nil) != (err == nil)
	k.err = err
	k.mu.Unlock()
	if changed {
		select {
		case k.changes <- struct{}{}:
		default:
		}
	}
}

// lostConnection records that the connection holding the lock broke.
func (k *instanceLock) lostConnection(cause error) {
	if k.instance == "" {
		return
	}
	k.mu.Lock()
	already := k.err != nil
	k.mu.Unlock()
	if already {
		return
	}
	k.set(fmt.Errorf("%w: the connection holding the lock on server.instance_id %q broke (%v); this instance claims and delivers nothing until it takes the lock back",
		store.ErrUnavailable, k.instance, cause))
}

// reconnectFailed records that the lock cannot be taken back because the
// database cannot be reached. It replaces the reason of a lost connection,
// which is out of date by then, but not the reason that another session has
// the lock.
func (k *instanceLock) reconnectFailed(cause error) {
	if k.instance == "" {
		return
	}
	k.mu.Lock()
	locked := errors.Is(k.err, store.ErrLocked)
	k.mu.Unlock()
	if locked {
		return
	}
	k.set(fmt.Errorf("%w: the database cannot be reached to take back the lock on server.instance_id %q (%v); this instance claims and delivers nothing until it takes the lock back",
		store.ErrUnavailable, k.instance, cause))
}

// takeInstance takes the instance id lock on conn, waiting up to wait for a
// session that holds it to end.
func (l *listener) takeInstance(ctx context.Context, conn *pgx.Conn, wait time.Duration) error {
	if l.instance == "" {
		return nil
	}
	deadline := time.Now().Add(wait)
	for logged := false; ; logged = true {
		taken, err := l.tryTake(ctx, conn)
		if err != nil {
			return err
		}
		if taken {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: another running instance uses server.instance_id %q on this database; give each instance its own instance_id (the default is the host name)",
				store.ErrLocked, l.instance)
		}
		if !logged {
			l.logWaiting(ctx, conn, wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// logWaiting logs that another session has the instance id's lock, with
// that session's pid, application and client as far as the server shows them.
func (l *listener) logWaiting(ctx context.Context, conn *pgx.Conn, wait time.Duration) {
	attrs := []any{"instance_id", l.instance, "wait", wait.String()}
	if holder, err := l.holder(ctx, conn); err == nil && holder.pid != 0 {
		attrs = append(attrs, "holder", holder.String())
	}
	l.log.Warn("another session holds this instance id; waiting for it to end, as it does when its instance is gone", attrs...)
}

// tryTake tries once to take the instance id lock on conn, and records the
// session that holds it when it succeeds.
func (l *listener) tryTake(ctx context.Context, conn *pgx.Conn) (bool, error) {
	ns, key := l.locks.session("instance\x00" + l.instance)
	var taken bool
	var started time.Time
	err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2),
		(SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())`, ns, key).Scan(&taken, &started)
	if err != nil {
		return false, unavailable("take the instance id", err)
	}
	if taken {
		l.lock.mu.Lock()
		l.lock.session = backend{pid: conn.PgConn().PID(), started: started}
		l.lock.mu.Unlock()
	}
	return taken, nil
}

// retakeInstance tries to take the instance id lock back after the session
// that held it was lost. When this listener's own earlier session still holds
// it, because the server has not yet noticed that session is gone, it ends
// that session. When another instance holds it, the lock stays lost and the
// log names the session that holds it. An error means the connection failed.
func (l *listener) retakeInstance(ctx context.Context) error {
	taken, err := l.tryTake(ctx, l.conn)
	if err != nil {
		return err
	}
	if taken {
		l.holding = true
		if l.lock.state() != nil {
			l.log.Info("took back the lock on this instance id; claiming and delivering again", "instance_id", l.instance)
		}
		l.lock.set(nil)
		return nil
	}

	holder, err := l.holder(ctx, l.conn)
	if err != nil || holder.pid == 0 {
		// With no holder, the session that held it ended just now: the
		// next try takes it.
		return err
	}
	l.lock.mu.Lock()
	own := holder.same(l.lock.session)
	l.lock.mu.Unlock()
	if own {
		l.log.Info("this instance's earlier session still holds its id lock; ending that session", "instance_id", l.instance, "pid", holder.pid)
		if _, err := l.conn.Exec(ctx, `SELECT pg_terminate_backend($1)`, int64(holder.pid)); err != nil {
			return unavailable("end this instance's earlier session", err)
		}
		return nil
	}

	lost := fmt.Errorf("%w: another session holds the lock on server.instance_id %q (%s): another instance runs with this id, so this one claims and delivers nothing until that one stops; give each instance its own instance_id",
		store.ErrLocked, l.instance, holder)
	if prev := l.lock.state(); prev == nil || prev.Error() != lost.Error() {
		l.log.Error("lost the lock on this instance id to another session; claiming and delivering nothing until it is free",
			"instance_id", l.instance, "holder", holder.String())
	}
	l.lock.set(lost)
	return nil
}

// lockHolder describes the session that holds the instance id lock.
type lockHolder struct {
	backend
	application string
	client      string
}

func (h lockHolder) String() string {
	s := fmt.Sprintf("pid %d", h.pid)
	if h.application != "" {
		s += fmt.Sprintf(", application %q", h.application)
	}
	if h.client != "" {
		s += ", client " + h.client
	}
	if !h.started.IsZero() {
		s += ", connected since " + h.started.UTC().Format(time.RFC3339)
	}
	return s
}

// holder returns the session that holds the instance id lock, asking on conn. The server
// shows another role's sessions without their details, so application,
// client and start may be empty.
func (l *listener) holder(ctx context.Context, conn *pgx.Conn) (lockHolder, error) {
	ns, key := l.locks.session("instance\x00" + l.instance)
	var h lockHolder
	var pid int32
	var started *time.Time
	err := conn.QueryRow(ctx, `SELECT l.pid, a.backend_start, coalesce(a.application_name, ''), coalesce(host(a.client_addr), '')
		FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
		  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND l.classid = $1::int4::oid AND l.objid = $2::int4::oid`, ns, key).Scan(&pid, &started, &h.application, &h.client)
	if errors.Is(err, pgx.ErrNoRows) {
		return lockHolder{}, nil
	}
	if err != nil {
		return lockHolder{}, unavailable("find the session holding the instance id", err)
	}
	h.pid = uint32(pid)
	if started != nil {
		h.started = *started
	}
	return h, nil
}
