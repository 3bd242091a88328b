package dispatch

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// pausedHold is how far ahead a delivery of a paused connector is scheduled;
// Resume makes it due again. Its held time is taken off then, so the wait does
// not count against the delivery's maximum age.
const pausedHold = 10 * 365 * 24 * time.Hour

// Pause holds the connector's deliveries until Resume: attempts that are
// running finish, and every other delivery of the connector is written back
// with the hold reason connector_paused, using no attempt.
func (d *Dispatcher) Pause(connector string) {
	d.pauseMu.Lock()
	defer d.pauseMu.Unlock()
	d.pause(connector)
}

// pause is Pause; the caller holds d.pauseMu.
func (d *Dispatcher) pause(connector string) {
	d.mu.Lock()
	d.paused[connector] = true
	queued := d.takeQueued(func(it *item) bool { return it.delivery.Connector == connector })
	d.mu.Unlock()
	if len(queued) == 0 {
		return
	}

	if err := d.writeBack(queued, d.clock.Now().Add(pausedHold), store.HoldPaused); err != nil {
		d.log.Error("could not hold the queued deliveries of a paused connector; they are held when their lease expires",
			"connector", connector, "deliveries", len(queued), "err", err)
		return
	}
	d.releaseIfResumed(connector)
}

// Resume lets the connector's deliveries run again and makes those held for
// its pause due now.
func (d *Dispatcher) Resume(ctx context.Context, connector string) error {
	d.pauseMu.Lock()
	defer d.pauseMu.Unlock()
	return d.resume(ctx, connector)
}

// resume is Resume; the caller holds d.pauseMu.
func (d *Dispatcher) resume(ctx context.Context, connector string) error {
	d.mu.Lock()
	delete(d.paused, connector)
	d.mu.Unlock()
	d.health.reset(connector)

	n, err := d.store.ReleaseConnectorHolds(ctx, connector, store.HoldPaused, d.clock.Now())
	if err != nil {
		return fmt.Errorf("release the deliveries held for connector %s: %w", connector, err)
	}
	if n > 0 {
		d.log.Info("connector resumed; its held deliveries are due now", "connector", connector, "deliveries", n)
	}
	d.Wake()
	return nil
}

// Paused reports whether the connector is paused.
func (d *Dispatcher) Paused(connector string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.paused[connector]
}

// pausedNow reports whether the item's connector is paused; the caller does
// not hold d.mu.
func (d *Dispatcher) pausedNow(it *item) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.paused[it.delivery.Connector]
}

// checkDisable pauses a connector whose endpoint answered 410 Gone, or that
// has failed without a success for the policy's DisableAfter, and tells the
// observer why. A connector of the system events is disabled the same way.
func (d *Dispatcher) checkDisable(dl *store.Delivery, res sdk.Result, now time.Time, log *slog.Logger) {
	reason := ""
	switch {
	case res.StatusCode == http.StatusGone:
		reason = "the endpoint answered 410 Gone: it no longer exists"
	case res.Outcome == sdk.OutcomeRetry && d.policy.DisableAfter > 0:
		if since, failing := d.health.failingSince(dl.Connector); failing && now.Sub(since) >= d.policy.DisableAfter {
			reason = fmt.Sprintf("every attempt failed since %s (delivery.disable_after is %s); last error: %s",
				since.Format(time.RFC3339), d.policy.DisableAfter, res.Reason)
		}
	}
	if reason == "" {
		return
	}

	// The pause and its record in the store are one step for followPauses,
	// which would otherwise resume a pause it finds in memory only.
	d.pauseMu.Lock()
	defer d.pauseMu.Unlock()
	if d.Paused(dl.Connector) {
		return
	}
	log.Warn("connector disabled: its deliveries are held until it is resumed", "reason", reason)
	d.pause(dl.Connector)
	d.observer.ConnectorDisabled(dl.Connector, reason, dl)
}
