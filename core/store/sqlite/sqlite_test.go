package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/storetest"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "switchboard.db")})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestSecondProcessIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "switchboard.db")
	first, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer first.Close()

	_, err = Open(context.Background(), Options{Path: path})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "storage.dsn") || strings.Contains(err.Error(), "postgres") {
		t.Errorf("error %q should name the file and the storage.dsn fix", err)
	}
}

func TestReopenKeepsEventsAndDuplicateIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "switchboard.db")
	s, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	req := &store.AcceptRequest{ReceivedAt: time.Now(), Events: []*store.NewEvent{{Incoming: storetest.NewIncoming("e1", "issue.created", "x")}}}
	if _, err := s.Accept(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	id := s.StoreID()
	s.Close()

	s, err = Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.StoreID() != id {
		t.Errorf("store id changed across reopen: %s then %s", id, s.StoreID())
	}
	res, err := s.Accept(context.Background(), req)
	if err != nil || !res.Events[0].Duplicate {
		t.Fatalf("Accept after reopen = %+v, %v; want a duplicate", res, err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "switchboard.db")
	s, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Open(context.Background(), Options{Path: path})
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema = %v, want ErrSchemaTooNew", err)
	}
}

func TestIDIndexCollisions(t *testing.T) {
	x := newIDIndex(0)
	x.add(7, 1)
	x.add(7, 2)
	x.add(7, 3)
	if got := x.candidates(7); len(got) != 3 {
		t.Fatalf("candidates = %v, want 3", got)
	}
	x.remove(7, 1)
	x.remove(7, 3)
	if got := x.candidates(7); len(got) != 1 || got[0] != 2 {
		t.Fatalf("candidates after removals = %v, want [2]", got)
	}
	x.remove(7, 2)
	if got := x.candidates(7); got != nil || x.len() != 0 {
		t.Fatalf("candidates after removing all = %v, len %d", got, x.len())
	}
}

func TestSizeFallsAfterPrune(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	body := strings.Repeat("x", 4000)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 300; i++ {
		req := &store.AcceptRequest{ReceivedAt: start, Events: []*store.NewEvent{
			{Incoming: storetest.NewIncoming(fmt.Sprintf("e%d", i), "issue.created", body)}}}
		if _, err := s.Accept(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	s.sizeCheckedAt.Store(0)
	full := s.SizeBytes()

	for more := true; more; {
		var err error
		if _, more, err = s.Prune(ctx, start.Add(time.Hour), 100); err != nil {
			t.Fatal(err)
		}
	}
	s.sizeCheckedAt.Store(0)
	if pruned := s.SizeBytes(); pruned > full/2 {
		t.Errorf("SizeBytes = %d after pruning every event, %d before; want it to fall with the pages freed", pruned, full)
	}
}

func TestWriteAfterCloseFails(t *testing.T) {
	s := openTemp(t)
	s.Close()
	req := &store.AcceptRequest{ReceivedAt: time.Now(), Events: []*store.NewEvent{{Incoming: storetest.NewIncoming("e1", "issue.created", "x")}}}
	for i := 0; i < 20; i++ {
		if _, err := s.Accept(context.Background(), req); !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("Accept after Close = %v, want ErrUnavailable", err)
		}
	}
}

func TestCancelledAcceptStillCommits(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	req := &store.AcceptRequest{ReceivedAt: time.Now(), LeaseOwner: "me", LeaseUntil: time.Now().Add(time.Minute),
		Events: []*store.NewEvent{{Incoming: storetest.NewIncoming("e1", "issue.created", "x"),
			Deliveries: []*store.NewDelivery{{Route: "r", Connector: "hook", Target: []byte(`{}`), Destination: "hook"}}}}}
	cancel()
	res, err := s.Accept(ctx, req)
	if err != nil {
		// Cancelled before the request was queued: nothing may be stored.
		if _, lookErr := s.Event(context.Background(), "e1"); lookErr == nil {
			t.Fatalf("Accept failed with %v but stored the event", err)
		}
		return
	}
	if len(res.Deliveries) != 1 {
		t.Errorf("a committed Accept handed over %d deliveries, want 1", len(res.Deliveries))
	}
}

func TestMigrationNumbersAreUnique(t *testing.T) {
	if _, err := loadMigrations(); err != nil {
		t.Fatal(err)
	}
}

func TestEntityReader(t *testing.T) {
	storetest.RunEntityReader(t, func(t *testing.T) store.Store { return openTemp(t) },
		func(t *testing.T, s store.Store) store.EntityReader {
			r, err := OpenReader(context.Background(), s.(*Store).path)
			if err != nil {
				t.Fatalf("OpenReader beside the open store: %v", err)
			}
			return r
		})
}

func TestEntityReaderWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "switchboard.db")
	s, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	r, err := OpenReader(context.Background(), path)
	if err != nil {
		t.Fatalf("OpenReader of a closed store: %v", err)
	}
	defer r.Close()
	if _, err := r.db.Exec(`DELETE FROM entities`); err == nil {
		t.Errorf("a write through the reader succeeded")
	}

	missing := filepath.Join(t.TempDir(), "none.db")
	if _, err := OpenReader(context.Background(), missing); err == nil || !strings.Contains(err.Error(), "storage.dsn") {
		t.Errorf("OpenReader of a missing file = %v, want an error naming storage.dsn", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenReader created %s", missing)
	}
}

func TestNewStoreFilesArePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "sb.db")
	s, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Accept(context.Background(), &store.AcceptRequest{ReceivedAt: time.Now(),
		Events: []*store.NewEvent{{Incoming: storetest.NewIncoming("e1", "issue.created", "first")}}}); err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{path, path + "-wal", path + "-shm", filepath.Dir(path)} {
		info, err := os.Stat(name)
		if err != nil {
			t.Fatalf("stat %s: %v", name, err)
		}
		if mode := info.Mode().Perm(); mode&0o077 != 0 {
			t.Errorf("%s has mode %04o, want no access for group and others: the store holds credentials", name, mode)
		}
	}
}

// TestCommitsAreDurable checks the settings behind the promise of a 2xx: the
// write connection runs in WAL mode with synchronous=FULL, so a commit is on
// disk when it returns. A SIGKILL cannot show a missing fsync (the kernel
// keeps the page cache), so the crash suite cannot catch this setting.
func TestCommitsAreDurable(t *testing.T) {
	s, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "s.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var journal string
	var synchronous int
	done := make(chan error, 1)
	s.writer.do(context.Background(), func(tx *txn) error {
		err := tx.w.conn.QueryRowContext(tx.ctx, `PRAGMA journal_mode`).Scan(&journal)
		if err == nil {
			err = tx.w.conn.QueryRowContext(tx.ctx, `PRAGMA synchronous`).Scan(&synchronous)
		}
		done <- err
		return nil
	})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if journal != "wal" {
		t.Errorf("journal_mode = %q, want wal", journal)
	}
	if synchronous != 2 {
		t.Errorf("synchronous = %d, want 2 (FULL)", synchronous)
	}
}
