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

	"github.com/turbocode/switchboard/core/derive"
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
	// DueZone is the time zone of due dates written without a UTC offset
	// (schedule.tz), for the entity states Open replays. Default UTC.
	DueZone *time.Location
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
	// flowStmts are the statements of digests and throttles.
	flowStmts *flowStatements
	writer    *writer
	storeID   string

	ids     *idIndex
	backlog atomic.Int64
	tokens  atomic.Int64

	// destinations maps a destination key to its row id, and destinationKeys
	// maps back. Only the writer goroutine reads and writes them.
	destinations    map[string]int64
	destinationKeys map[int64]string
	claimOffset     int
	// pending counts the scheduled deliveries of each destination id, so claims
	// visit only destinations with work. Only the writer goroutine uses it.
	pending map[int64]int64
	// entities caches entity states by key, and thresholds are the due-date
	// thresholds their next due times were computed with. Only the writer
	// goroutine uses them.
	entities   map[string]*derive.Entity
	thresholds []time.Duration
	// unwritten holds the entity states not written to the table yet.
	unwritten *entityBacklog
	stopIdle  chan struct{}
	// dueZone is Options.DueZone.
	dueZone *time.Location

	pruneCursor int64
	closeOnce   sync.Once

	// aliases holds every entity key alias, so that routing resolves them
	// without a query.
	aliases *aliasIndex

	size          atomic.Int64
	sizeCheckedAt atomic.Int64
}

var _ store.Store = (*Store)(nil)

// Open opens (creating when needed) the database at opts.Path, locks it against
// other processes, applies migrations and loads the duplicate index.
func Open(ctx context.Context, opts Options) (*Store, error) {
	opts = withDefaults(opts)
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
		return nil, fmt.Errorf("create directory for %s: %w", opts.Path, err)
	}
	lock, err := lockFile(opts.Path)
	if err != nil {
		return nil, err
	}
	if err := createPrivate(opts.Path, opts.Logger); err != nil {
		lock.release()
		return nil, err
	}

	s := &Store{path: opts.Path, log: opts.Logger, lock: lock, aliases: newAliasIndex(),
		destinations: map[string]int64{}, destinationKeys: map[int64]string{}, pending: map[int64]int64{},
		entities: map[string]*derive.Entity{}, unwritten: newEntityBacklog(), stopIdle: make(chan struct{}),
		dueZone: opts.DueZone}
	if err := s.open(ctx, opts); err != nil {
		s.closeHandles()
		return nil, err
	}
	go s.writer.run()
	go s.flushIdle(s.stopIdle)
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
	if opts.DueZone == nil {
		opts.DueZone = time.UTC
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
	if s.flowStmts, err = prepareFlowStatements(ctx, s.conn); err != nil {
		return err
	}
	if err := s.loadState(ctx); err != nil {
		return err
	}
	s.writer = newWriter(s.conn, s.stmts, opts.MaxBatch, s.log)
	s.writer.beforeCommit = s.beforeCommit
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
	// After a checkpoint resets the WAL, truncate it back to this size, so a
	// burst does not leave a large WAL file behind.
	q.Add("_pragma", "journal_size_limit(67108864)")
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
	if err := s.loadPending(ctx); err != nil {
		return err
	}
	if err := s.promoteOrphans(ctx); err != nil {
		return err
	}
	if err := s.loadAliases(ctx); err != nil {
		return err
	}
	if err := s.replayEntities(ctx); err != nil {
		return err
	}

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

	rows, err := s.conn.QueryContext(ctx, `SELECT id_hash, alias_hash, seq FROM events`)
	if err != nil {
		return fmt.Errorf("load event id index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hash, seq int64
		var alias sql.NullInt64
		if err := rows.Scan(&hash, &alias, &seq); err != nil {
			return fmt.Errorf("load event id index: %w", err)
		}
		s.ids.add(uint64(hash), seq)
		if alias.Valid {
			s.ids.add(uint64(alias.Int64), seq)
		}
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

// loadPending counts the scheduled deliveries per destination and in all.
func (s *Store) loadPending(ctx context.Context) error {
	rows, err := s.conn.QueryContext(ctx, `SELECT destination_id, count(*) FROM deliveries WHERE state = 0 GROUP BY destination_id`)
	if err != nil {
		return fmt.Errorf("count scheduled deliveries: %w", err)
	}
	defer rows.Close()
	var total int64
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return fmt.Errorf("count scheduled deliveries: %w", err)
		}
		s.pending[id] = n
		total += n
	}
	s.backlog.Store(total)
	return rows.Err()
}

// addPending applies committed changes to the scheduled-delivery counts.
func (s *Store) addPending(delta map[int64]int64) {
	for id, n := range delta {
		s.pending[id] += n
		s.backlog.Add(n)
		if s.pending[id] <= 0 {
			delete(s.pending, id)
		}
	}
}

// promoteOrphans makes due every delivery held for ordering whose ordering key
// has no unfinished predecessor left. Completions promote the next delivery in
// the same transaction, so this finds work only in a database changed by hand
// or by an older version.
func (s *Store) promoteOrphans(ctx context.Context) error {
	res, err := s.conn.ExecContext(ctx, `UPDATE deliveries SET next_at = ?, hold_reason = ''
		WHERE state = 0 AND hold_reason = 'ordering' AND NOT EXISTS (
			SELECT 1 FROM deliveries p WHERE p.state = 0 AND p.ordering_key = deliveries.ordering_key AND p.id < deliveries.id)`,
		time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("release deliveries held for ordering: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		s.log.Warn("released deliveries held behind predecessors that no longer exist", "deliveries", n)
	}
	return nil
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
		close(s.stopIdle)
		if err := s.flushBacklog(context.Background()); err != nil {
			s.log.Warn("writing entity states at close failed; the next start replays them", "err", err)
		}
		if s.writer != nil && !s.writer.close(30*time.Second) {
			err = fmt.Errorf("%w: the writer is still committing", store.ErrUnavailable)
			return
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
	if s.flowStmts != nil {
		s.flowStmts.close()
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

var (
	nanos     = store.UnixNanos
	fromNanos = store.FromUnixNanos
)

// Ping implements store.Store: it runs an empty transaction through the writer,
// so it fails when commits fail.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.readDB.PingContext(ctx); err != nil {
		return unavailable("ping", err)
	}
	return s.writer.do(ctx, func(*txn) error { return nil })
}

// SizeBytes implements store.Store: the bytes the database's pages in use take,
// measured at most once a second. Pages that retention freed do not count, so
// the size falls again after a prune even though SQLite keeps the file as large
// as it was. The WAL is left out: a checkpoint empties it, and
// journal_size_limit truncates it to 64 MiB after that.
func (s *Store) SizeBytes() int64 {
	now := time.Now().UnixNano()
	if now-s.sizeCheckedAt.Load() < int64(time.Second) {
		return s.size.Load()
	}
	s.sizeCheckedAt.Store(now)

	var pages, free, pageSize int64
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.readDB.QueryRowContext(ctx, `SELECT * FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()`).
		Scan(&pages, &free, &pageSize)
	if err != nil {
		s.log.Warn("could not measure the store's size; using the last measurement", "err", err)
		return s.size.Load()
	}
	total := (pages - free) * pageSize
	s.size.Store(total)
	return total
}
