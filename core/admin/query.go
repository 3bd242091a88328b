package admin

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// Bounds of the limit query parameter.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// knownQuery lists the query parameters each listing accepts, so that a typo
// is an error rather than a filter silently left out.
var knownQuery = map[string][]string{
	"deliveries": {"status", "route", "connector", "event_type", "event_id", "since", "until", "cursor", "limit"},
	"events":     {"type", "entity_type", "entity_id", "since", "until", "cursor", "limit"},
	"actions":    {"actor", "action", "since", "until", "cursor", "limit"},
}

// checkKnown rejects a query parameter the listing does not take, and one
// given more than once: the API never combines several values of one
// filter, so a script that passes two gets an error instead of one of them.
func checkKnown(q url.Values, listing string) error {
	allowed := knownQuery[listing]
	for key, values := range q {
		if key == "" {
			return invalid("", "the query has a parameter without a name; write each as name=value")
		}
		if !slices.Contains(allowed, key) {
			return invalid(key, "unknown query parameter %q; %s accept %s", key, listing, strings.Join(allowed, ", "))
		}
		if len(values) > 1 {
			return invalid(key, "query parameter %s is given %d times; give it once, and make one request for each value", key, len(values))
		}
	}
	return nil
}

// deliveryFilter reads the filters of GET /api/v1/deliveries (and of the
// bulk retry's body, given as the same keys).
func deliveryFilter(q url.Values) (store.DeliveryFilter, error) {
	if err := checkKnown(q, "deliveries"); err != nil {
		return store.DeliveryFilter{}, err
	}
	f := store.DeliveryFilter{Route: q.Get("route"), Connector: q.Get("connector"), EventType: q.Get("event_type"),
		EventID: q.Get("event_id")}
	if status := q.Get("status"); status != "" {
		state := store.State(status)
		if !knownState(state) {
			return f, invalid("status", "unknown status %q; use scheduled, delivered, dead, skipped or cancelled", status)
		}
		f.State = state
	}
	page, err := pageParams(q)
	f.CreatedAfter, f.CreatedBefore, f.BeforeID, f.Limit = page.since, page.until, page.cursor, page.limit
	return f, err
}

func knownState(s store.State) bool {
	switch s {
	case store.StateScheduled, store.StateDelivered, store.StateDead, store.StateSkipped, store.StateCancelled:
		return true
	}
	return false
}

// eventFilter reads the filters of GET /api/v1/events.
func eventFilter(q url.Values) (store.EventFilter, error) {
	if err := checkKnown(q, "events"); err != nil {
		return store.EventFilter{}, err
	}
	f := store.EventFilter{EventType: q.Get("type"), EntityType: q.Get("entity_type"), EntityID: q.Get("entity_id")}
	page, err := pageParams(q)
	f.ReceivedAfter, f.ReceivedBefore, f.BeforeSeq, f.Limit = page.since, page.until, page.cursor, page.limit
	return f, err
}

// auditActions are the actions the audit log records. The action filter
// takes only these, and record rejects any other, so the two stay in step.
var auditActions = []string{"retry", "retry_dead", "cancel", "cancel_scheduled", "replay", "pause", "resume", "test", "backup"}

// actionFilter reads the filters of GET /api/v1/actions.
func actionFilter(q url.Values) (store.ActionFilter, error) {
	if err := checkKnown(q, "actions"); err != nil {
		return store.ActionFilter{}, err
	}
	f := store.ActionFilter{Actor: q.Get("actor"), Action: q.Get("action")}
	if f.Action != "" && !slices.Contains(auditActions, f.Action) {
		return f, invalid("action", "unknown action %q; use one of %s", f.Action, strings.Join(auditActions, ", "))
	}
	page, err := pageParams(q)
	f.After, f.Before, f.BeforeID, f.Limit = page.since, page.until, page.cursor, page.limit
	return f, err
}

// pageQuery is the part of a listing's query that every listing takes: a time
// range (since inclusive, until exclusive), the cursor and the page size.
type pageQuery struct {
	since, until time.Time
	cursor       int64
	limit        int
}

// pageParams reads since, until, cursor and limit, in that order, and
// rejects a range whose start is after its end.
func pageParams(q url.Values) (pageQuery, error) {
	var p pageQuery
	var err error
	if p.since, err = timeParam(q, "since"); err != nil {
		return p, err
	}
	if p.until, err = timeParam(q, "until"); err != nil {
		return p, err
	}
	if err := checkRange(p.since, p.until); err != nil {
		return p, err
	}
	if p.cursor, err = cursorParam(q); err != nil {
		return p, err
	}
	p.limit, err = limitParam(q)
	return p, err
}

func timeParam(q url.Values, name string) (time.Time, error) {
	text := q.Get(name)
	if text == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return time.Time{}, invalid(name, "%s %q is not an RFC 3339 time; write it like 2026-12-01T16:00:00Z", name, text)
	}
	return t, nil
}

// checkRange rejects a time range whose start (since, inclusive) is after
// its end (until, exclusive). Equal bounds are an empty range, not an error.
func checkRange(since, until time.Time) error {
	if !since.IsZero() && !until.IsZero() && since.After(until) {
		return invalid("since", "since %s is after until %s; swap them, or leave one out", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	return nil
}

// cursorParam reads the cursor a previous page returned as next_cursor.
func cursorParam(q url.Values) (int64, error) {
	text := q.Get("cursor")
	if text == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n <= 0 {
		return 0, invalid("cursor", "cursor %q is not one this API returned; pass next_cursor from the previous page", text)
	}
	return n, nil
}

func limitParam(q url.Values) (int, error) {
	text := q.Get("limit")
	if text == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 1 || n > maxLimit {
		return 0, invalid("limit", "limit must be an integer between 1 and %d, not %q", maxLimit, text)
	}
	return n, nil
}

// trimPage trims found, queried with one item more than limit, to limit.
// It returns the cursor of the next page, which is the key of the last item
// kept when the extra item was found. An empty cursor means the last page.
func trimPage[T any](found []T, limit int, key func(T) int64) ([]T, string) {
	if len(found) <= limit {
		return found, ""
	}
	found = found[:limit]
	return found, strconv.FormatInt(key(found[limit-1]), 10)
}

// deliveryPage returns one page of the deliveries that match filter and the
// cursor of the next page.
func (s *server) deliveryPage(ctx context.Context, filter store.DeliveryFilter) ([]*store.Delivery, string, error) {
	limit := filter.Limit
	filter.Limit++
	found, err := s.backend.Store().Deliveries(ctx, filter)
	if filter.EventID != "" && errors.Is(err, store.ErrNotFound) {
		// An unknown event has no deliveries, as an unknown route has none.
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	page, cursor := trimPage(found, limit, func(d *store.Delivery) int64 { return d.ID })
	return page, cursor, nil
}
