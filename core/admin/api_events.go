package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/turbocode/switchboard/core/store"
)

// listEvents serves GET /api/v1/events.
func (s *server) listEvents(w http.ResponseWriter, r *http.Request, _ string) error {
	filter, err := eventFilter(r.URL.Query())
	if err != nil {
		return err
	}
	limit := filter.Limit
	filter.Limit++
	found, err := s.backend.Store().Events(r.Context(), filter)
	if err != nil {
		return err
	}
	found, cursor := trimPage(found, limit, func(e *store.StoredEvent) int64 { return e.Seq })
	items := make([]eventView, len(found))
	for i, e := range found {
		items[i] = eventViewOf(e, false)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": cursor})
	return nil
}

// eventDetail is one event with what it caused.
type eventDetail struct {
	eventView
	Derived    []eventView    `json:"derived"`
	Deliveries []deliveryView `json:"deliveries"`
}

// getEvent serves GET /api/v1/events/{id}.
func (s *server) getEvent(w http.ResponseWriter, r *http.Request, _ string) error {
	detail, err := s.eventDetail(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, detail)
	return nil
}

func (s *server) eventDetail(r *http.Request, eventID string) (*eventDetail, error) {
	st := s.backend.Store()
	e, err := st.Event(r.Context(), eventID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("no stored event %s; GET /api/v1/events lists them, and the delivery log and switchboard deliveries name each delivery's event", eventID)
	}
	if err != nil {
		return nil, err
	}
	derived, err := st.Events(r.Context(), store.EventFilter{ParentEventID: eventID, Limit: maxLimit})
	if err != nil {
		return nil, err
	}
	deliveries, err := st.Deliveries(r.Context(), store.DeliveryFilter{EventID: eventID, Limit: maxLimit})
	if err != nil {
		return nil, err
	}

	snap := s.backend.Snapshot()
	out := &eventDetail{eventView: eventViewOf(e, true), Derived: make([]eventView, len(derived)), Deliveries: make([]deliveryView, len(deliveries))}
	for i, d := range derived {
		out.Derived[i] = eventViewOf(d, false)
	}
	for i, d := range deliveries {
		out.Deliveries[i] = s.deliveryView(d, snap)
	}
	return out, nil
}

// replayRequest is the body of POST /api/v1/events/{id}/replay; without a
// connector the event is replayed to every target its routes plan now.
type replayRequest struct {
	Connector string `json:"connector"`
}

// replayEvent serves POST /api/v1/events/{id}/replay.
func (s *server) replayEvent(w http.ResponseWriter, r *http.Request, actor string) error {
	eventID := r.PathValue("id")
	var req replayRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if err := s.checkReplayTarget(req.Connector); err != nil {
		return err
	}
	if _, err := s.backend.Store().Event(r.Context(), eventID); errors.Is(err, store.ErrNotFound) {
		return notFound("no stored event %s; GET /api/v1/events lists them, and the delivery log and switchboard deliveries name each delivery's event", eventID)
	}

	created, err := s.backend.Replay(r.Context(), eventID, req.Connector)
	if err != nil {
		return err
	}
	target := "all routes"
	if req.Connector != "" {
		target = "connector " + req.Connector
	}
	if err := s.record(r.Context(), actor, "replay", eventID, fmt.Sprintf("to %s: %s", target, countNoun(len(created), "delivery", "deliveries"))); err != nil {
		return err
	}
	snap := s.backend.Snapshot()
	items := make([]deliveryView, len(created))
	for i, d := range created {
		items[i] = s.deliveryView(d, snap)
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"deliveries": items})
	return nil
}

// checkReplayTarget returns a 404 that lists the configured connectors when
// a replay names a connector that is not one of them. The connector is what
// was not found, as in the connectors' own paths, and its field "connector"
// tells it apart from a missing event.
func (s *server) checkReplayTarget(name string) error {
	if name == "" {
		return nil
	}
	var names []string
	for _, c := range s.backend.Snapshot().Config.Connectors {
		if c.Name == name {
			return nil
		}
		names = append(names, c.Name)
	}
	e := notFound("no connector named %q in the config; replay to one of %s", name, strings.Join(names, ", "))
	e.field = "connector"
	return e
}
