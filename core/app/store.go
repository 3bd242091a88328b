package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/postgres"
	"github.com/turbocode/switchboard/core/store/sqlite"
)

func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Store, error) {
	switch cfg.Storage.Driver {
	case "sqlite":
		return sqlite.Open(ctx, sqlite.Options{Path: cfg.Storage.DSN, Logger: log, DueZone: cfg.Schedule.Location})
	case "postgres":
		s, err := postgres.Open(ctx, postgres.Options{DSN: cfg.Storage.DSN, MaxConns: cfg.Storage.MaxConns,
			InstanceID: cfg.Server.InstanceID, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("open the PostgreSQL store at %s: %w", config.RedactDSN(cfg.Storage.DSN), err)
		}
		return s, nil
	default:
		return nil, fmt.Errorf("storage.driver %q is not available in this version; use sqlite or postgres", cfg.Storage.Driver)
	}
}

// forwardNotifications wakes the dispatcher whenever another instance stored
// work that this one may claim, until ctx ends.
func (a *App) forwardNotifications(ctx context.Context, n store.Notifier) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.Notifications():
			a.disp.Wake()
		}
	}
}

// followInstanceLock suspends the dispatcher while the store does not hold
// the lock on this instance's id, and lets it take work again once the store
// took the lock back, until ctx ends.
func (a *App) followInstanceLock(ctx context.Context, locker store.InstanceLocker) {
	for {
		if err := locker.InstanceLockErr(); err != nil {
			a.disp.Suspend(err.Error())
		} else {
			a.disp.Unsuspend()
		}
		select {
		case <-ctx.Done():
			return
		case <-locker.InstanceLockChanges():
		}
	}
}
