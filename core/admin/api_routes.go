package admin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/route"
	"github.com/turbocode/switchboard/sdk"
)

// routeView is one configured route.
type routeView struct {
	Name    string   `json:"name"`
	Events  []string `json:"events"`
	If      string   `json:"if,omitempty"`
	Where   []string `json:"where,omitempty"`
	Targets []string `json:"targets"`
	Stop    bool     `json:"stop,omitempty"`
	Derived bool     `json:"derived,omitempty"`
	// Template reports whether the route has its own message template.
	Template bool `json:"template"`
}

// listRoutes serves GET /api/v1/routes.
func (s *server) listRoutes(w http.ResponseWriter, r *http.Request, _ string) error {
	writeJSON(w, http.StatusOK, map[string]any{"items": routeViews(s.backend.Snapshot())})
	return nil
}

func routeViews(snap Snapshot) []routeView {
	out := make([]routeView, 0, len(snap.Config.Routes))
	for _, cr := range snap.Config.Routes {
		v := routeView{Name: cr.Name, Events: append([]string{}, cr.Events...), If: cr.If, Stop: cr.Stop, Derived: cr.Derived,
			Template: cr.Template != "", Targets: []string{}}
		for _, m := range cr.Where {
			v.Where = append(v.Where, m.Path)
		}
		for _, t := range cr.To {
			v.Targets = append(v.Targets, t.Connector)
		}
		out = append(out, v)
	}
	return out
}

// decisionView is one route's decision for one event.
type decisionView struct {
	Route   string       `json:"route"`
	Matched bool         `json:"matched"`
	Reason  string       `json:"reason,omitempty"`
	Targets []targetView `json:"targets,omitempty"`
}

// targetView is a delivery a dry run would create, with what it would send.
type targetView struct {
	Connector   string     `json:"connector"`
	Params      sdk.Params `json:"params,omitempty"`
	Destination string     `json:"destination"`
	OrderingKey string     `json:"ordering_key,omitempty"`
	Message     string     `json:"message,omitempty"`
	Preview     string     `json:"preview,omitempty"`
	Error       string     `json:"error,omitempty"`
}

// dryRunView is the dry run of one event and of the events it derives.
type dryRunView struct {
	EventID       string         `json:"event_id"`
	EventType     string         `json:"event_type"`
	ParentEventID string         `json:"parent_event_id,omitempty"`
	Routes        []decisionView `json:"routes"`
	// DerivedFrom names the state the event was compared with to derive change
	// events; empty for an event that derives nothing by its kind.
	DerivedFrom string       `json:"derived_from,omitempty"`
	DeriveNotes []string     `json:"derive_notes,omitempty"`
	Derived     []dryRunView `json:"derived,omitempty"`
}

// dryRun serves POST /api/v1/dry-run: the body is an event in any inbound
// format; the response lists which routes match it and what each target
// would receive. Nothing is stored or sent.
func (s *server) dryRun(w http.ResponseWriter, r *http.Request, _ string) error {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return invalid("", "read the event: %v", err)
	}
	if len(raw) > maxRequestBody {
		return tooLarge()
	}
	snap := s.backend.Snapshot()
	events, err := parseEventDocument(raw, s.clock.Now(), snap.Config.Ingest.MaxBatch)
	if err != nil {
		return err
	}
	out := make([]dryRunView, len(events))
	for i, in := range events {
		if out[i], err = s.explain(r.Context(), snap, in); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": out})
	return nil
}

// explain returns the routes' decisions for the event, and for each event it
// derives, as ingest would derive and route them.
func (s *server) explain(ctx context.Context, snap Snapshot, in *event.Incoming) (dryRunView, error) {
	v := s.decide(ctx, snap, in)
	derived, err := s.deriveForDryRun(ctx, snap, in)
	if err != nil {
		return v, err
	}
	v.DerivedFrom, v.DeriveNotes = derived.basis, derived.notes
	for _, d := range derived.events {
		dv := s.decide(ctx, snap, d)
		dv.ParentEventID = in.Envelope.EventID
		v.Derived = append(v.Derived, dv)
	}
	return v, nil
}

// decide returns the routes' decisions for one event.
func (s *server) decide(ctx context.Context, snap Snapshot, in *event.Incoming) dryRunView {
	v := dryRunView{EventID: in.Envelope.EventID, EventType: in.Envelope.EventType}
	for _, d := range snap.Routes.Explain(in) {
		dv := decisionView{Route: d.Route, Matched: d.Matched, Reason: d.Reason}
		for _, p := range d.Targets {
			dv.Targets = append(dv.Targets, s.previewTarget(ctx, snap, in, p))
		}
		v.Routes = append(v.Routes, dv)
	}
	return v
}

// previewTarget renders what one planned target would receive, with the
// parameters taken from ${...} references redacted, in the parameters shown
// and in the preview alike.
func (s *server) previewTarget(ctx context.Context, snap Snapshot, in *event.Incoming, p route.Planned) targetView {
	tv := targetView{Connector: p.Connector, Destination: p.Destination, OrderingKey: p.OrderingKey}
	if p.Err != nil {
		tv.Error = "the delivery would be dead: " + p.Err.Error()
		return tv
	}
	tv.Params = redactParams(p.Route, p.Connector, p.Params, snap.Config)
	tv.Destination = redactDestination(p.Destination, p.Params, tv.Params)

	message, _, err := snap.Routes.RenderMessage(p.Route, []*event.Incoming{in})
	if err != nil {
		tv.Error = "the delivery would be dead: " + err.Error()
		return tv
	}
	tv.Message = message

	env := in.Envelope
	req := &sdk.DeliveryRequest{DeliveryID: "dlv_preview", Attempt: 1, Route: p.Route, Target: tv.Params,
		Untrusted: p.Untrusted, Message: message, EntityKey: p.EntityKey, Deadline: s.clock.Now().Add(time.Minute),
		Events: []sdk.Event{{ID: env.EventID, Type: env.EventType, Time: env.Timestamp, EntityType: env.EntityType,
			EntityID: env.EntityID, Action: env.Action, Derived: env.Derived, ParentEventID: env.ParentEventID, Envelope: in.Body}}}
	preview, err := s.backend.Preview(ctx, p.Connector, req)
	switch {
	case errors.Is(err, ErrNoPreview):
	case err != nil:
		tv.Error = "the connector would reject it: " + err.Error()
	default:
		tv.Preview = preview
	}
	return tv
}

// ErrNoPreview is the error Backend.Preview returns for a connector that
// cannot show its request.
var ErrNoPreview = errors.New("the connector cannot show its request")
