package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/turbocode/switchboard/core/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// loadMigrations returns the embedded migrations in version order.
func loadMigrations() ([]store.Migration, error) {
	return store.ReadMigrations(migrationFiles, "migrations")
}

// SchemaVersion is the newest schema this binary knows.
func SchemaVersion() int { return store.NewestVersion(migrationFiles, "migrations") }

// migrate applies the pending migrations, each in its own transaction, and
// refuses a database whose schema is newer than this binary.
func migrate(ctx context.Context, db *sql.DB, path string) error {
	migrations, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	known := migrations[len(migrations)-1].Version

	var current int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version of %s: %w", path, err)
	}
	if current > known {
		return fmt.Errorf("%w: %s has schema version %d, this binary knows up to %d; run a newer switchboard", store.ErrSchemaTooNew, path, current, known)
	}

	for _, m := range migrations {
		if m.Version <= current {
			continue
		}
		if err := apply(ctx, db, m); err != nil {
			return fmt.Errorf("apply migration %s to %s: %w", m.Name, path, err)
		}
	}
	return nil
}

func apply(ctx context.Context, db *sql.DB, m store.Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	// PRAGMA takes no bound parameters; the version is an integer we parsed.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version)); err != nil {
		return err
	}
	return tx.Commit()
}
