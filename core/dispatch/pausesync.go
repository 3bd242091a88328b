package dispatch

import (
	"context"
	"sort"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// pauseRefresh is how often a dispatcher on a store that several instances
// share reads the paused connectors, so that a pause or resume whose
// notification was lost still applies within this time.
const pauseRefresh = 5 * time.Second

// followPauses makes the paused connectors those the store holds, when the
// store notifies of another instance's pause or resume and every
// pauseRefresh, until ctx ends.
func (d *Dispatcher) followPauses(ctx context.Context, changes <-chan struct{}) {
	timer := d.clock.NewTimer(pauseRefresh)
	defer timer.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-changes:
		case <-timer.C():
		}
		err := d.syncPauses(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			d.log.Warn("could not read the paused connectors; other instances' pauses apply here once it works again", "err", err)
			failing = true
		case err == nil:
			failing = false
		}
		timer.Stop()
		timer.Reset(pauseRefresh)
	}
}

// syncPauses reads the paused connectors from the store, pauses here those
// that are not paused yet, and resumes those paused here that the store no
// longer holds. A pause is stored before the dispatcher pauses (an automatic
// one holds d.pauseMu across both steps), so a connector paused here without
// a row is one that was resumed.
func (d *Dispatcher) syncPauses(ctx context.Context) error {
	d.pauseMu.Lock()
	defer d.pauseMu.Unlock()
	pauses, err := d.store.Pauses(ctx)
	if err != nil {
		return err
	}

	stored := make(map[string]bool, len(pauses))
	for _, p := range pauses {
		stored[p.Connector] = true
		if !d.Paused(p.Connector) {
			d.log.Info("connector paused by another instance; holding its deliveries", "connector", p.Connector,
				"reason", p.Reason, "actor", p.Actor)
			d.pause(p.Connector)
		}
	}
	for _, name := range d.pausedNames() {
		if stored[name] {
			continue
		}
		d.log.Info("connector resumed by another instance", "connector", name)
		if err := d.resume(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func (d *Dispatcher) pausedNames() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	names := make([]string, 0, len(d.paused))
	for name := range d.paused {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// releaseIfResumed makes the connector's paused deliveries due again when it
// is no longer paused. A hold written just after a resume released the holds
// (by this instance or another) would otherwise keep its delivery for the
// whole pausedHold.
func (d *Dispatcher) releaseIfResumed(connector string) {
	if d.Paused(connector) {
		return
	}
	d.releases.Add(1)
	go func() {
		defer d.releases.Done()
		n, err := d.store.ReleaseConnectorHolds(context.Background(), connector, store.HoldPaused, d.clock.Now())
		if err != nil {
			d.log.Error("could not release a delivery held for a connector that was resumed meanwhile; it waits for the next resume",
				"connector", connector, "err", err)
			return
		}
		if n > 0 {
			d.Wake()
		}
	}()
}
