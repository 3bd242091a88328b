package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// listener holds the store's own connection: it holds the instance's id lock
// and LISTENs for other instances' work and pause changes.
type listener struct {
	config   *pgx.ConnConfig
	channel  string
	locks    lockSpace
	instance string
	log      *slog.Logger
	// origin marks this store's notifications, which it ignores.
	origin string

	// wake receives a value for other instances' work, pauses for their
	// pauses and resumes of connectors, settings for their changes of the
	// settings every instance must share.
	wake     chan struct{}
	pauses   chan struct{}
	settings chan struct{}
	lock     *instanceLock
	conn     *pgx.Conn
	// holding is set while conn holds the instance id lock.
	holding bool
	stopped chan struct{}
}

// pausePrefix starts the payload of a notification that a connector was
// paused or resumed; the origin follows it. Work notifications carry the
// origin alone.
const pausePrefix = "pauses "

// settingsPrefix starts the payload of a notification that an instance
// recorded different shared settings, and the origin follows it.
const settingsPrefix = "settings "

// Timings of the listener's connection.
const (
	// heartbeat is how long the connection waits for a notification before it
	// checks that the server still responds. A session the server ended, and
	// the instance id lock with it, is so noticed without traffic.
	heartbeat = 10 * time.Second
	// lockRetry is how often the listener tries to take back an instance id
	// lock that another session holds.
	lockRetry = time.Second
)

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
	l := &listener{config: config, channel: channel, locks: locks, instance: instance, log: log,
		origin: hex.EncodeToString(raw[:]), wake: make(chan struct{}, 1), pauses: make(chan struct{}, 1),
		settings: make(chan struct{}, 1), lock: newInstanceLock(instance), stopped: make(chan struct{})}

	conn, err := l.connect(openCtx)
	if err != nil {
		return nil, err
	}
	if err := l.takeInstance(openCtx, conn, lockWait); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	l.conn, l.holding = conn, true
	go l.run(runCtx)
	return l, nil
}

// connect opens the connection and starts listening.
func (l *listener) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, l.config)
	if err != nil {
		return nil, connectFailed(&l.config.Config, err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, unavailable("listen for other instances' work", err)
	}
	return conn, nil
}

// run passes notifications on until ctx ends. It reconnects after a lost
// connection and takes the instance id lock back, and wakes once after a
// reconnect, because notifications sent while it was away are lost.
func (l *listener) run(ctx context.Context) {
	defer close(l.stopped)
	backoff := time.Second
	for ctx.Err() == nil {
		if l.conn == nil {
			conn, err := l.connect(ctx)
			if err != nil {
				if ctx.Err() == nil {
					l.log.Warn("could not reconnect for other instances' notifications; polling meanwhile", "err", err, "retry_in", backoff.String())
					l.lock.reconnectFailed(err)
				}
				sleep(ctx, backoff)
				backoff = min(2*backoff, 30*time.Second)
				continue
			}
			l.conn, backoff = conn, time.Second
			l.log.Info("reconnected for other instances' notifications")
			l.signal(l.wake)
			l.signal(l.pauses)
		}
		if !l.holding && l.instance != "" {
			if err := l.retakeInstance(ctx); err != nil {
				l.drop(ctx, err)
				continue
			}
		}
		if err := l.await(ctx); err != nil {
			l.drop(ctx, err)
		}
	}
}

// await waits for one notification and passes it on. While the instance id
// lock is held, it waits up to heartbeat and then checks the connection.
// While the lock is lost, it returns after lockRetry, so that run tries to
// take the lock again.
func (l *listener) await(ctx context.Context) error {
	wait := heartbeat
	if !l.holding && l.instance != "" {
		wait = lockRetry
	}
	waitCtx, cancel := context.WithTimeout(ctx, wait)
	n, err := l.conn.WaitForNotification(waitCtx)
	cancel()
	switch {
	case err == nil:
		l.pass(n)
		return nil
	case ctx.Err() != nil:
		return nil
	case !pgconn.Timeout(err):
		return err
	}

	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := l.conn.Ping(pingCtx); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// pass hands a notification from another store to the channel of its kind.
func (l *listener) pass(n *pgconn.Notification) {
	ch, origin := l.wake, n.Payload
	if rest, ok := strings.CutPrefix(n.Payload, pausePrefix); ok {
		ch, origin = l.pauses, rest
	} else if rest, ok := strings.CutPrefix(n.Payload, settingsPrefix); ok {
		ch, origin = l.settings, rest
	}
	if origin != l.origin {
		l.signal(ch)
	}
}

// drop closes a connection that failed. The session, and the instance id
// lock with it, is gone or about to go, so the lock counts as lost until run
// takes it again.
func (l *listener) drop(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	l.log.Warn("lost the connection for other instances' notifications", "err", err)
	l.conn.Close(context.Background())
	l.conn = nil
	if l.holding {
		l.holding = false
		l.lock.lostConnection(err)
	}
}

func (l *listener) signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
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
