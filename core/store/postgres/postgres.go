// Package postgres is the store for several Switchboard instances sharing one
// PostgreSQL database. Each request is one transaction on a pooled
// connection; PostgreSQL flushes the WAL of concurrent commits together, so
// the store needs no writer of its own. Instances claim due deliveries with
// FOR UPDATE SKIP LOCKED and a lease with a fencing token. They serialise the
// work on one entity or one ordering key with transaction-scoped advisory
// locks, and wake each other with LISTEN/NOTIFY when they store work that any
// of them may take.
package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/turbocode/switchboard/core/store"
)

// Options configure Open.
type Options struct {
	// DSN is a postgres:// URL or a key=value connection string. A
	// search_path parameter selects the schema the store lives in; it must
	// exist.
	DSN string
	// MaxConns bounds the connection pool. Default 16. The store also holds
	// one connection of its own for notifications.
	MaxConns int
	// InstanceID names this instance. While one instance runs with an id, an
	// instance that opens the same database with the same id is refused,
	// because each releases the other's leases at start and at shutdown.
	// Empty: no check.
	InstanceID string
	// lockWait is how long Open waits for an instance id another session
	// holds. Default defaultLockWait; tests shorten it.
	lockWait time.Duration
	// Timeout bounds one store operation, so a database that stops answering
	// fails requests instead of holding them. Default 15s.
	Timeout time.Duration
	Logger  *slog.Logger
}

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	pool    *pgxpool.Pool
	log     *slog.Logger
	timeout time.Duration
	storeID string
	locks   lockSpace
	channel string

	destinations sync.Map // destination key -> row id; rows are never deleted

	backlog    backlogCounter
	claimAfter atomic.Int64 // the destination id the last claim ended on
	listener   *listener
	aliases    *aliasIndex
	accepts    *acceptBatcher
	notifier   *notifier

	pruneMu     sync.Mutex
	pruneCursor int64

	size          atomic.Int64
	sizeCheckedAt atomic.Int64

	stop      context.CancelFunc
	done      sync.WaitGroup
	closeOnce sync.Once
}

var (
	_ store.Store          = (*Store)(nil)
	_ store.Notifier       = (*Store)(nil)
	_ store.PauseNotifier  = (*Store)(nil)
	_ store.InstanceLocker = (*Store)(nil)
	_ store.SettingsSharer = (*Store)(nil)
)

// Open connects to the database, applies pending migrations under an advisory
// lock (so that instances starting together migrate once), takes the instance
// id, and starts listening for other instances' work.
func Open(ctx context.Context, opts Options) (*Store, error) {
	opts = withDefaults(opts)
	config, err := poolConfig(opts)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, config)
	if err != nil {
		return nil, unavailable("connect", err)
	}
	s := &Store{pool: pool, log: opts.Logger, timeout: opts.Timeout}
	if err := s.open(ctx, opts, config.ConnConfig); err != nil {
		s.closeHandles()
		return nil, err
	}
	return s, nil
}

func withDefaults(opts Options) Options {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 16
	}
	if opts.lockWait <= 0 {
		opts.lockWait = defaultLockWait
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 15 * time.Second
	}
	return opts
}

