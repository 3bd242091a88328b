package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// listDeliveries serves GET /api/v1/deliveries.
func (s *server) listDeliveries(w http.ResponseWriter, r *http.Request, _ string) error {
	filter, err := deliveryFilter(r.URL.Query())
	if err != nil {
		return err
	}
	found, cursor, err := s.deliveryPage(r.Context(), filter)
	if err != nil {
		return err
	}
	snap := s.backend.Snapshot()
	items := make([]deliveryView, len(found))
	for i, d := range found {
		items[i] = s.deliveryView(d, snap)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": cursor})
	return nil
}

// deliveryDetail is one delivery with its attempts.
type deliveryDetail struct {
	deliveryView
	AttemptList []attemptView `json:"attempt_list"`
}

// getDelivery serves GET /api/v1/deliveries/{id}.
func (s *server) getDelivery(w http.ResponseWriter, r *http.Request, _ string) error {
	d, err := s.lookupDelivery(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	attempts, err := s.backend.Store().Attempts(r.Context(), d.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, deliveryDetail{deliveryView: s.deliveryView(d, s.backend.Snapshot()), AttemptList: attemptViews(attempts)})
	return nil
}

// lookupDelivery reads a delivery by its public id (dlv_<store>_<n>).
func (s *server) lookupDelivery(ctx context.Context, public string) (*store.Delivery, error) {
	storeID := s.backend.Store().StoreID()
	id, err := store.ParsePublicDeliveryID(storeID, public)
	if err != nil {
		return nil, notFound("no delivery %s in this store, whose delivery ids read dlv_%s_<number>; "+
			"the delivery log, switchboard deliveries and GET /api/v1/deliveries list them", public, storeID)
	}
	d, err := s.backend.Store().Delivery(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("no delivery %s; the delivery log, switchboard deliveries and GET /api/v1/deliveries list them", public)
	}
	return d, err
}

// retryDelivery serves POST /api/v1/deliveries/{id}/retry. It takes no body
// keys; a body that has some is rejected, as in every endpoint.
func (s *server) retryDelivery(w http.ResponseWriter, r *http.Request, actor string) error {
	if err := decodeBody(r, &struct{}{}); err != nil {
		return err
	}
	d, err := s.retryOne(r, r.PathValue("id"), actor, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, s.deliveryView(d, s.backend.Snapshot()))
	return nil
}

// retryOne retries one delivery and records it in the audit log, with via
// naming where the request came from ("" for the API). A delivery whose
// connector holds every delivery (paused, or not in the config) is not
// retried: it would only be held again.
func (s *server) retryOne(r *http.Request, public, actor, via string) (*store.Delivery, error) {
	d, err := s.lookupDelivery(r.Context(), public)
	if err != nil {
		return nil, err
	}
	holding, err := s.holdingConnectors(r.Context(), []string{d.Connector})
	if err != nil {
		return nil, err
	}
	if why, held := holding[d.Connector]; held {
		return nil, conflict("delivery %s was not retried: %s", public, why)
	}
	if until, open := s.circuitUntil(d); open {
		return nil, conflict("delivery %s was not retried: it is waiting for the circuit of %s until %s "+
			"(the destination kept failing; the next attempt probes it)", public, d.Connector, until.UTC().Format(time.RFC3339))
	}
	retried, err := s.backend.Retry(r.Context(), []int64{d.ID})
	if err != nil {
		return nil, err
	}
	if len(retried) == 0 {
		return nil, conflict("delivery %s is being attempted now; retry it once the attempt has finished", public)
	}
	if err := s.record(r.Context(), actor, "retry", public, "was "+string(d.State)+via); err != nil {
		return nil, err
	}
	return s.backend.Store().Delivery(r.Context(), d.ID)
}

// bulkRetryRequest is the body of POST /api/v1/deliveries/retry: the filters
// of the listing, a page size and a cursor. Only dead deliveries are retried.
type bulkRetryRequest struct {
	Route     string `json:"route"`
	Connector string `json:"connector"`
	EventType string `json:"event_type"`
	Since     string `json:"since"`
	Until     string `json:"until"`
	Cursor    string `json:"cursor"`
	Limit     int    `json:"limit"`
}

// retryDeliveries serves POST /api/v1/deliveries/retry: it retries one page
// of the dead deliveries that match, newest first, and returns the cursor of
// the next page. A client retries them all by following next_cursor, so each
// call stays short and a client can show progress. The ids that matched but
// could not be retried are listed as not_retried. Another operator's retry
// may have made one due and its attempt runs, retention may have deleted it,
// or its connector holds every delivery (paused, or not in the config). held
// gives the reason for each such connector.
func (s *server) retryDeliveries(w http.ResponseWriter, r *http.Request, actor string) error {
	var req bulkRetryRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	filters := map[string]string{"route": req.Route, "connector": req.Connector, "event_type": req.EventType,
		"since": req.Since, "until": req.Until}
	filter, err := bulkFilter(store.StateDead, filters, req.Cursor, req.Limit)
	if err != nil {
		return err
	}

	dead, cursor, err := s.deliveryPage(r.Context(), filter)
	if err != nil {
		return err
	}
	ids, held, err := s.retryable(r.Context(), dead)
	if err != nil {
		return err
	}
	retried, err := s.backend.Retry(r.Context(), ids)
	if err != nil {
		return err
	}
	if len(retried) > 0 {
		detail := fmt.Sprintf("%s (%s)", countNoun(len(retried), "dead delivery", "dead deliveries"), filterDetail(filters))
		if err := s.record(r.Context(), actor, "retry_dead", "deliveries", detail); err != nil {
			return err
		}
	}
	all := make([]int64, len(dead))
	for i, d := range dead {
		all[i] = d.ID
	}
	public, notRetried := s.partition(all, retried)
	writeJSON(w, http.StatusOK, map[string]any{"retried": public, "not_retried": notRetried, "held": held, "next_cursor": cursor})
	return nil
}

// retryable returns the ids of the deliveries whose connector delivers, and
// for each connector that holds its deliveries, why.
func (s *server) retryable(ctx context.Context, found []*store.Delivery) ([]int64, map[string]string, error) {
	var names []string
	for _, d := range found {
		names = append(names, d.Connector)
	}
	holding, err := s.holdingConnectors(ctx, names)
	if err != nil {
		return nil, nil, err
	}
	var ids []int64
	held := map[string]string{}
	for _, d := range found {
		if why, ok := holding[d.Connector]; ok {
			held[d.Connector] = why
			continue
		}
		ids = append(ids, d.ID)
	}
	return ids, held, nil
}

// bulkFilter returns the listing filter of a bulk operation on the
// deliveries in state that match filters (by their query names), one page
// of limit (0 for the default) after cursor.
func bulkFilter(state store.State, filters map[string]string, cursor string, limit int) (store.DeliveryFilter, error) {
	q := url.Values{"status": {string(state)}}
	for key, value := range filters {
		if value != "" {
			q.Set(key, value)
		}
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return deliveryFilter(q)
}

// maxAuditText bounds the target and the detail of an audit entry, in
// bytes; longer ones are cut.
const maxAuditText = 2000

// record appends an operator action to the audit log. The request's inputs
// are checked for the admin token where they come in; the target and the
// detail have any copy of it replaced all the same, because they are logged,
// stored and shown.
func (s *server) record(ctx context.Context, actor, action, target, detail string) error {
	if !slices.Contains(auditActions, action) {
		return fmt.Errorf("record action %q: it is not in auditActions, so the audit listing could not filter by it; add it there", action)
	}
	target, detail = s.token.redact(cut(target, maxAuditText)), s.token.redact(cut(detail, maxAuditText))
	s.log.Info("operator action", "actor", actor, "action", action, "target", target, "detail", detail)
	return s.backend.Store().RecordAction(ctx, &store.Action{At: s.clock.Now(), Actor: actor, Action: action, Target: target, Detail: detail})
}
