package admin_test

import (
	"net/http"
	"strings"
	"testing"
)

// testCancel holds deliveries by pausing their connector, then cancels one
// by id and the others by filter.
func testCancel(t *testing.T, c *client) {
	c.api("POST", "/api/v1/connectors/hook/pause", map[string]any{"reason": "cancel test"}, http.StatusOK)
	for _, id := range []string{"cancel-1", "cancel-2", "cancel-3"} {
		c.inst.Emit(c.t, id, "issue.created", "i-"+id, map[string]any{"title": "stale"})
	}
	held := map[string]string{}
	c.inst.WaitFor(c.t, "three held deliveries", func() bool {
		var l listing
		c.inst.API(c.t, "GET", "/api/v1/deliveries?status=scheduled&connector=hook", nil).Decode(t, &l)
		for _, item := range l.Items {
			if item["hold_reason"] == "connector_paused" {
				held[item["event_id"].(string)] = item["id"].(string)
			}
		}
		return len(held) == 3
	})

	var d map[string]any
	c.api("POST", "/api/v1/deliveries/"+held["cancel-1"]+"/cancel", map[string]any{"reason": "route retired"}, http.StatusOK).Decode(t, &d)
	if d["status"] != "cancelled" || d["last_error"] != "route retired" || d["hold_reason"] != nil {
		t.Errorf("cancelled delivery = %v, want cancelled with the reason and no hold", d)
	}
	e := c.apiErr("POST", "/api/v1/deliveries/"+held["cancel-1"]+"/cancel", nil, http.StatusConflict, "conflict")
	if !strings.Contains(e.Error, "is cancelled; only a scheduled delivery can be cancelled") {
		t.Errorf("second cancel: %q, want it to say the delivery is cancelled already", e.Error)
	}
	c.apiErr("POST", "/api/v1/deliveries/dlv_x_1/cancel", nil, http.StatusNotFound, "not_found")
	c.apiErr("POST", "/api/v1/deliveries/"+held["cancel-2"]+"/cancel", `{"reason": 5}`, http.StatusBadRequest, "invalid_request")

	t.Run("by filter", func(t *testing.T) {
		c := c.with(t)
		e := c.apiErr("POST", "/api/v1/deliveries/cancel", nil, http.StatusBadRequest, "invalid_request")
		if e.Field != "all" {
			t.Errorf("cancel without a filter: field %q, want all", e.Field)
		}
		var res struct {
			Cancelled    []string `json:"cancelled"`
			NotCancelled []string `json:"not_cancelled"`
			NextCursor   string   `json:"next_cursor"`
		}
		c.api("POST", "/api/v1/deliveries/cancel", map[string]any{"connector": "hook", "event_type": "issue.created", "limit": 1},
			http.StatusOK).Decode(t, &res)
		if len(res.Cancelled) != 1 || len(res.NotCancelled) != 0 || res.NextCursor == "" {
			t.Fatalf("first page = %+v, want one cancelled and a cursor", res)
		}
		c.api("POST", "/api/v1/deliveries/cancel", map[string]any{"connector": "hook", "event_type": "issue.created",
			"cursor": res.NextCursor}, http.StatusOK).Decode(t, &res)
		if len(res.Cancelled) != 1 || res.NextCursor != "" {
			t.Errorf("second page = %+v, want the last one cancelled and no cursor", res)
		}
		for _, id := range []string{"cancel-2", "cancel-3"} {
			if got := c.delivery(held[id])["status"]; got != "cancelled" {
				t.Errorf("%s is %v after the bulk cancel, want cancelled", id, got)
			}
		}
		c.apiErr("POST", "/api/v1/deliveries/cancel", `{"route": "urgent", "colour": "red"}`, http.StatusBadRequest, "invalid_request")
		c.apiErr("POST", "/api/v1/deliveries/cancel", map[string]any{"all": true, "reason": strings.Repeat("x", 501)},
			http.StatusBadRequest, "invalid_request")
	})

	c.api("POST", "/api/v1/connectors/hook/resume", nil, http.StatusOK)
	var actions listing
	c.api("GET", "/api/v1/actions?limit=10", nil, http.StatusOK).Decode(t, &actions)
	var details []string
	for _, a := range actions.Items {
		details = append(details, a["action"].(string)+" "+a["detail"].(string))
	}
	audit := strings.Join(details, "\n")
	for _, want := range []string{"cancel was scheduled, held connector_paused: route retired",
		`cancel_scheduled 1 scheduled delivery (connector="hook" event_type="issue.created"): `} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit lacks %q:\n%s", want, audit)
		}
	}
	if strings.Contains(audit, `=""`) {
		t.Errorf("the audit records a filter that was not given:\n%s", audit)
	}
}
