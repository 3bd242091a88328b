package dispatch

import (
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// Observer hears what the dispatcher does, for metrics and system events. Its
// methods run on the dispatcher's goroutines without its lock held and must
// return quickly.
type Observer interface {
	// Attempted reports one finished attempt and the state it leaves the
	// delivery in.
	Attempted(d *store.Delivery, res sdk.Result, state store.State, duration time.Duration)
	// Dead reports a delivery whose dead state is stored.
	Dead(d *store.Delivery, reason string)
	// CircuitOpened reports a destination left alone for cooldown after
	// failures consecutive failed attempts; d is the delivery whose attempt
	// opened it.
	CircuitOpened(destination string, d *store.Delivery, failures int, cooldown time.Duration)
	// ConnectorDisabled reports a connector the dispatcher paused by itself,
	// with the reason; d is the delivery whose attempt decided it.
	ConnectorDisabled(connector, reason string, d *store.Delivery)
}

// nopObserver is the Observer of a dispatcher given none.
type nopObserver struct{}

func (nopObserver) Attempted(*store.Delivery, sdk.Result, store.State, time.Duration) {}
func (nopObserver) Dead(*store.Delivery, string)                                      {}
func (nopObserver) CircuitOpened(string, *store.Delivery, int, time.Duration)         {}
func (nopObserver) ConnectorDisabled(string, string, *store.Delivery)                 {}
