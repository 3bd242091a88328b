package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// deliveriesView is the delivery log page's data.
type deliveriesView struct {
	Filter     map[string]string
	Statuses   []string
	Routes     []string
	Connectors []string
	Items      []deliveryView
	Next       string
	// CanCancel is set when a filter selects deliveries by more than their
	// status, so the page offers to cancel the scheduled ones.
	CanCancel bool
}

// deliveries serves the delivery log with its filters.
func (u *ui) deliveries(w http.ResponseWriter, r *http.Request, sess *session) error {
	query := r.URL.Query()
	notice := cancelNotice(query)
	q, filter := formFilters(query)
	f, err := deliveryFilter(q)
	if err != nil {
		return err
	}
	found, cursor, err := u.s.deliveryPage(r.Context(), f)
	if err != nil {
		return err
	}

	snap := u.s.backend.Snapshot()
	data := deliveriesView{Filter: filter, Statuses: []string{"scheduled", "delivered", "dead", "skipped", "cancelled"}}
	for _, rt := range snap.Config.Routes {
		data.Routes = append(data.Routes, rt.Name)
	}
	for _, c := range snap.Config.Connectors {
		data.Connectors = append(data.Connectors, c.Name)
	}
	for _, d := range found {
		data.Items = append(data.Items, u.s.deliveryView(d, snap))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
		data.Next = "/ui/?" + q.Encode()
	}
	data.CanCancel = (f.State == "" || f.State == store.StateScheduled) && (f.Route != "" || f.Connector != "" || f.EventType != "")
	v := u.page(sess, "deliveries", "Deliveries", data)
	v.Notice = notice
	u.render(w, http.StatusOK, "deliveries", v)
	return nil
}

// deliveryPage is one delivery's page data.
type deliveryPage struct {
	D        deliveryDetail
	Rendered rendered
}

// rendered is the content a delivery sends: its route's message and the
// request its connector would make, or the reason neither can be shown.
type rendered struct {
	Message string
	Preview string
	Problem string
}

