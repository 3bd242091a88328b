package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// holdingConnectors returns, for each connector that holds every delivery
// to it, why: it is paused or disabled, or it is not in the config. A retry
// of such a delivery would only hold it again. Connectors that deliver are
// left out.
func (s *server) holdingConnectors(ctx context.Context, names []string) (map[string]string, error) {
	configured := map[string]bool{}
	for _, c := range s.backend.Snapshot().Config.Connectors {
		configured[c.Name] = true
	}
	pauses, err := s.backend.Store().Pauses(ctx)
	if err != nil {
		return nil, err
	}
	paused := map[string]string{}
	for _, p := range pauses {
		paused[p.Connector] = p.Reason
	}

	out := map[string]string{}
	for _, name := range names {
		switch reason, isPaused := paused[name]; {
		case !configured[name]:
			out[name] = fmt.Sprintf("connector %s is not in the config, so its deliveries are held until a config brings it back; "+
				"to drop them, cancel them", name)
		case isPaused:
			out[name] = fmt.Sprintf("connector %s is paused (%s), so its deliveries are held; resume it first "+
				"(switchboard connectors resume %s)", name, reason, name)
		}
	}
	return out, nil
}

// circuitUntil reports whether the circuit of d's destination is open, and
// until when. A retry would not send such a delivery sooner: it waits for
// the probe at the end of the cooldown.
func (s *server) circuitUntil(d *store.Delivery) (time.Time, bool) {
	until, open := s.backend.Snapshot().Circuits[d.Destination]
	return until, open
}