// poolConfig parses the DSN. pgx leaves the password out of its parse errors.
func poolConfig(opts Options) (*pgxpool.Config, error) {
	config, err := pgxpool.ParseConfig(opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("parse storage.dsn: %w", err)
	}
	config.MaxConns = int32(opts.MaxConns)
	if config.ConnConfig.ConnectTimeout == 0 {
		config.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	return config, nil
}

func (s *Store) open(ctx context.Context, opts Options, conn *pgx.ConnConfig) error {
	schema, err := s.currentSchema(ctx, conn)
	if err != nil {
		return err
	}
	s.locks = newLockSpace(schema)
	s.channel = "switchboard_work." + schema
	if err := s.migrate(ctx); err != nil {
		return err
	}
	if err := s.loadStoreID(ctx); err != nil {
		return err
	}
	s.aliases = newAliasIndex()
	if err := s.aliases.load(ctx, s.pool); err != nil {
		return unavailable("load entity key aliases", err)
	}
	if err := s.backlog.refresh(ctx, s.pool); err != nil {
		return unavailable("count scheduled deliveries", err)
	}

	runCtx, stop := context.WithCancel(context.Background())
	s.stop = stop
	if s.listener, err = startListener(ctx, runCtx, conn, s.channel, s.locks, opts.InstanceID, opts.lockWait, s.log); err != nil {
		stop()
		return err
	}
	s.notifier = newNotifier(s.pool, s.channel, s.listener.origin, s.log)
	s.accepts = newAcceptBatcher(s, max(2, opts.MaxConns/4), 64)
	s.done.Add(3)
	go func() { defer s.done.Done(); s.aliases.run(runCtx, s.pool) }()
	go func() { defer s.done.Done(); s.backlog.run(runCtx, s.pool, s.log) }()
	go func() { defer s.done.Done(); s.notifier.run(runCtx) }()
	return nil
}

// currentSchema returns the schema the store's tables are created in: the
// first schema of the search_path that exists. It is the store's first
// statement, so it reports a failed connection.
func (s *Store) currentSchema(ctx context.Context, conn *pgx.ConnConfig) (string, error) {
	var schema *string
	if err := s.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", connectFailed(&conn.Config, err)
	}
	if schema == nil {
		return "", errors.New("no schema of the search_path in storage.dsn exists; create the schema or fix search_path")
	}
	return *schema, nil
}

func (s *Store) loadStoreID(ctx context.Context) error {
	var raw [4]byte
	rand.Read(raw[:])
	_, err := s.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('store_id', $1) ON CONFLICT (key) DO NOTHING`,
		hex.EncodeToString(raw[:]))
	if err == nil {
		err = s.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'store_id'`).Scan(&s.storeID)
	}
	if err != nil {
		return unavailable("read store id", err)
	}
	return nil
}

// StoreID implements store.Store.
func (s *Store) StoreID() string { return s.storeID }

// Backlog implements store.Store: the scheduled deliveries of every instance,
// counted at most a second ago, plus the changes this instance committed since.
func (s *Store) Backlog() int64 { return s.backlog.value() }

// Notifications returns a channel that receives a value when another instance
// stored deliveries that any instance may claim, or released leases. It
// implements store.Notifier.
func (s *Store) Notifications() <-chan struct{} { return s.listener.wake }

// PauseChanges implements store.PauseNotifier.
func (s *Store) PauseChanges() <-chan struct{} { return s.listener.pauses }

// InstanceLockErr implements store.InstanceLocker.
func (s *Store) InstanceLockErr() error { return s.listener.lock.state() }

// InstanceLockChanges implements store.InstanceLocker.
func (s *Store) InstanceLockChanges() <-chan struct{} { return s.listener.lock.changes }

// Ping implements store.Store: it fails unless the database accepts writes, so
// a standby or a read-only session makes the instance not ready.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var readOnly string
	if err := s.pool.QueryRow(ctx, `SELECT current_setting('transaction_read_only')`).Scan(&readOnly); err != nil {
		return unavailable("ping", err)
	}
	if readOnly == "on" {
		return fmt.Errorf("%w: the database accepts no writes (a standby, or default_transaction_read_only is on)", store.ErrUnavailable)
	}
	return nil
}

// SizeBytes implements store.Store: pg_database_size, measured at most once a
// second. PostgreSQL keeps the space that retention frees for reuse instead of
// returning it, so the size does not fall after a prune.
func (s *Store) SizeBytes() int64 {
	now := time.Now().UnixNano()
	if now-s.sizeCheckedAt.Load() < int64(time.Second) {
		return s.size.Load()
	}
	s.sizeCheckedAt.Store(now)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var size int64
	if err := s.pool.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&size); err != nil {
		s.log.Warn("could not measure the store's size; using the last measurement", "err", err)
		return s.size.Load()
	}
	s.size.Store(size)
	return size
}

// Close implements store.Store: it writes the requests queued for Accept,
// then closes the connections.
func (s *Store) Close() error {
	s.closeOnce.Do(s.closeHandles)
	return nil
}

func (s *Store) closeHandles() {
	if s.accepts != nil {
		s.accepts.close()
	}
	if s.stop != nil {
		s.stop()
	}
	s.done.Wait()
	if s.listener != nil {
		s.listener.close()
	}
	s.pool.Close()
}

// bound limits ctx to the store's operation timeout.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}
