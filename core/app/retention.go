package app

import (
	"context"
	"time"

	"github.com/turbocode/switchboard/core/config"
)

// retentionLease names the lease of the retention job in the store.
const retentionLease = "retention"

// retain deletes old finished events in small batches, so that it never holds
// the writer for long. One instance at a time prunes a shared store: the one
// holding the retention lease. The lease lasts ttl (the delivery lease), and
// its holder renews it every third of that, between passes and between the
// batches of a pass. Another instance so takes over within ttl of the
// holder's end, not after a lease sized by the pass interval. Each pass reads
// the storage settings from storage, so a reload applies from the next pass.
func (a *App) retain(ctx context.Context, storage func() config.Storage, owner string, ttl time.Duration) {
	pass := a.clock.NewTimer(time.Minute)
	defer pass.Stop()
	renew := a.clock.NewTimer(ttl / 3)
	defer renew.Stop()
	held := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-renew.C():
			if held {
				held = a.holdsRetentionLease(ctx, owner, ttl)
			}
			renew.Reset(ttl / 3)
			continue
		case <-pass.C():
		}

		st := storage()
		if held = a.holdsRetentionLease(ctx, owner, ttl); held {
			held = a.prunePass(ctx, st, owner, ttl)
		}
		renew.Stop()
		renew.Reset(ttl / 3)
		pass.Reset(st.RetentionInterval)
	}
}

// storageInForce returns the storage settings of the config in force.
func (a *App) storageInForce() config.Storage { return a.current.Load().plan.Config.Storage }

// prunePass deletes the finished events received before the retention
// cutoff, renewing the lease between batches. It reports whether the lease is
// still held, and stops where the lease was lost.
func (a *App) prunePass(ctx context.Context, st config.Storage, owner string, ttl time.Duration) bool {
	cutoff := a.clock.Now().Add(-st.Retention)
	renewed := a.clock.Now()
	total := 0
	held := true
	for more := true; more && held && ctx.Err() == nil; {
		var n int
		var err error
		if n, more, err = a.store.Prune(ctx, cutoff, st.RetentionBatch); err != nil {
			a.log.Error("retention failed; trying again at the next interval", "err", err)
			break
		}
		total += n
		if now := a.clock.Now(); more && now.Sub(renewed) >= ttl/3 {
			held, renewed = a.holdsRetentionLease(ctx, owner, ttl), now
		}
	}
	if total > 0 {
		a.log.Info("retention deleted old delivered events", "events", total, "before", cutoff)
	}
	return held
}

// holdsRetentionLease takes or renews the retention lease for owner until
// ttl from now.
func (a *App) holdsRetentionLease(ctx context.Context, owner string, ttl time.Duration) bool {
	held, err := a.store.AcquireLease(ctx, retentionLease, owner, a.clock.Now(), ttl)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Error("could not take or renew the retention lease; trying again later", "err", err)
		}
		return false
	}
	return held
}