func (u *ui) delivery(w http.ResponseWriter, r *http.Request, sess *session) error {
	d, err := u.s.lookupDelivery(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	attempts, err := u.s.backend.Store().Attempts(r.Context(), d.ID)
	if err != nil {
		return err
	}
	snap := u.s.backend.Snapshot()
	page := deliveryPage{D: deliveryDetail{deliveryView: u.s.deliveryView(d, snap), AttemptList: attemptViews(attempts)}}
	if ev, err := u.s.backend.Store().Event(r.Context(), d.EventID); err == nil {
		page.Rendered = u.s.renderStored(r.Context(), snap, d, ev)
	}
	v := u.page(sess, "deliveries", "Delivery "+page.D.ID, page)
	v.Notice = notices[r.URL.Query().Get("done")]
	u.render(w, http.StatusOK, "delivery", v)
	return nil
}

// renderStored renders a stored delivery as it would be sent now, with the
// target's ${...} values redacted.
func (s *server) renderStored(ctx context.Context, snap Snapshot, d *store.Delivery, ev *store.StoredEvent) rendered {
	var env event.Envelope
	if err := json.Unmarshal(ev.Body, &env); err != nil {
		return rendered{Problem: "the stored event cannot be read: " + err.Error()}
	}
	in := &event.Incoming{Envelope: &env, Format: ev.Format, Body: ev.Body}
	var out rendered
	message, _, err := snap.Routes.RenderMessage(d.Route, []*event.Incoming{in})
	if err != nil {
		out.Problem = err.Error()
	}
	out.Message = message

	var params sdk.Params
	json.Unmarshal(d.Target, &params)
	req := &sdk.DeliveryRequest{DeliveryID: store.PublicDeliveryID(s.backend.Store().StoreID(), d.ID), Attempt: d.Attempts + 1,
		Route: d.Route, Target: redactParams(d.Route, d.Connector, params, snap.Config), Untrusted: d.Untrusted,
		Message: message, EntityKey: d.EntityKey, Events: []sdk.Event{{ID: env.EventID, Type: env.EventType,
			Time: env.Timestamp, EntityType: env.EntityType, EntityID: env.EntityID, Action: env.Action,
			Derived: env.Derived, ParentEventID: env.ParentEventID, Envelope: ev.Body}}}
	preview, err := s.backend.Preview(ctx, d.Connector, req)
	switch {
	case errors.Is(err, ErrNoPreview):
	case err != nil && out.Problem == "":
		out.Problem = "the connector cannot show its request: " + err.Error()
	default:
		out.Preview = preview
	}
	return out
}

func (u *ui) retry(w http.ResponseWriter, r *http.Request, sess *session) error {
	public := r.PathValue("id")
	if _, err := u.s.retryOne(r, public, sess.actor, " (web UI)"); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/deliveries/"+url.PathEscape(public)+"?done=retried", http.StatusSeeOther)
	return nil
}

// eventPage is one event's page data.
type eventPage struct {
	E          *eventDetail
	Rendered   map[string]rendered
	Connectors []string
}

func (u *ui) event(w http.ResponseWriter, r *http.Request, sess *session) error {
	eventID := r.PathValue("id")
	detail, err := u.s.eventDetail(r, eventID)
	if err != nil {
		return err
	}
	ev, err := u.s.backend.Store().Event(r.Context(), eventID)
	if err != nil {
		return err
	}
	snap := u.s.backend.Snapshot()
	page := eventPage{E: detail, Rendered: map[string]rendered{}}
	for _, c := range snap.Config.Connectors {
		page.Connectors = append(page.Connectors, c.Name)
	}
	deliveries, err := u.s.backend.Store().Deliveries(r.Context(), store.DeliveryFilter{EventID: eventID, Limit: maxLimit})
	if err != nil {
		return err
	}
	for _, d := range deliveries {
		page.Rendered[store.PublicDeliveryID(u.s.backend.Store().StoreID(), d.ID)] = u.s.renderStored(r.Context(), snap, d, ev)
	}
	v := u.page(sess, "deliveries", "Event "+eventID, page)
	v.Notice = notices[r.URL.Query().Get("done")]
	u.render(w, http.StatusOK, "event", v)
	return nil
}

func (u *ui) replay(w http.ResponseWriter, r *http.Request, sess *session) error {
	eventID := r.PathValue("id")
	connector := r.PostFormValue("connector")
	if err := u.s.checkReplayTarget(connector); err != nil {
		return err
	}
	if _, err := u.s.backend.Store().Event(r.Context(), eventID); errors.Is(err, store.ErrNotFound) {
		return notFound("no event %s", eventID)
	}
	created, err := u.s.backend.Replay(r.Context(), eventID, connector)
	if err != nil {
		return err
	}
	target := "all routes"
	if connector != "" {
		target = "connector " + connector
	}
	detail := fmt.Sprintf("to %s: %s (web UI)", target, countNoun(len(created), "delivery", "deliveries"))
	if err := u.s.record(r.Context(), sess.actor, "replay", eventID, detail); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/events/"+url.PathEscape(eventID)+"?done=replayed", http.StatusSeeOther)
	return nil
}

func (u *ui) connectors(w http.ResponseWriter, r *http.Request, sess *session) error {
	var items []connectorView
	for _, c := range u.s.backend.Connectors() {
		items = append(items, connectorViewOf(c))
	}
	u.render(w, http.StatusOK, "connectors", u.page(sess, "connectors", "Connectors", items))
	return nil
}

// testPage is a test send's result page data.
type testPage struct {
	Connector string
	Result    *testView
	Params    json.RawMessage
}

func (u *ui) test(w http.ResponseWriter, r *http.Request, sess *session) error {
	name := r.PathValue("name")
	c, err := u.s.connector(name)
	if err != nil {
		return err
	}
	res, err := u.s.runTest(r, c, nil, sess.actor)
	if err != nil {
		return err
	}
	params, err := marshalText(res.Params)
	if err != nil {
		return fmt.Errorf("encode the test's target parameters: %w", err)
	}
	u.render(w, http.StatusOK, "test", u.page(sess, "connectors", "Test of "+name, testPage{Connector: name, Result: res, Params: params}))
	return nil
}

func (u *ui) pause(w http.ResponseWriter, r *http.Request, sess *session) error {
	if _, err := u.s.pause(r, r.PathValue("name"), r.PostFormValue("reason"), sess.actor); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/connectors", http.StatusSeeOther)
	return nil
}

func (u *ui) resume(w http.ResponseWriter, r *http.Request, sess *session) error {
	if _, err := u.s.resume(r, r.PathValue("name"), sess.actor); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/connectors", http.StatusSeeOther)
	return nil
}

func (u *ui) routes(w http.ResponseWriter, r *http.Request, sess *session) error {
	u.render(w, http.StatusOK, "routes", u.page(sess, "routes", "Routes", routeViews(u.s.backend.Snapshot())))
	return nil
}

// testerPage is the rule tester's data: the event pasted and what it would
// cause.
type testerPage struct {
	Event   string
	Results []dryRunView
	Problem string
}

func (u *ui) tester(w http.ResponseWriter, r *http.Request, sess *session) error {
	page := testerPage{}
	if r.Method == http.MethodPost {
		page.Event = r.PostFormValue("event")
		snap := u.s.backend.Snapshot()
		events, err := parseEventDocument([]byte(page.Event), u.s.clock.Now(), snap.Config.Ingest.MaxBatch)
		if err != nil {
			page.Problem = err.Error()
		}
		for _, in := range events {
			v, err := u.s.explain(r.Context(), snap, in)
			if err != nil {
				return err
			}
			page.Results = append(page.Results, v)
		}
	}
	if page.Event == "" {
		page.Event = sampleEventText
	}
	u.render(w, http.StatusOK, "tester", u.page(sess, "tester", "Rule tester", page))
	return nil
}

// sampleEventText fills the rule tester on first view: an update that
// changes an issue's status, so the page shows the derived events too.
var sampleEventText = strings.TrimSpace(`
{
  "event_id": "0b6f2c1e-9d8a-4f7b-8c6d-5e4f3a2b1c0d",
  "event_type": "issue.updated",
  "timestamp": "2026-12-01T16:03:10Z",
  "entity_type": "issue",
  "entity_id": "3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b",
  "action": "updated",
  "data": {
    "previous": {"title": "Checkout fails on Safari", "priority": "high", "status": "open"},
    "current": {"title": "Checkout fails on Safari", "priority": "high", "status": "in_progress"}
  }
}`)

// actions serves the audit log with its filters.
func (u *ui) actions(w http.ResponseWriter, r *http.Request, sess *session) error {
	q, filter := formFilters(r.URL.Query())
	f, err := actionFilter(q)
	if err != nil {
		return err
	}
	if q.Get("limit") == "" {
		f.Limit = 100
	}
	items, cursor, err := u.s.actionPage(r.Context(), f)
	if err != nil {
		return err
	}
	next := ""
	if cursor != "" {
		q.Set("cursor", cursor)
		next = "/ui/actions?" + q.Encode()
	}
	data := map[string]any{"Items": items, "Next": next, "Filter": filter, "Actions": auditActions}
	u.render(w, http.StatusOK, "actions", u.page(sess, "actions", "Operator actions", data))
	return nil
}

// formFilters returns the first value of each query parameter that a
// filter form filled in, both as a query and by name for the form to show.
// An empty field is no filter.
func formFilters(query url.Values) (url.Values, map[string]string) {
	q := url.Values{}
	filter := map[string]string{}
	for key, values := range query {
		if len(values) > 0 && values[0] != "" {
			q.Set(key, values[0])
			filter[key] = values[0]
		}
	}
	return q, filter
}

// notices are the confirmations a page shows after an action redirected to
// it; the query names one, so no text of the request is shown.
var notices = map[string]string{
	"retried":   "Retry requested: the delivery is due now. Reload to see the attempt.",
	"replayed":  "Replay requested: the new deliveries are listed below.",
	"cancelled": "Cancelled: the delivery will not be attempted.",
}
