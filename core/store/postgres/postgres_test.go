package postgres

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/postgres/pgtest"
	"github.com/turbocode/switchboard/core/store/storetest"
)

// quiet drops the logs of the stores the tests open.
var quiet = slog.New(slog.DiscardHandler)

func openTest(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{DSN: dsn, MaxConns: 8, Logger: quiet})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, pgtest.DSN(t)) })
}

func TestConformanceShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		dsn := pgtest.DSN(t)
		return openTest(t, dsn), openTest(t, dsn)
	})
}

func TestConcurrentOpensMigrateOnce(t *testing.T) {
	dsn := pgtest.DSN(t)
	const instances = 5
	stores := make(chan *Store, instances)
	errs := make(chan error, instances)
	for i := 0; i < instances; i++ {
		go func() {
			s, err := Open(context.Background(), Options{DSN: dsn, MaxConns: 2, Logger: quiet})
			errs <- err
			stores <- s
		}()
	}
	for i := 0; i < instances; i++ {
		if err := <-errs; err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
		if s := <-stores; s != nil {
			defer s.Close()
		}
	}

	s := openTest(t, dsn)
	defer s.Close()
	var applied, storeIDs int
	if err := s.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM schema_migrations),
		(SELECT count(*) FROM meta WHERE key = 'store_id')`).Scan(&applied, &storeIDs); err != nil {
		t.Fatal(err)
	}
	if applied != SchemaVersion() || storeIDs != 1 {
		t.Errorf("%d migrations recorded and %d store ids, want %d and 1", applied, storeIDs, SchemaVersion())
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := openTest(t, dsn)
	if _, err := s.pool.Exec(context.Background(), `INSERT INTO schema_migrations (version, name) VALUES ($1, 'from the future')`,
		SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err := Open(context.Background(), Options{DSN: dsn, Logger: quiet})
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema = %v, want ErrSchemaTooNew", err)
	}
}

func TestInstanceIDInUseIsRefused(t *testing.T) {
	dsn := pgtest.DSN(t)
	first, err := Open(context.Background(), Options{DSN: dsn, InstanceID: "node-1", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}

	var logged strings.Builder
	_, err = Open(context.Background(), Options{DSN: dsn, InstanceID: "node-1", lockWait: time.Second,
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), "server.instance_id") {
		t.Fatalf("second Open with the same instance id = %v, want ErrLocked naming server.instance_id", err)
	}
	if !strings.Contains(logged.String(), "holder=\"pid ") {
		t.Errorf("the wait for the instance id does not name the session holding it; log:\n%s", logged.String())
	}
	other, err := Open(context.Background(), Options{DSN: dsn, InstanceID: "node-2", Logger: quiet})
	if err != nil {
		t.Fatalf("Open with another instance id: %v", err)
	}
	other.Close()

	first.Close()
	again, err := Open(context.Background(), Options{DSN: dsn, InstanceID: "node-1", lockWait: 10 * time.Second, Logger: quiet})
	if err != nil {
		t.Fatalf("Open after the first instance closed: %v", err)
	}
	again.Close()
}

func TestMissingSchemaIsNamed(t *testing.T) {
	dsn, err := pgtest.WithSearchPath(pgtest.ServerDSN(t), "no_such_schema")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), Options{DSN: dsn, Logger: quiet})
	if err == nil || !strings.Contains(err.Error(), "search_path") {
		t.Fatalf("Open with a missing schema = %v, want an error naming search_path", err)
	}
}

func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	pgtest.ServerDSN(t)
	dsn := "postgres://switchboard:secret-password@/postgres?host=" + t.TempDir() + "&connect_timeout=2"
	_, err := Open(context.Background(), Options{DSN: dsn, Logger: quiet})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Open of an unreachable database = %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "secret-password") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestLostSchemaFailsAcceptAsUnavailable(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := openTest(t, dsn)
	defer s.Close()
	if _, err := s.pool.Exec(context.Background(), `DROP TABLE events`); err != nil {
		t.Fatal(err)
	}
	req := &store.AcceptRequest{ReceivedAt: time.Now(), Events: []*store.NewEvent{{Incoming: storetest.NewIncoming("e1", "issue.created", "x")}}}
	if _, err := s.Accept(context.Background(), req); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Accept without its table = %v, want ErrUnavailable", err)
	}
}

func TestInvalidDSNHidesPassword(t *testing.T) {
	_, err := Open(context.Background(), Options{DSN: "postgres://sb:secret-password@db:notaport/sb"})
	if err == nil {
		t.Fatal("Open with an invalid port succeeded")
	}
	if strings.Contains(err.Error(), "secret-password") {
		t.Errorf("the error shows the password: %v", err)
	}
}

// TestPrunePassesOverEventBeingReplayed holds an old finished event as a
// replay does while it adds deliveries: retention leaves it alone until the
// replay is done.
func TestPrunePassesOverEventBeingReplayed(t *testing.T) {
	s := openTest(t, pgtest.DSN(t))
	defer s.Close()
	ctx := context.Background()
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	req := &store.AcceptRequest{ReceivedAt: old, Events: []*store.NewEvent{{Incoming: storetest.NewIncoming("e1", "issue.created", "x")}}}
	if _, err := s.Accept(ctx, req); err != nil {
		t.Fatal(err)
	}

	replay, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replay.Exec(ctx, `SELECT seq FROM events WHERE event_id = 'e1' FOR SHARE`); err != nil {
		t.Fatal(err)
	}
	if n, _, err := s.Prune(ctx, old.Add(time.Hour), 10); err != nil || n != 0 {
		t.Errorf("Prune while a replay holds the event = %d, %v; want it passed over", n, err)
	}
	replay.Rollback(ctx)

	if n, _, err := s.Prune(ctx, old.Add(time.Hour), 10); err != nil || n != 1 {
		t.Errorf("Prune after the replay = %d, %v; want the event deleted", n, err)
	}
}

func TestEntityReader(t *testing.T) {
	dsn := pgtest.DSN(t)
	storetest.RunEntityReader(t, func(t *testing.T) store.Store { return openTest(t, dsn) },
		func(t *testing.T, _ store.Store) store.EntityReader {
			r, err := OpenReader(context.Background(), dsn)
			if err != nil {
				t.Fatalf("OpenReader beside the open store: %v", err)
			}
			return r
		})
}

func TestEntityReaderWritesNothing(t *testing.T) {
	dsn := pgtest.DSN(t)
	openTest(t, dsn).Close()
	r, err := OpenReader(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.conn.Exec(context.Background(), `DELETE FROM entities`); err == nil {
		t.Errorf("a write through the reader succeeded")
	}
}
