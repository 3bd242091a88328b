package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store"
)

// listener holds the store's own connection: it holds the instance's id lock
// and LISTENs for other instances' work.
type listener struct {
	config   *pgx.ConnConfig
	channel  string
	locks    lockSpace
	instance string
	lockWait time.Duration
	log      *slog.Logger
	// origin marks this store's notifications, which it ignores.
	origin string

	wake    chan struct{}
	conn    *pgx.Conn
	stopped chan struct{}
}

// defaultLockWait is how long Open waits for the id of an instance that is
// gone. The listener connection asks the server for TCP keepalives every 5s
// after 20s idle, given up after 4 probes, so the server ends a vanished
// client's session, and with it its locks, within about 40s.
const defaultLockWait = 75 * time.Second

func startListener(openCtx, runCtx context.Context, base *pgx.ConnConfig, channel string, locks lockSpace,
	instance string, lockWait time.Duration, log *slog.Logger) (*listener, error) {
	config := base.Copy()
	for name, value := range map[string]string{"tcp_keepalives_idle": "20", "tcp_keepalives_interval": "5",
		"tcp_keepalives_count": "4", "application_name": "switchboard " + instance} {
		config.RuntimeParams[name] = value
	}
	var raw [8]byte
	rand.Read(raw[:])
	l := &listener{config: config, channel: channel, locks: locks, instance: instance, lockWait: lockWait, log: log,
		origin: hex.EncodeToString(raw[:]), wake: make(chan struct{}, 1), stopped: make(chan struct{})}

	conn, err := l.connect(openCtx, lockWait, true)
	if err != nil {
		return nil, err
	}
	l.conn = conn
	go l.run(runCtx)
	return l, nil
}

// connect opens the connection, takes the instance id lock, waiting up to
// wait for it, and starts listening.
func (l *listener) connect(ctx context.Context, wait time.Duration, required bool) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, l.config)
	if err != nil {
		return nil, unavailable("connect", err)
	}
	if err := l.takeInstance(ctx, conn, wait); err != nil {
		if required || !errors.Is(err, store.ErrLocked) {
			conn.Close(context.Background())
			return nil, err
		}
		l.log.Error("another instance took this instance id while the connection was lost; both may release each other's leases", "instance_id", l.instance)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, unavailable("listen for other instances' work", err)
	}
	return conn, nil
}

func (l *listener) takeInstance(ctx context.Context, conn *pgx.Conn, wait time.Duration) error {
	if l.instance == "" {
		return nil
	}
	ns, key := l.locks.session("instance\x00" + l.instance)
	deadline := time.Now().Add(wait)
	for logged := false; ; logged = true {
		var taken bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, ns, key).Scan(&taken); err != nil {
			return unavailable("take the instance id", err)
		}
		if taken {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: another running instance uses server.instance_id %q on this database; give each instance its own instance_id (the default is the host name)",
				store.ErrLocked, l.instance)
		}
		if !logged {
			l.log.Warn("another session holds this instance id; waiting for it to end, as it does when its instance is gone",
				"instance_id", l.instance, "wait", wait.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// run passes notifications on to wake until ctx ends, reconnecting after a
// lost connection. It wakes once after a reconnect, because notifications
// sent while it was away are lost.
func (l *listener) run(ctx context.Context) {
	defer close(l.stopped)
	backoff := time.Second
	for ctx.Err() == nil {
		if l.conn == nil {
			conn, err := l.connect(ctx, 0, false)
			if err != nil {
				if ctx.Err() == nil {
					l.log.Warn("could not reconnect for other instances' notifications; polling meanwhile", "err", err, "retry_in", backoff.String())
				}
				sleep(ctx, backoff)
				backoff = min(2*backoff, 30*time.Second)
				continue
			}
			l.conn, backoff = conn, time.Second
			l.log.Info("reconnected for other instances' notifications")
			l.signal()
		}

		n, err := l.conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() == nil {
				l.log.Warn("lost the connection for other instances' notifications", "err", err)
			}
			l.conn.Close(context.Background())
			l.conn = nil
			continue
		}
		if n.Payload != l.origin {
			l.signal()
		}
	}
}

func (l *listener) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// close waits for run to stop, after its context ended, and closes the
// connection, which releases the instance id.
func (l *listener) close() {
	<-l.stopped
	if l.conn != nil {
		l.conn.Close(context.Background())
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
