// Package sqlite is the embedded default store: one SQLite file in WAL mode with
// synchronous=FULL, written by a single connection that batches concurrent
// requests into one transaction (group commit), and read through a pool of
// read-only connections.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/turbocode/switchboard/core/store"
)

// Options configure Open.
type Options struct {
	// Path is the database file; its directory is created when missing.
	Path   string
	Logger *slog.Logger
	// MaxBatch bounds the requests one transaction carries. Default 512.
	MaxBatch int
	// CacheKiB is SQLite's page cache per connection, in KiB. Default 65536.
	CacheKiB int
}

// Store is the SQLite implementation of store.Store.
type Store struct {
	path    string
	log     *slog.Logger
	lock    *fileLock
	writeDB *sql.DB
	readDB  *sql.DB
	conn    *sql.Conn
	stmts   *statements
	writer  *writer
	storeID string

	ids     *idIndex
	backlog atomic.Int64
	tokens  atomic.Int64

	// destinations maps a destination key to its row id, and destinationKeys
	// maps back. Only the writer goroutine reads and writes them.
	destinations    map[string]int64
	destinationKeys map[int64]string
	claimOffset     int

	pruneCursor int64
	closeOnce   sync.Once

	size          atomic.Int64
	sizeCheckedAt atomic.Int64
}

var _ store.Store = (*Store)(nil)

// Open opens (creating when needed) the database at opts.Path, locks it against
// other processes, applies migrations and loads the duplicate index.
func Open(ctx context.Context, opts Options) (*Store, error) {
	opts = withDefaults(opts)
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o755); err != nil {
		return nil, fmt.Errorf("create directory for %s: %w", opts.Path, err)
	}
	lock, err := lockFile(opts.Path)
	if err != nil {
		return nil, err
	}

	s := &Store{path: opts.Path, log: opts.Logger, lock: lock,
		destinations: map[string]int64{}, destinationKeys: map[int64]string{}}
	if err := s.open(ctx, opts); err != nil {
		s.closeHandles()
		return nil, err
	}
	go s.writer.run()
	return s, nil
}

func withDefaults(opts Options) Options {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.CacheKiB <= 0 {
		opts.CacheKiB = 65536
	}
	return opts
}

func (s *Store) open(ctx context.Context, opts Options) error {
	var err error
	if s.writeDB, err = sql.Open("sqlite", dsn(opts.Path, opts.CacheKiB, false)); err != nil {
		return fmt.Errorf("open %s: %w", opts.Path, err)
	}
	s.writeDB.SetMaxOpenConns(1)
	if err := migrate(ctx, s.writeDB, opts.Path); err != nil {
		return err
	}
	if s.readDB, err = sql.Open("sqlite", dsn(opts.Path, opts.CacheKiB/4, true)); err != nil {
		return fmt.Errorf("open %s for reading: %w", opts.Path, err)
	}
	s.readDB.SetMaxOpenConns(8)

	if s.conn, err = s.writeDB.Conn(ctx); err != nil {
		return fmt.Errorf("connect to %s: %w", opts.Path, err)
	}
	if s.stmts, err = prepareStatements(ctx, s.conn); err != nil {
		return err
	}
	if err := s.loadState(ctx); err != nil {
		return err
	}
	s.writer = newWriter(s.conn, s.stmts, opts.MaxBatch, s.log)
	return nil
}

// dsn builds the modernc.org/sqlite connection string. synchronous=FULL makes
// every commit durable once it returns, which is what a 2xx answer promises.
func dsn(path string, cacheKiB int, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cacheKiB))
	q.Add("_pragma", "temp_store(MEMORY)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + q.Encode()
}

