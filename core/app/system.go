package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/core/dispatch"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// The system events: events Switchboard raises about itself, routed like any
// other, so that a route can tell a team when a connector stops working.
const (
	EventDeliveryDead      = "switchboard.delivery_dead"
	EventCircuitOpened     = "switchboard.circuit_opened"
	EventConnectorDisabled = "switchboard.connector_disabled"
)

// FormatSystem is the format of a system event.
const FormatSystem event.Format = "system"

// systemNamespace makes system event ids UUIDv5s, so the same occurrence
// raised twice is one event.
var systemNamespace = uuid.MustParse("5b0f4a7e-2d0c-4c59-9a56-3f1f0f7a6e21")

// isSystem reports whether a delivery carries a system event. Its failures
// raise no system event, so a broken alert route cannot feed itself.
func isSystem(d *store.Delivery) bool { return strings.HasPrefix(d.EventType, "switchboard.") }

// observer feeds the dispatcher's reports to the metrics and raises the
// system events.
type observer struct{ a *App }

var _ dispatch.Observer = observer{}

func (o observer) Attempted(d *store.Delivery, res sdk.Result, _ store.State, duration time.Duration) {
	if o.a.metrics != nil {
		o.a.metrics.Attempted(d.Connector, d.Route, res.Outcome, duration)
		if res.Outcome == sdk.OutcomeSkipped {
			o.a.metrics.Skipped(d.Connector, d.Route, res.SkipKind)
		}
	}
}

func (o observer) Dead(d *store.Delivery, reason string) {
	if isSystem(d) {
		return
	}
	public := store.PublicDeliveryID(o.a.store.StoreID(), d.ID)
	o.a.raise(EventDeliveryDead, "delivery", public, "dead", public+"|"+fmt.Sprint(d.Attempts), map[string]any{
		"delivery_id": public, "event_id": d.EventID, "event_type": d.EventType, "route": d.Route,
		"connector": d.Connector, "destination": d.Destination, "reason": reason,
	})
}

func (o observer) CircuitOpened(destination string, d *store.Delivery, failures int, cooldown time.Duration) {
	if isSystem(d) {
		return
	}
	now := o.a.clock.Now()
	o.a.raise(EventCircuitOpened, "destination", destination, "circuit_opened", destination+"|"+now.Format(time.RFC3339Nano), map[string]any{
		"destination": destination, "connector": d.Connector, "failures": failures,
		"cooldown_seconds": cooldown.Seconds(), "last_error": d.LastError,
	})
}

// ConnectorDisabled stores the pause the dispatcher decided, so it holds
// across a restart, and raises the system event.
func (o observer) ConnectorDisabled(connector, reason string, d *store.Delivery) {
	a := o.a
	now := a.clock.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.store.SetPause(ctx, &store.Pause{Connector: connector, Reason: reason, Actor: "switchboard", Automatic: true, At: now}); err != nil {
		a.log.Error("storing the disabled connector's pause failed; it is lost at the next restart", "connector", connector, "err", err)
	}
	if isSystem(d) {
		return
	}
	a.raise(EventConnectorDisabled, "connector", connector, "disabled", connector+"|"+now.Format(time.RFC3339Nano), map[string]any{
		"connector": connector, "reason": reason, "delivery_id": store.PublicDeliveryID(a.store.StoreID(), d.ID),
	})
}

// raise queues a system event; the queue's worker routes and stores it. When
// the queue is full the event is dropped and logged: raising must never hold
// up the dispatcher.
func (a *App) raise(eventType, entityType, entityID, action, occurrence string, current map[string]any) {
	in, err := systemEvent(eventType, entityType, entityID, action, occurrence, current, a.clock.Now())
	if err != nil {
		a.log.Error("could not build a system event", "event_type", eventType, "err", err)
		return
	}
	select {
	case a.system <- in:
	default:
		a.log.Error("system event dropped: too many are waiting to be stored", "event_type", eventType, "event_id", in.Envelope.EventID)
	}
}

func systemEvent(eventType, entityType, entityID, action, occurrence string, current map[string]any, now time.Time) (*event.Incoming, error) {
	data, err := json.Marshal(map[string]any{"current": current})
	if err != nil {
		return nil, err
	}
	id := uuid.NewSHA1(systemNamespace, []byte(eventType+"|"+occurrence)).String()
	env := &event.Envelope{EventID: id, EventType: eventType, Timestamp: now, EntityType: entityType, EntityID: entityID,
		Action: action, Actor: &event.Actor{Type: "system", Name: "switchboard"}, Data: data}
	body, err := env.Marshal()
	if err != nil {
		return nil, err
	}
	in := &event.Incoming{Envelope: env, Format: FormatSystem, Body: body}
	sum := sha256.Sum256([]byte("system\x00" + id))
	copy(in.ContentHash[:], sum[:16])
	return in, nil
}

// systemQueue bounds the system events waiting to be stored.
const systemQueue = 1024

// storeSystemEvents routes and stores the raised system events until ctx
// ends.
func (a *App) storeSystemEvents(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case in := <-a.system:
			if _, err := a.accept(ctx, []*event.Incoming{in}, false); err != nil {
				a.log.Error("could not store a system event", "event_type", in.Envelope.EventType, "event_id", in.Envelope.EventID, "err", err)
				continue
			}
			if a.metrics != nil {
				a.metrics.SystemEvent(in.Envelope.EventType)
			}
			a.log.Info("system event raised", "event_type", in.Envelope.EventType, "event_id", in.Envelope.EventID)
		}
	}
}
