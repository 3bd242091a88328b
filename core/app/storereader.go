package app

import (
	"context"
	"fmt"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/postgres"
	"github.com/turbocode/switchboard/core/store/sqlite"
)

// OpenEntityReader opens the configured store for reading entity states
// only. It writes nothing and runs beside a serving instance.
func OpenEntityReader(ctx context.Context, cfg *config.Config) (store.EntityReader, error) {
	switch cfg.Storage.Driver {
	case "sqlite":
		return sqlite.OpenReader(ctx, cfg.Storage.DSN)
	case "postgres":
		r, err := postgres.OpenReader(ctx, cfg.Storage.DSN)
		if err != nil {
			return nil, fmt.Errorf("open the PostgreSQL store at %s for reading: %w", config.RedactDSN(cfg.Storage.DSN), err)
		}
		return r, nil
	default:
		return nil, fmt.Errorf("storage.driver %q is not available in this version; use sqlite or postgres", cfg.Storage.Driver)
	}
}
