package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

func loadMigrations() ([]store.Migration, error) {
	return store.ReadMigrations(migrationFiles, "migrations")
}

// SchemaVersion is the newest schema this binary knows.
func SchemaVersion() int { return store.NewestVersion(migrationFiles, "migrations") }

// migrate applies the pending migrations, each in its own transaction, while
// holding a session advisory lock: instances that start together wait for the
// first one's migrations and then find nothing left to do. It refuses a
// database whose schema is newer than this binary.
func (s *Store) migrate(ctx context.Context) error {
	migrations, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	known := migrations[len(migrations)-1].Version

	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return unavailable("connect", err)
	}
	defer conn.Release()
	ns, key := s.locks.session("migrate")
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, ns, key); err != nil {
		return unavailable("take the migration lock", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, $2)`, ns, key)

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY,
		name    text    NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations in schema %s: %w", s.locks.schema, err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > known {
		return fmt.Errorf("%w: schema %s has version %d, this binary knows up to %d; run a newer switchboard",
			store.ErrSchemaTooNew, s.locks.schema, current, known)
	}

	for _, m := range migrations {
		if m.Version <= current {
			continue
		}
		if err := applyMigration(ctx, conn.Conn(), m); err != nil {
			return fmt.Errorf("apply migration %s to schema %s: %w", m.Name, s.locks.schema, err)
		}
		s.log.Info("applied store migration", "migration", m.Name, "schema", s.locks.schema)
	}
	return nil
}

func applyMigration(ctx context.Context, conn *pgx.Conn, m store.Migration) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
		return err
	})
}
