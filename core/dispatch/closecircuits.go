package dispatch

import (
	"strings"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// CloseCircuits closes the open circuits of connector's destinations, as a
// delivered probe does, and makes the deliveries they held due now. A test
// send that was delivered calls it: it shows the destination answers again,
// so its backlog need not wait for the end of the cooldown. It returns the
// destinations whose circuit it closed.
func (d *Dispatcher) CloseCircuits(connector string) []string {
	d.mu.Lock()
	var closed []string
	for key, dst := range d.dests {
		if !dst.circuit.open || !ownedBy(key, connector) {
			continue
		}
		dst.circuit.success()
		if dst.blockReason == store.HoldCircuitOpen {
			dst.blockedUntil = time.Time{}
		}
		closed = append(closed, key)
		d.releaseHolds(key, store.HoldCircuitOpen)
	}
	d.mu.Unlock()

	if len(closed) > 0 {
		d.cond.Broadcast()
		d.Wake()
		d.log.Info("circuit closed: a test send was delivered; its held deliveries are due now", "connector", connector,
			"destinations", len(closed))
	}
	return closed
}

// ownedBy reports whether the destination key belongs to connector: it is
// the connector's name, or starts with it and "|".
func ownedBy(key, connector string) bool {
	return key == connector || strings.HasPrefix(key, connector+"|")
}
