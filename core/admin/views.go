package admin

import (
	"encoding/json"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// deliveryView is a delivery as the API shows it.
type deliveryView struct {
	ID          string          `json:"id"`
	EventID     string          `json:"event_id"`
	EventType   string          `json:"event_type"`
	Route       string          `json:"route"`
	Connector   string          `json:"connector"`
	Target      json.RawMessage `json:"target"`
	Destination string          `json:"destination"`
	Status      store.State     `json:"status"`
	HoldReason  string          `json:"hold_reason,omitempty"`
	Attempts    int             `json:"attempts"`
	LastError   string          `json:"last_error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	NextAt      *time.Time      `json:"next_at,omitempty"`
	UpdatedAt   time.Time       `json:"updated_at"`
	Running     bool            `json:"running"`
}

// attemptView is one attempt of a delivery.
type attemptView struct {
	Number      int       `json:"number"`
	StartedAt   time.Time `json:"started_at"`
	DurationMS  float64   `json:"duration_ms"`
	Outcome     string    `json:"outcome"`
	StatusCode  int       `json:"status_code,omitempty"`
	Response    string    `json:"response,omitempty"`
	Error       string    `json:"error,omitempty"`
	ExternalRef string    `json:"external_ref,omitempty"`
}

// eventView is a stored event; Payload is its envelope.
type eventView struct {
	EventID    string          `json:"event_id"`
	EventType  string          `json:"event_type"`
	Format     string          `json:"format"`
	ReceivedAt time.Time       `json:"received_at"`
	Payload    json.RawMessage `json:"payload,omitempty"`
}

func (s *server) deliveryView(d *store.Delivery, snap Snapshot) deliveryView {
	target, destination := redactTarget(d, snap.Config)
	v := deliveryView{ID: store.PublicDeliveryID(s.backend.Store().StoreID(), d.ID), EventID: d.EventID,
		EventType: d.EventType, Route: d.Route, Connector: d.Connector, Target: target,
		Destination: destination, Status: d.State, HoldReason: d.HoldReason, Attempts: d.Attempts,
		LastError: d.LastError, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if d.State == store.StateScheduled {
		v.Running = d.LeaseOwner != "" && d.LeaseUntil.After(s.clock.Now())
		if v.Running {
			// A claim leaves the reason of the hold it ended in the row until
			// the attempt's outcome replaces it.
			v.HoldReason = ""
		}
		// A hold that ends with an event has no time to show: its stored
		// next_at is a placeholder far ahead.
		if !store.OpenEndedHold(d.HoldReason) {
			next := d.NextAt
			v.NextAt = &next
		}
		// A delivery queued behind an open circuit is not claimed, so its row
		// does not show the wait: the circuit's cooldown does.
		if until, open := snap.Circuits[d.Destination]; open && !v.Running && v.HoldReason == "" && until.After(d.NextAt) {
			v.HoldReason, v.NextAt = store.HoldCircuitOpen, &until
		}
	}
	return v
}

func attemptViews(attempts []*store.Attempt) []attemptView {
	out := make([]attemptView, len(attempts))
	for i, a := range attempts {
		out[i] = attemptView{Number: a.Number, StartedAt: a.StartedAt, DurationMS: float64(a.Duration.Microseconds()) / 1000,
			Outcome: a.Outcome, StatusCode: a.StatusCode, Response: a.Response, Error: a.Error, ExternalRef: a.ExternalRef}
	}
	return out
}

func eventViewOf(e *store.StoredEvent, withPayload bool) eventView {
	v := eventView{EventID: e.EventID, EventType: e.EventType, Format: string(e.Format), ReceivedAt: e.ReceivedAt}
	if withPayload {
		v.Payload = e.Body
	}
	return v
}

// connectorView is a connector with its state.
type connectorView struct {
	Name         string     `json:"name"`
	Type         string     `json:"type"`
	Status       string     `json:"status"`
	PauseReason  string     `json:"pause_reason,omitempty"`
	PausedBy     string     `json:"paused_by,omitempty"`
	PausedAt     *time.Time `json:"paused_at,omitempty"`
	PauseError   string     `json:"pause_error,omitempty"`
	Attempts     int        `json:"recent_attempts"`
	SuccessRate  *float64   `json:"success_rate"`
	LastSuccess  *time.Time `json:"last_success,omitempty"`
	LastFailure  *time.Time `json:"last_failure,omitempty"`
	LastError    string     `json:"last_error,omitempty"`
	OpenCircuits []string   `json:"open_circuits"`
	Rejections   []string   `json:"rejected_destinations"`
	Health       string     `json:"health,omitempty"`
}

// failingStreak is how many attempts in a row that were not delivered make a
// connector failing, whatever its success rate.
const failingStreak = 3

// connectorViewOf reports the status as paused (by an operator), disabled
// (by Switchboard), failed (its Health says it cannot deliver, such as a
// plugin that does not start), waiting (its Health says its calls wait for
// now, such as for a rate limit), failing (recent attempts and none delivered,
// the last failingStreak attempts or more failed, an open circuit, or a
// destination held after a rejection), unknown (whether it is paused or
// disabled cannot be read) or ok. last_error is left out once an
// attempt succeeded after the failure, because it no longer describes the
// connector.
func connectorViewOf(c ConnectorStatus) connectorView {
	v := connectorView{Name: c.Name, Type: c.Type, Status: "ok", Attempts: c.Attempts,
		OpenCircuits: append([]string{}, c.OpenCircuits...), Rejections: append([]string{}, c.Rejections...), LastSuccess: timeOrNil(c.LastSuccess), LastFailure: timeOrNil(c.LastFailure),
		Health: c.HealthMessage}
	if c.LastFailure.After(c.LastSuccess) {
		v.LastError = c.LastError
	}
	if c.Attempts > 0 {
		rate := float64(c.Delivered) / float64(c.Attempts)
		v.SuccessRate = &rate
		if c.Delivered == 0 || c.FailedInARow >= failingStreak {
			v.Status = "failing"
		}
	}
	if len(c.OpenCircuits) > 0 || len(c.Rejections) > 0 {
		v.Status = "failing"
	}
	if c.Waiting {
		v.Status = "waiting"
	}
	if c.Unhealthy {
		v.Status = "failed"
	}
	if c.PauseUnknown != "" {
		v.Status, v.PauseError = "unknown", c.PauseUnknown
	}
	if c.Paused {
		v.Status, v.PauseReason, v.PausedBy, v.PausedAt = "paused", c.PauseReason, c.PausedBy, timeOrNil(c.PausedAt)
		if c.Automatic {
			v.Status = "disabled"
		}
	}
	return v
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// testView is a test send's outcome.
type testView struct {
	Outcome    string     `json:"outcome"`
	StatusCode int        `json:"status_code,omitempty"`
	Response   string     `json:"response,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	DurationMS float64    `json:"duration_ms"`
	Params     sdk.Params `json:"params"`
}

// actionView is one entry of the audit log.
type actionView struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"`
}
