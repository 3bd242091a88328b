package admin

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/turbocode/switchboard/core/store"
)

// cancelRequest is the body of POST /api/v1/deliveries/{id}/cancel.
type cancelRequest struct {
	Reason string `json:"reason"`
}

// cancelDelivery serves POST /api/v1/deliveries/{id}/cancel.
func (s *server) cancelDelivery(w http.ResponseWriter, r *http.Request, actor string) error {
	var req cancelRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	d, err := s.cancelOne(r, r.PathValue("id"), req.Reason, actor, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.deliveryView(d, s.backend.Snapshot()))
	return nil
}

// cancelOne cancels one scheduled delivery and records it in the audit
// log, with via naming where the request came from ("" for the API).
func (s *server) cancelOne(r *http.Request, public, reason, actor, via string) (*store.Delivery, error) {
	d, err := s.lookupDelivery(r.Context(), public)
	if err != nil {
		return nil, err
	}
	if reason, err = s.cancelReason(reason, actor); err != nil {
		return nil, err
	}
	if d.State != store.StateScheduled {
		return nil, conflict("delivery %s is %s; only a scheduled delivery can be cancelled", public, d.State)
	}
	cancelled, err := s.backend.Cancel(r.Context(), []int64{d.ID}, reason)
	if err != nil {
		return nil, err
	}
	if len(cancelled) == 0 {
		return nil, conflict("delivery %s is being attempted now, so it cannot be cancelled; "+
			"if the attempt fails and it is scheduled again, cancel it then", public)
	}

	was := "was scheduled"
	if d.HoldReason != "" {
		was += ", held " + d.HoldReason
	}
	if err := s.record(r.Context(), actor, "cancel", public, was+": "+reason+via); err != nil {
		return nil, err
	}
	return s.backend.Store().Delivery(r.Context(), d.ID)
}

// cancelReason validates a cancel reason; without one it names the actor.
func (s *server) cancelReason(reason, actor string) (string, error) {
	reason, err := s.operatorText("reason", reason, maxReasonLength)
	if err != nil || reason != "" {
		return reason, err
	}
	return "cancelled by " + actor, nil
}

// bulkCancelRequest is the body of POST /api/v1/deliveries/cancel: the
// filters of the listing, a page size, a cursor and the reason. Only
// scheduled deliveries are cancelled.
type bulkCancelRequest struct {
	Route     string `json:"route"`
	Connector string `json:"connector"`
	EventType string `json:"event_type"`
	EventID   string `json:"event_id"`
	Since     string `json:"since"`
	Until     string `json:"until"`
	Cursor    string `json:"cursor"`
	Limit     int    `json:"limit"`
	Reason    string `json:"reason"`
	// All confirms a request without filters: it cancels every scheduled
	// delivery.
	All bool `json:"all"`
}

// filters returns the request's filters by their query names.
func (req bulkCancelRequest) filters() map[string]string {
	return map[string]string{"route": req.Route, "connector": req.Connector, "event_type": req.EventType,
		"event_id": req.EventID, "since": req.Since, "until": req.Until}
}

// bulkCancelResult is the outcome of one page of a bulk cancel.
type bulkCancelResult struct {
	Cancelled    []string `json:"cancelled"`
	NotCancelled []string `json:"not_cancelled"`
	NextCursor   string   `json:"next_cursor"`
}

// cancelDeliveries serves POST /api/v1/deliveries/cancel: it cancels one
// page of the scheduled deliveries that match, newest first, and returns
// the cursor of the next page, as the bulk retry does. Those that matched
// but could not be cancelled (an attempt of one runs) are listed as
// not_cancelled.
func (s *server) cancelDeliveries(w http.ResponseWriter, r *http.Request, actor string) error {
	var req bulkCancelRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	res, err := s.cancelPage(r, req, actor, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// cancelPage cancels one page of the scheduled deliveries that req selects
// and records it in the audit log, with via naming where the request came
// from.
func (s *server) cancelPage(r *http.Request, req bulkCancelRequest, actor, via string) (*bulkCancelResult, error) {
	filters := req.filters()
	if !req.All && !anySet(filters) {
		return nil, invalid("all", "name the deliveries to cancel with route, connector, event_type, event_id, since or until, "+
			"or set all to true to cancel every scheduled delivery")
	}
	reason, err := s.cancelReason(req.Reason, actor)
	if err != nil {
		return nil, err
	}
	filter, err := bulkFilter(store.StateScheduled, filters, req.Cursor, req.Limit)
	if err != nil {
		return nil, err
	}

	found, cursor, err := s.deliveryPage(r.Context(), filter)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(found))
	for i, d := range found {
		ids[i] = d.ID
	}
	cancelled, err := s.backend.Cancel(r.Context(), ids, reason)
	if len(cancelled) > 0 {
		detail := fmt.Sprintf("%s (%s): %s%s", countNoun(len(cancelled), "scheduled delivery", "scheduled deliveries"),
			filterDetail(filters), reason, via)
		if recordErr := s.record(r.Context(), actor, "cancel_scheduled", "deliveries", detail); recordErr != nil && err == nil {
			err = recordErr
		}
	}
	if err != nil {
		return nil, err
	}
	done, notDone := s.partition(ids, cancelled)
	return &bulkCancelResult{Cancelled: done, NotCancelled: notDone, NextCursor: cursor}, nil
}

// partition splits ids into the public ids of those in done and of the
// others, in the order of ids.
func (s *server) partition(ids, done []int64) ([]string, []string) {
	in := make(map[int64]bool, len(done))
	for _, id := range done {
		in[id] = true
	}
	yes, no := []string{}, []string{}
	for _, id := range ids {
		public := store.PublicDeliveryID(s.backend.Store().StoreID(), id)
		if in[id] {
			yes = append(yes, public)
		} else {
			no = append(no, public)
		}
	}
	return yes, no
}

// filterDetail returns the filters that have a value as the audit log
// records them, such as `route="r" since="2026-12-01T00:00:00Z"`, in the
// order of the deliveries listing's query, or "no filters".
func filterDetail(filters map[string]string) string {
	var given []string
	for _, key := range knownQuery["deliveries"] {
		if value := filters[key]; value != "" {
			given = append(given, fmt.Sprintf("%s=%q", key, value))
		}
	}
	if len(given) == 0 {
		return "no filters"
	}
	return strings.Join(given, " ")
}

func anySet(values map[string]string) bool {
	for _, v := range values {
		if v != "" {
			return true
		}
	}
	return false
}