// loadState reads the store id, the duplicate index, the destinations and the
// backlog count.
func (s *Store) loadState(ctx context.Context) error {
	if err := s.loadStoreID(ctx); err != nil {
		return err
	}
	if err := s.loadIDIndex(ctx); err != nil {
		return err
	}
	if err := s.loadDestinations(ctx); err != nil {
		return err
	}
	var backlog int64
	if err := s.conn.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE state = 0`).Scan(&backlog); err != nil {
		return fmt.Errorf("count scheduled deliveries: %w", err)
	}
	s.backlog.Store(backlog)

	var seed [8]byte
	rand.Read(seed[:])
	s.tokens.Store(int64(binary.BigEndian.Uint64(seed[:]) >> 2))
	return nil
}

func (s *Store) loadStoreID(ctx context.Context) error {
	err := s.conn.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'store_id'`).Scan(&s.storeID)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read store id: %w", err)
	}
	var raw [4]byte
	rand.Read(raw[:])
	s.storeID = hex.EncodeToString(raw[:])
	if _, err := s.conn.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('store_id', ?)`, s.storeID); err != nil {
		return fmt.Errorf("write store id: %w", err)
	}
	return nil
}

func (s *Store) loadIDIndex(ctx context.Context) error {
	started := time.Now()
	var count int
	if err := s.conn.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&count); err != nil {
		return fmt.Errorf("count events: %w", err)
	}
	s.ids = newIDIndex(count + count/4)

	rows, err := s.conn.QueryContext(ctx, `SELECT id_hash, seq FROM events`)
	if err != nil {
		return fmt.Errorf("load event id index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hash, seq int64
		if err := rows.Scan(&hash, &seq); err != nil {
			return fmt.Errorf("load event id index: %w", err)
		}
		s.ids.add(uint64(hash), seq)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load event id index: %w", err)
	}
	s.log.Debug("loaded event id index", "events", count, "duration_ms", time.Since(started).Milliseconds())
	return nil
}

func (s *Store) loadDestinations(ctx context.Context) error {
	rows, err := s.conn.QueryContext(ctx, `SELECT id, key FROM destinations`)
	if err != nil {
		return fmt.Errorf("load destinations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return fmt.Errorf("load destinations: %w", err)
		}
		s.destinations[key] = id
		s.destinationKeys[id] = key
	}
	return rows.Err()
}

// StoreID implements store.Store.
func (s *Store) StoreID() string { return s.storeID }

// Backlog implements store.Store.
func (s *Store) Backlog() int64 { return s.backlog.Load() }

// Path returns the database file.
func (s *Store) Path() string { return s.path }

// Close implements store.Store: it commits what is pending, then closes.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		if s.writer != nil {
			s.writer.close(30 * time.Second)
		}
		err = s.closeHandles()
	})
	return err
}

func (s *Store) closeHandles() error {
	var errs []error
	if s.stmts != nil {
		s.stmts.close()
	}
	if s.conn != nil {
		errs = append(errs, s.conn.Close())
	}
	for _, db := range []*sql.DB{s.readDB, s.writeDB} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	errs = append(errs, s.lock.release())
	return errors.Join(errs...)
}

func (s *Store) nextToken() int64 { return s.tokens.Add(1) }

// The state column stores store.State as a small integer.
var stateCodes = map[store.State]int{
	store.StateScheduled: 0,
	store.StateDelivered: 1,
	store.StateDead:      2,
	store.StateSkipped:   3,
	store.StateCancelled: 4,
}

var stateNames = map[int]store.State{0: store.StateScheduled, 1: store.StateDelivered, 2: store.StateDead, 3: store.StateSkipped, 4: store.StateCancelled}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Ping implements store.Store: it runs an empty transaction through the writer,
// so it fails when commits fail.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.readDB.PingContext(ctx); err != nil {
		return unavailable("ping", err)
	}
	return s.writer.do(ctx, func(*txn) error { return nil })
}

// SizeBytes implements store.Store: the sizes of the database file and its WAL,
// measured at most once a second.
func (s *Store) SizeBytes() int64 {
	now := time.Now().UnixNano()
	if now-s.sizeCheckedAt.Load() < int64(time.Second) {
		return s.size.Load()
	}
	s.sizeCheckedAt.Store(now)
	var total int64
	for _, path := range []string{s.path, s.path + "-wal"} {
		if info, err := os.Stat(path); err == nil {
			total += info.Size()
		}
	}
	s.size.Store(total)
	return total
}
