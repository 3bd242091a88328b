package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/postgres/pgtest"
)

func openInstance(t *testing.T, dsn, instance string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{DSN: dsn, MaxConns: 4, InstanceID: instance, lockWait: time.Second, Logger: quiet})
	if err != nil {
		t.Fatalf("Open as %s: %v", instance, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// queueForInstanceLock makes conn wait for s's instance id lock, so that it
// gets the lock the moment s's session ends, before s can take it back. It
// returns once conn is waiting, and a channel that receives the wait's error.
func queueForInstanceLock(t *testing.T, s *Store, conn, observer *pgx.Conn) <-chan error {
	t.Helper()
	ns, key := s.locks.session("instance\x00" + s.listener.instance)
	taken := make(chan error, 1)
	go func() {
		_, err := conn.Exec(context.Background(), `SELECT pg_advisory_lock($1, $2)`, ns, key)
		taken <- err
	}()
	pid := conn.PgConn().PID()
	waitUntil(t, "the other session to wait for the lock", func() bool {
		var waiting bool
		err := observer.QueryRow(context.Background(), `SELECT EXISTS (SELECT FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND pid = $1)`, int64(pid)).Scan(&waiting)
		return err == nil && waiting
	})
	return taken
}

func listenerPID(s *Store) uint32 {
	s.listener.lock.mu.Lock()
	defer s.listener.lock.mu.Unlock()
	return s.listener.lock.session.pid
}

func terminate(t *testing.T, conn *pgx.Conn, pid uint32) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), `SELECT pg_terminate_backend($1)`, int64(pid)); err != nil {
		t.Fatal(err)
	}
}

// TestInstanceLockTakenByAnotherSession ends the session that holds the
// instance id lock, as a restart of the database does, while another session
// waits for the lock. The store reports the lock lost to that session, and it
// takes no lease until the other session lets the lock go.
func TestInstanceLockTakenByAnotherSession(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := openInstance(t, dsn, "node-1")
	admin, rival := pgtest.Connect(t, dsn), pgtest.Connect(t, dsn)
	ctx := context.Background()
	if err := s.InstanceLockErr(); err != nil {
		t.Fatalf("InstanceLockErr after Open = %v, want nil", err)
	}

	taken := queueForInstanceLock(t, s, rival, admin)
	terminate(t, admin, listenerPID(s))
	if err := <-taken; err != nil {
		t.Fatalf("the rival session's lock: %v", err)
	}
	select {
	case <-s.InstanceLockChanges():
	case <-time.After(20 * time.Second):
		t.Fatal("no change of the instance id lock reported after its session ended")
	}
	waitUntil(t, "the lock to be reported held by the rival", func() bool { return errors.Is(s.InstanceLockErr(), store.ErrLocked) })
	lost := s.InstanceLockErr().Error()
	for _, want := range []string{`"node-1"`, "another session", "pid"} {
		if !strings.Contains(lost, want) {
			t.Errorf("InstanceLockErr = %q, want it to contain %s", lost, want)
		}
	}
	if held, err := s.AcquireLease(ctx, "scheduler", "node-1", time.Now(), time.Minute); held || err == nil {
		t.Errorf("AcquireLease without the instance id lock = %v, %v; want refused with the reason", held, err)
	}

	if _, err := rival.Exec(ctx, `SELECT pg_advisory_unlock_all()`); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the store to take the lock back", func() bool { return s.InstanceLockErr() == nil })
	if held, err := s.AcquireLease(ctx, "scheduler", "node-1", time.Now(), time.Minute); !held || err != nil {
		t.Errorf("AcquireLease after taking the lock back = %v, %v; want taken", held, err)
	}
}

// TestInstanceLockRetakenAfterRestart ends the lock's session while no other
// session waits for the lock, as a quick restart of the database does: the
// store takes the lock back on its new connection.
func TestInstanceLockRetakenAfterRestart(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := openInstance(t, dsn, "node-1")
	admin := pgtest.Connect(t, dsn)
	before := listenerPID(s)

	terminate(t, admin, before)
	waitUntil(t, "the lock on a new session", func() bool { return listenerPID(s) != before && s.InstanceLockErr() == nil })
}

// TestOwnEarlierSessionIsEnded has the lock held by a session that the store
// takes for its own earlier one, as after a network cut that only the client
// noticed. The store ends that session and takes the lock back instead of
// waiting for the server's keepalives to end it.
func TestOwnEarlierSessionIsEnded(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := openInstance(t, dsn, "node-1")
	admin, earlier := pgtest.Connect(t, dsn), pgtest.Connect(t, dsn)
	ctx := context.Background()

	taken := queueForInstanceLock(t, s, earlier, admin)
	var started time.Time
	if err := admin.QueryRow(ctx, `SELECT backend_start FROM pg_stat_activity WHERE pid = $1`,
		int64(earlier.PgConn().PID())).Scan(&started); err != nil {
		t.Fatal(err)
	}
	current := listenerPID(s)
	s.listener.lock.mu.Lock()
	s.listener.lock.session = backend{pid: earlier.PgConn().PID(), started: started}
	s.listener.lock.mu.Unlock()
	terminate(t, admin, current)
	// The store may end the earlier session before that session has read the
	// answer granting it the lock; its call then fails with 57P01.
	if err := <-taken; err != nil && !strings.Contains(err.Error(), "SQLSTATE 57P01") {
		t.Fatalf("the earlier session's lock: %v", err)
	}

	waitUntil(t, "the store to take the lock back", func() bool {
		return s.InstanceLockErr() == nil && listenerPID(s) != earlier.PgConn().PID()
	})
	if err := earlier.Ping(ctx); err == nil {
		t.Errorf("the earlier session still answers; want it ended")
	}
}

func TestPauseChangesReachOtherStores(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b := openInstance(t, dsn, "node-a"), openInstance(t, dsn, "node-b")
	ctx := context.Background()
	wait := func(what string) {
		t.Helper()
		select {
		case <-b.PauseChanges():
		case <-time.After(20 * time.Second):
			t.Fatalf("the other store heard of no %s", what)
		}
	}

	if err := a.SetPause(ctx, &store.Pause{Connector: "hook", Reason: "maintenance", Actor: "ops", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	wait("pause")
	if resumed, err := a.ClearPause(ctx, "hook"); !resumed || err != nil {
		t.Fatalf("ClearPause = %v, %v", resumed, err)
	}
	wait("resume")
	select {
	case <-a.PauseChanges():
		t.Errorf("a store heard of its own pause change")
	default:
	}
}
