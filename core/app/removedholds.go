package app

import (
	"context"
	"time"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/store"
)

// releaseRemovedHolds makes due the deliveries held because their connector
// was not in the config (store.HoldNoConnector), for each connector named:
// the config in force has it again. Without this the hold would last until
// the delivery's next check, a minute later, and after a restart the
// delivery log would still read that a config must bring the connector back.
func (a *App) releaseRemovedHolds(ctx context.Context, connectors []string) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	released := 0
	for _, name := range connectors {
		n, err := a.store.ReleaseConnectorHolds(ctx, name, store.HoldNoConnector, a.clock.Now())
		if err != nil {
			a.log.Error("could not release the deliveries held while the connector was not in the config; "+
				"they are attempted at their next check", "connector", name, "err", err)
			continue
		}
		if n > 0 {
			a.log.Info("connector is in the config again; its held deliveries are due now", "connector", name, "deliveries", n)
		}
		released += n
	}
	if released > 0 && a.disp != nil {
		a.disp.Wake()
	}
}

// addedConnectors returns the names of the connectors of after that before
// does not have.
func addedConnectors(before, after *config.Config) []string {
	known := blocksByName(before)
	var added []string
	for _, c := range after.Connectors {
		if _, ok := known[c.Name]; !ok {
			added = append(added, c.Name)
		}
	}
	return added
}

// connectorNames returns the names of the config's connectors.
func connectorNames(cfg *config.Config) []string {
	names := make([]string, len(cfg.Connectors))
	for i, c := range cfg.Connectors {
		names[i] = c.Name
	}
	return names
}
