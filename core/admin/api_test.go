package admin_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// listing is the shape of every list answer.
type listing struct {
	Items      []map[string]any `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

// apiError is the shape of every error answer.
type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
	Field string `json:"field"`
}

// client wraps an instance and records every answer by operation, so that
// the OpenAPI test can check that each documented status was produced.
type client struct {
	t        *testing.T
	inst     *admintest.Instance
	produced map[string]map[int]bool
}

func newClient(t *testing.T) *client {
	return &client{t: t, inst: admintest.Start(t, ""), produced: map[string]map[int]bool{}}
}

// with returns the client for a subtest, sharing the record of answers.
func (c *client) with(t *testing.T) *client {
	return &client{t: t, inst: c.inst, produced: c.produced}
}

func (c *client) do(method, path, token string, body any, want int) *admintest.Response {
	c.t.Helper()
	resp := c.inst.Do(c.t, method, path, token, body)
	if resp.Status != want {
		c.t.Fatalf("%s %s = %d, want %d: %s", method, path, resp.Status, want, resp.Body)
	}
	// The backup is the store itself, stored targets included.
	if path != "/api/v1/backup" && bytes.Contains(resp.Body, []byte(admintest.Channel)) {
		c.t.Errorf("%s %s shows the value of ${ADMINTEST_CHANNEL}: %s", method, path, resp.Body)
	}
	op := method + " " + operationOf(path)
	if c.produced[op] == nil {
		c.produced[op] = map[int]bool{}
	}
	c.produced[op][resp.Status] = true
	return resp
}

func (c *client) api(method, path string, body any, want int) *admintest.Response {
	c.t.Helper()
	return c.do(method, path, admintest.Token, body, want)
}

// apiErr checks an error answer's status and code.
func (c *client) apiErr(method, path string, body any, want int, code string) apiError {
	c.t.Helper()
	var e apiError
	c.api(method, path, body, want).Decode(c.t, &e)
	if e.Code != code || e.Error == "" {
		c.t.Errorf("%s %s: error %+v, want code %s with a message", method, path, e, code)
	}
	return e
}

// operationOf maps a request path to its documented path template.
func operationOf(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(path, "/")
	if len(parts) >= 5 && parts[1] == "api" {
		switch parts[3] {
		case "events", "deliveries":
			if parts[4] != "retry" && parts[4] != "cancel" {
				parts[4] = "{id}"
			}
		case "connectors":
			parts[4] = "{name}"
		}
	}
	return strings.Join(parts, "/")
}

// deadDelivery makes a comment whose delivery dies at once and returns its id.
func (c *client) deadDelivery(eventID string) string {
	c.t.Helper()
	c.inst.Emit(c.t, eventID, "comment.created", "c-"+eventID, map[string]any{"content": "hello"})
	var id string
	c.inst.WaitFor(c.t, "the delivery to die", func() bool {
		var l listing
		c.inst.API(c.t, "GET", "/api/v1/deliveries?status=dead&event_type=comment.created", nil).Decode(c.t, &l)
		for _, item := range l.Items {
			if item["event_id"] == eventID {
				id = item["id"].(string)
				return true
			}
		}
		return false
	})
	return id
}

func (c *client) delivery(id string) map[string]any {
	c.t.Helper()
	var d map[string]any
	c.api("GET", "/api/v1/deliveries/"+id, nil, http.StatusOK).Decode(c.t, &d)
	return d
}

func (c *client) waitStatus(id, status string) {
	c.t.Helper()
	c.inst.WaitFor(c.t, id+" to be "+status, func() bool {
		var d map[string]any
		c.inst.API(c.t, "GET", "/api/v1/deliveries/"+id, nil).Decode(c.t, &d)
		return d["status"] == status
	})
}

func TestAPI(t *testing.T) {
	c := newClient(t)
	c.inst.Emit(c.t, "issue-1", "issue.created", "i1", map[string]any{"title": "first"})
	c.inst.Emit(c.t, "issue-2", "issue.created", "i2", map[string]any{"title": "second"})
	// The fake records a delivery before the completer stores its outcome,
	// so wait for the store.
	c.inst.WaitFor(c.t, "two stored deliveries", func() bool {
		var page listing
		c.inst.API(c.t, "GET", "/api/v1/deliveries?status=delivered", nil).Decode(c.t, &page)
		return len(page.Items) == 2
	})

	t.Run("auth", func(t *testing.T) { testAuth(t, c.with(t)) })
	t.Run("deliveries", func(t *testing.T) { testDeliveries(t, c.with(t)) })
	t.Run("retry", func(t *testing.T) { testRetry(t, c.with(t)) })
	t.Run("disable on 410", func(t *testing.T) { testDisableOnGone(t, c.with(t)) })
	t.Run("events", func(t *testing.T) { testEvents(t, c.with(t)) })
	t.Run("replay", func(t *testing.T) { testReplay(t, c.with(t)) })
	t.Run("connectors", func(t *testing.T) { testConnectors(t, c.with(t)) })
	t.Run("cancel", func(t *testing.T) { testCancel(t, c.with(t)) })
	t.Run("routes and dry run", func(t *testing.T) { testRoutes(t, c.with(t)) })
	t.Run("actions and status", func(t *testing.T) { testActions(t, c.with(t)) })
	t.Run("backup", func(t *testing.T) { testBackup(t, c.with(t)) })
	t.Run("unknown endpoints", func(t *testing.T) { testUnknown(t, c.with(t)) })
	t.Run("strict bodies", func(t *testing.T) { testStrictBodies(t, c.with(t)) })
	t.Run("bodies too large", func(t *testing.T) { testTooLarge(t, c.with(t)) })
	t.Run("strict queries", func(t *testing.T) { testStrictQueries(t, c.with(t)) })
	t.Run("paths under /api", func(t *testing.T) { testAPIPaths(t, c.with(t)) })
	t.Run("actor", func(t *testing.T) { testActor(t, c.with(t)) })
	// Last: it leaves this address limited for wrong tokens.
	t.Run("every endpoint needs the token", func(t *testing.T) { testEveryEndpointAuth(t, c.with(t)) })
	t.Run("token shown nowhere", func(t *testing.T) { checkTokenNowhere(t, c.with(t)) })
	t.Run("openapi", func(t *testing.T) { checkOpenAPI(t, c.produced) })
}

func testAuth(t *testing.T, c *client) {
	for _, tc := range []struct {
		name, token string
	}{{"missing", ""}, {"wrong", "not-the-admin-token-000000000"}, {"prefix", admintest.Token[:20]}} {
		t.Run(tc.name, func(t *testing.T) {
			c := c.with(t)
			resp := c.do("GET", "/api/v1/deliveries", tc.token, nil, http.StatusUnauthorized)
			var e apiError
			resp.Decode(t, &e)
			if e.Code != "unauthorized" || !strings.Contains(e.Error, "admin token") {
				t.Errorf("error = %+v", e)
			}
			if resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("no WWW-Authenticate header")
			}
		})
	}
	t.Run("basic scheme", func(t *testing.T) {
		req, _ := http.NewRequest("GET", c.inst.AdminURL+"/api/v1/status", nil)
		req.SetBasicAuth("admin", admintest.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e apiError
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("basic auth = %d, want 401", resp.StatusCode)
		}
		if !strings.Contains(e.Error, `"Basic"`) || !strings.Contains(e.Error, "Authorization: Bearer <server.admin_token>") {
			t.Errorf("error %q does not say to use the Bearer scheme instead of Basic", e.Error)
		}
	})
	t.Run("health without token", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
			if resp := c.inst.Do(c.t, "GET", path, "", nil); resp.Status != http.StatusOK {
				t.Errorf("GET %s = %d, want 200", path, resp.Status)
			}
		}
	})
	t.Run("ingest has its own auth", func(t *testing.T) {
		resp, err := http.Get(c.inst.IngestURL + "/api/v1/status")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("the ingest listener serves the management API: %d", resp.StatusCode)
		}
	})
}

func testDeliveries(t *testing.T, c *client) {
	var page listing
	c.api("GET", "/api/v1/deliveries?route=urgent&limit=1", nil, http.StatusOK).Decode(t, &page)
	if len(page.Items) != 1 || page.NextCursor == "" || page.Items[0]["event_id"] != "issue-2" {
		t.Fatalf("first page = %+v, want issue-2 and a cursor", page)
	}
	target := page.Items[0]["target"].(map[string]any)
	if target["channel"] != "<secret>" || target["mode"] != "ok" {
		t.Errorf("target = %v, want the ${...} channel redacted and mode shown", target)
	}
	var rest listing
	c.api("GET", "/api/v1/deliveries?route=urgent&limit=1&cursor="+page.NextCursor, nil, http.StatusOK).Decode(t, &rest)
	if len(rest.Items) != 1 || rest.Items[0]["event_id"] != "issue-1" || rest.NextCursor != "" {
		t.Errorf("second page = %+v, want issue-1 and no cursor: it is the last", rest)
	}
	var full listing
	c.api("GET", "/api/v1/deliveries?route=urgent&limit=2", nil, http.StatusOK).Decode(t, &full)
	if len(full.Items) != 2 || full.NextCursor != "" {
		t.Errorf("a page holding every match = %+v, want 2 items and no cursor", full)
	}

	var filtered listing
	c.api("GET", "/api/v1/deliveries?status=delivered&connector=hook&event_type=issue.created&since=2020-01-01T00:00:00Z", nil, http.StatusOK).Decode(t, &filtered)
	if len(filtered.Items) != 2 {
		t.Errorf("delivered issue deliveries = %d, want 2", len(filtered.Items))
	}
	c.api("GET", "/api/v1/deliveries?until=2020-01-01T00:00:00Z", nil, http.StatusOK).Decode(t, &filtered)
	if len(filtered.Items) != 0 {
		t.Errorf("deliveries before 2020 = %d, want 0", len(filtered.Items))
	}

	for _, tc := range []struct{ query, field string }{
		{"status=lost", "status"}, {"since=yesterday", "since"}, {"limit=0", "limit"}, {"limit=501", "limit"},
		{"cursor=abc", "cursor"}, {"colour=red", "colour"},
	} {
		t.Run("bad "+tc.query, func(t *testing.T) {
			c := c.with(t)
			e := c.apiErr("GET", "/api/v1/deliveries?"+tc.query, nil, http.StatusBadRequest, "invalid_request")
			if e.Field != tc.field {
				t.Errorf("field = %q, want %q", e.Field, tc.field)
			}
		})
	}

	id := page.Items[0]["id"].(string)
	d := c.delivery(id)
	attempts := d["attempt_list"].([]any)
	if len(attempts) != 1 || attempts[0].(map[string]any)["outcome"] != "delivered" {
		t.Errorf("attempts = %v, want one delivered", attempts)
	}
	var none listing
	c.api("GET", "/api/v1/deliveries?event_id=no-such-event", nil, http.StatusOK).Decode(t, &none)
	if len(none.Items) != 0 || none.NextCursor != "" {
		t.Errorf("deliveries of an unknown event = %+v, want an empty page, as for an unknown route", none)
	}
	c.apiErr("GET", "/api/v1/deliveries/dlv_nope_1", nil, http.StatusNotFound, "not_found")
	c.apiErr("GET", "/api/v1/deliveries/"+id+"99", nil, http.StatusNotFound, "not_found")
}

func testRetry(t *testing.T, c *client) {
	id := c.deadDelivery("comment-1")
	d := c.delivery(id)
	if d["last_error"] != "400 Bad Request" || d["attempts"].(float64) != 1 {
		t.Fatalf("dead delivery = %v", d)
	}
	c.inst.Fake.Heal()

	var retried map[string]any
	c.api("POST", "/api/v1/deliveries/"+id+"/retry", nil, http.StatusAccepted).Decode(t, &retried)
	if retried["id"] != id {
		t.Errorf("retry answered %v", retried)
	}
	c.waitStatus(id, "delivered")
	c.apiErr("POST", "/api/v1/deliveries/dlv_x_1/retry", nil, http.StatusNotFound, "not_found")

	t.Run("bulk", func(t *testing.T) {
		c := c.with(t)
		c.inst.Emit(c.t, "note-1", "note.created", "n1", map[string]any{"title": "note"})
		c.inst.WaitFor(c.t, "the note to die", func() bool {
			var l listing
			c.inst.API(c.t, "GET", "/api/v1/deliveries?status=dead&connector=sunset", nil).Decode(t, &l)
			return len(l.Items) == 1
		})
		var res struct {
			Retried    []string          `json:"retried"`
			NotRetried []string          `json:"not_retried"`
			Held       map[string]string `json:"held"`
			NextCursor string            `json:"next_cursor"`
		}
		// The 410 disabled sunset, so a retry would only hold the delivery.
		c.api("POST", "/api/v1/deliveries/retry", map[string]any{"connector": "sunset", "limit": 10}, http.StatusOK).Decode(t, &res)
		if len(res.Retried) != 0 || len(res.NotRetried) != 1 || !strings.Contains(res.Held["sunset"], "connector sunset is paused") {
			t.Errorf("bulk retry of a disabled connector's delivery = %+v, want it not retried, held by the pause", res)
		}
		e := c.apiErr("POST", "/api/v1/deliveries/"+res.NotRetried[0]+"/retry", nil, http.StatusConflict, "conflict")
		if !strings.Contains(e.Error, "was not retried: connector sunset is paused") || !strings.Contains(e.Error, "resume it first") {
			t.Errorf("retry of a disabled connector's delivery: %q, want why it stays held and what to do", e.Error)
		}
		c.api("POST", "/api/v1/connectors/sunset/resume", nil, http.StatusOK)
		c.api("POST", "/api/v1/deliveries/retry", map[string]any{"connector": "sunset", "limit": 10}, http.StatusOK).Decode(t, &res)
		if len(res.Retried) != 1 || res.NextCursor != "" {
			t.Errorf("bulk retry = %+v, want one retried and no next page", res)
		}
		c.apiErr("POST", "/api/v1/deliveries/retry", `{"colour":"red"}`, http.StatusBadRequest, "invalid_request")
		c.apiErr("POST", "/api/v1/deliveries/retry", `{"since":"soon"}`, http.StatusBadRequest, "invalid_request")
		c.apiErr("POST", "/api/v1/deliveries/retry", `not json`, http.StatusBadRequest, "invalid_request")
	})
}

func testEvents(t *testing.T, c *client) {
	var page listing
	c.api("GET", "/api/v1/events?type=issue.created&limit=1", nil, http.StatusOK).Decode(t, &page)
	if len(page.Items) != 1 || page.Items[0]["event_id"] != "issue-2" || page.NextCursor == "" {
		t.Fatalf("events page = %+v", page)
	}
	c.api("GET", "/api/v1/events?entity_type=issue&entity_id=i1", nil, http.StatusOK).Decode(t, &page)
	if len(page.Items) != 1 || page.Items[0]["event_id"] != "issue-1" {
		t.Errorf("events of issue i1 = %+v", page.Items)
	}

	var ev struct {
		EventID    string           `json:"event_id"`
		Payload    map[string]any   `json:"payload"`
		Derived    []any            `json:"derived"`
		Deliveries []map[string]any `json:"deliveries"`
	}
	c.api("GET", "/api/v1/events/issue-1", nil, http.StatusOK).Decode(t, &ev)
	if ev.Payload["entity_id"] != "i1" || len(ev.Deliveries) != 1 || ev.Derived == nil {
		t.Errorf("event = %+v", ev)
	}
	c.apiErr("GET", "/api/v1/events/unknown-event", nil, http.StatusNotFound, "not_found")
	c.apiErr("GET", "/api/v1/events?until=tomorrow", nil, http.StatusBadRequest, "invalid_request")
}

func testReplay(t *testing.T, c *client) {
	before := len(c.inst.Fake.Deliveries())
	var res struct {
		Deliveries []map[string]any `json:"deliveries"`
	}
	c.api("POST", "/api/v1/events/issue-1/replay", nil, http.StatusAccepted).Decode(t, &res)
	if len(res.Deliveries) != 1 || res.Deliveries[0]["route"] != "urgent" {
		t.Fatalf("replay = %+v", res)
	}
	c.api("POST", "/api/v1/events/issue-1/replay", map[string]any{"connector": "spare"}, http.StatusAccepted).Decode(t, &res)
	if len(res.Deliveries) != 1 || res.Deliveries[0]["connector"] != "spare" || res.Deliveries[0]["route"] != "replay" {
		t.Fatalf("replay to spare = %+v", res)
	}
	c.inst.WaitFor(c.t, "the replay to arrive", func() bool { return len(c.inst.Fake.Deliveries()) >= before+2 })

	c.apiErr("POST", "/api/v1/events/unknown-event/replay", nil, http.StatusNotFound, "not_found")
	e := c.apiErr("POST", "/api/v1/events/issue-1/replay", map[string]any{"connector": "nope"}, http.StatusNotFound, "not_found")
	if e.Field != "connector" || !strings.Contains(e.Error, "hook, sunset, spare") {
		t.Errorf("replay to an unknown connector: %+v, want field connector and the connectors listed", e)
	}
	c.apiErr("POST", "/api/v1/events/issue-1/replay", map[string]any{"target": "spare"}, http.StatusBadRequest, "invalid_request")
}

func testConnectors(t *testing.T, c *client) {
	var l listing
	c.api("GET", "/api/v1/connectors", nil, http.StatusOK).Decode(t, &l)
	if len(l.Items) != 3 || l.Items[0]["name"] != "hook" || l.Items[0]["status"] != "ok" || l.Items[0]["success_rate"] == nil {
		t.Fatalf("connectors = %+v", l.Items)
	}
	c.apiErr("GET", "/api/v1/connectors/nope", nil, http.StatusNotFound, "not_found")

	var test map[string]any
	c.api("POST", "/api/v1/connectors/hook/test", nil, http.StatusOK).Decode(t, &test)
	if test["outcome"] != "delivered" || test["status_code"].(float64) != 200 {
		t.Errorf("test send = %v", test)
	}
	if params := test["params"].(map[string]any); params["channel"] != "<secret>" {
		t.Errorf("test send params = %v, want the channel redacted", params)
	}
	c.api("POST", "/api/v1/connectors/hook/test", map[string]any{"params": map[string]any{"mode": "gone"}}, http.StatusOK).Decode(t, &test)
	if test["outcome"] != "permanent" || test["status_code"].(float64) != 410 {
		t.Errorf("test send in gone mode = %v", test)
	}
	c.apiErr("POST", "/api/v1/connectors/nope/test", nil, http.StatusNotFound, "not_found")
	testSendParams(t, c)
	testSendDeclaredParams(t, c)

	var paused map[string]any
	c.api("POST", "/api/v1/connectors/hook/pause", map[string]any{"reason": "maintenance"}, http.StatusOK).Decode(t, &paused)
	if paused["status"] != "paused" || paused["pause_reason"] != "maintenance" || paused["paused_by"] != "tester" {
		t.Errorf("paused = %v", paused)
	}
	e := c.apiErr("POST", "/api/v1/connectors/hook/pause", map[string]any{"reason": "again"}, http.StatusConflict, "conflict")
	if !strings.Contains(e.Error, "already paused") || !strings.Contains(e.Error, "maintenance") {
		t.Errorf("second pause: %q, want it to say the connector is paused and why", e.Error)
	}
	c.inst.Emit(c.t, "issue-held", "issue.created", "i3", map[string]any{"title": "held"})
	var held map[string]any
	c.inst.WaitFor(c.t, "the delivery to be held", func() bool {
		var l listing
		c.inst.API(c.t, "GET", "/api/v1/deliveries?route=urgent&limit=1", nil).Decode(t, &l)
		if len(l.Items) == 1 && l.Items[0]["hold_reason"] == "connector_paused" {
			held = l.Items[0]
			return true
		}
		return false
	})
	if _, ok := held["next_at"]; ok || held["status"] != "scheduled" || held["attempts"].(float64) != 0 {
		t.Errorf("held delivery = %v, want scheduled with no attempt and no next_at", held)
	}
	holds := 0
	for _, line := range strings.Split(c.inst.LogText(), "\n") {
		if !strings.Contains(line, `msg="delivery held"`) {
			continue
		}
		holds++
		if strings.Contains(line, "err=") || strings.Contains(line, "attempt=") || strings.Contains(line, "next_at=") {
			t.Errorf("the log line of a pause's hold has an error, an attempt number or a next_at: %s", line)
		}
	}
	if holds == 0 {
		t.Errorf("no log line for the held delivery")
	}
	c.api("POST", "/api/v1/connectors/hook/resume", nil, http.StatusOK)
	c.inst.WaitFor(c.t, "the held delivery to go", func() bool {
		for _, d := range c.inst.Fake.Deliveries() {
			if d.EventID == "issue-held" {
				return true
			}
		}
		return false
	})
	c.apiErr("POST", "/api/v1/connectors/hook/resume", nil, http.StatusConflict, "conflict")
	c.apiErr("POST", "/api/v1/connectors/nope/pause", nil, http.StatusNotFound, "not_found")
	c.apiErr("POST", "/api/v1/connectors/nope/resume", nil, http.StatusNotFound, "not_found")
	c.apiErr("POST", "/api/v1/connectors/hook/pause", `{"reason": 5}`, http.StatusBadRequest, "invalid_request")
}

func testDisableOnGone(t *testing.T, c *client) {
	c.inst.WaitFor(c.t, "sunset to be disabled", func() bool {
		var s map[string]any
		c.inst.API(c.t, "GET", "/api/v1/connectors/sunset", nil).Decode(t, &s)
		return s["status"] == "disabled"
	})
	var s map[string]any
	c.api("GET", "/api/v1/connectors/sunset", nil, http.StatusOK).Decode(t, &s)
	if !strings.Contains(s["pause_reason"].(string), "410") || s["paused_by"] != "switchboard" {
		t.Errorf("sunset = %v, want disabled by switchboard because of the 410", s)
	}
	c.inst.WaitFor(c.t, "the system event", func() bool {
		var l listing
		c.inst.API(c.t, "GET", "/api/v1/events?type=switchboard.connector_disabled", nil).Decode(t, &l)
		// The bulk retry's test resumed sunset, and the retried delivery's
		// 410 disabled it again.
		return len(l.Items) == 2
	})
	var dead listing
	c.api("GET", "/api/v1/events?type=switchboard.delivery_dead", nil, http.StatusOK).Decode(t, &dead)
	if len(dead.Items) == 0 {
		t.Errorf("no switchboard.delivery_dead event for the dead deliveries")
	}
}

func testRoutes(t *testing.T, c *client) {
	var l listing
	c.api("GET", "/api/v1/routes", nil, http.StatusOK).Decode(t, &l)
	if len(l.Items) != 3 || l.Items[1]["name"] != "broken" || l.Items[1]["template"] != true {
		t.Fatalf("routes = %+v", l.Items)
	}

	event := `{"event_id":"dry-1","event_type":"comment.created","timestamp":"2026-12-01T16:00:00Z",` +
		`"entity_type":"comment","entity_id":"c9","action":"created","data":{"current":{"content":"<b>hi</b>"}}}`
	var res struct {
		Events []struct {
			Routes []struct {
				Route   string           `json:"route"`
				Matched bool             `json:"matched"`
				Reason  string           `json:"reason"`
				Targets []map[string]any `json:"targets"`
			} `json:"routes"`
		} `json:"events"`
	}
	c.api("POST", "/api/v1/dry-run", event, http.StatusOK).Decode(t, &res)
	routes := res.Events[0].Routes
	if len(routes) != 3 || routes[0].Matched || routes[0].Reason == "" || !routes[1].Matched {
		t.Fatalf("decisions = %+v", routes)
	}
	target := routes[1].Targets[0]
	if target["message"] != "comment <b>hi</b>" || !strings.Contains(target["preview"].(string), "SEND channel=#comments") {
		t.Errorf("target = %v", target)
	}
	native := `{"headers":{"X-Webhook-Event":"issue.ready","X-Webhook-Delivery-Id":"n-1"},"body":{"issue":{"id":"i9","title":"t"}}}`
	c.api("POST", "/api/v1/dry-run", native, http.StatusOK).Decode(t, &res)
	if !res.Events[0].Routes[0].Matched {
		t.Errorf("the native issue.ready did not match urgent: %+v", res.Events[0].Routes[0])
	}
	if got := res.Events[0].Routes[0].Targets[0]["params"].(map[string]any)["channel"]; got != "<secret>" {
		t.Errorf("dry run shows channel %v, want <secret>", got)
	}
	c.apiErr("POST", "/api/v1/dry-run", `{"event_type":`, http.StatusBadRequest, "invalid_request")
	for _, tc := range []struct{ body, want string }{
		{"not json", "invalid JSON at byte 0: invalid literal; expected null"},
		{"event_type: issue.created", "invalid JSON at byte 0: unexpected 'e'; expected a JSON value"},
		{`{"event_type": "issue.created",}`, "invalid JSON at byte 31: unexpected '}'; expected a string key in double quotes"},
		{`[{"event_type": "issue.created"}`, "invalid JSON at byte 32 (in events[0]): unexpected end of input"},
	} {
		e := c.apiErr("POST", "/api/v1/dry-run", tc.body, http.StatusBadRequest, "invalid_request")
		if !strings.Contains(e.Error, tc.want) || !strings.Contains(e.Error, "Write the event as JSON: an envelope") {
			t.Errorf("dry run of %q: %q, want %q and what to write", tc.body, e.Error, tc.want)
		}
	}
	c.apiErr("POST", "/api/v1/dry-run", ``, http.StatusBadRequest, "invalid_request")
}

func testActions(t *testing.T, c *client) {
	var l listing
	c.api("GET", "/api/v1/actions?limit=100", nil, http.StatusOK).Decode(t, &l)
	seen := map[string]bool{}
	for _, a := range l.Items {
		if a["actor"] != "tester" {
			t.Errorf("action %v: actor %v, want tester", a["action"], a["actor"])
		}
		seen[a["action"].(string)] = true
	}
	for _, want := range []string{"retry", "retry_dead", "cancel", "cancel_scheduled", "replay", "test", "pause", "resume"} {
		if !seen[want] {
			t.Errorf("no %s in the audit log: %v", want, l.Items)
		}
	}
	c.apiErr("GET", "/api/v1/actions?cursor=-1", nil, http.StatusBadRequest, "invalid_request")
	testActionFilters(t, c, l.Items)

	var st map[string]any
	c.api("GET", "/api/v1/status", nil, http.StatusOK).Decode(t, &st)
	if st["version"] != "test" || st["ready"] != true || st["config_file"] != c.inst.ConfigPath {
		t.Errorf("status = %v", st)
	}
}

// testActionFilters lists the audit log with filters and checks each page
// against all entries, filtered here.
func testActionFilters(t *testing.T, c *client, all []map[string]any) {
	every := func(map[string]any) bool { return true }
	nothing := func(map[string]any) bool { return false }
	isAction := func(name string) func(map[string]any) bool {
		return func(a map[string]any) bool { return a["action"] == name }
	}
	for _, tc := range []struct {
		query string
		keep  func(map[string]any) bool
	}{
		{"actor=tester", every},
		{"actor=nobody", nothing},
		{"action=pause", isAction("pause")},
		{"actor=tester&action=resume", isAction("resume")},
		{"since=2020-01-01T00:00:00Z", every},
		{"until=2020-01-01T00:00:00Z", nothing},
		{"since=2999-01-01T00:00:00Z&action=retry", nothing},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var l listing
			c.with(t).api("GET", "/api/v1/actions?limit=100&"+tc.query, nil, http.StatusOK).Decode(t, &l)
			want := slices.DeleteFunc(slices.Clone(all), func(a map[string]any) bool { return !tc.keep(a) })
			if len(l.Items) != len(want) || (len(want) > 0 && !reflect.DeepEqual(l.Items, want)) {
				t.Errorf("entries = %v\nwant %v", l.Items, want)
			}
		})
	}

	for _, tc := range []struct{ query, field, message string }{
		{"action=restart", "action", `unknown action "restart"; use one of retry, retry_dead, cancel`},
		{"since=yesterday", "since", `since "yesterday" is not an RFC 3339 time`},
		{"until=2026-12-01", "until", "write it like 2026-12-01T16:00:00Z"},
		{"since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z", "since", "swap them"},
		{"limit=501", "limit", "between 1 and 500"},
		{"actor=a&actor=b", "actor", "given 2 times"},
		{"who=tester", "who", "actions accept actor, action, since, until"},
	} {
		t.Run("bad "+tc.query, func(t *testing.T) {
			e := c.with(t).apiErr("GET", "/api/v1/actions?"+tc.query, nil, http.StatusBadRequest, "invalid_request")
			if e.Field != tc.field {
				t.Errorf("field = %q, want %q", e.Field, tc.field)
			}
			if !strings.Contains(e.Error, tc.message) {
				t.Errorf("message %q lacks %q", e.Error, tc.message)
			}
		})
	}
}

func testBackup(t *testing.T, c *client) {
	resp := c.api("GET", "/api/v1/backup", nil, http.StatusOK)
	if !bytes.HasPrefix(resp.Body, []byte("SQLite format 3\x00")) {
		t.Errorf("backup starts with %q, want an SQLite file", resp.Body[:min(16, len(resp.Body))])
	}
}

func testUnknown(t *testing.T, c *client) {
	resp := c.inst.API(c.t, "DELETE", "/api/v1/deliveries", nil)
	if resp.Status != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET" {
		t.Errorf("DELETE /api/v1/deliveries = %d, Allow %q; want 405 and GET", resp.Status, resp.Header.Get("Allow"))
	}
	if resp := c.inst.API(c.t, "GET", "/api/v1/nothing", nil); resp.Status != http.StatusNotFound {
		t.Errorf("GET /api/v1/nothing = %d, want 404", resp.Status)
	}
	if resp := c.inst.Do(c.t, "GET", "/api/v1/nothing", "", nil); resp.Status != http.StatusUnauthorized {
		t.Errorf("an unknown path without token = %d, want 401", resp.Status)
	}
}

// testEveryEndpointAuth sends every operation without a token and with a
// wrong one. Wrong tokens from one address get 401 until the limit of a
// window, then 429; the loop goes on until every operation got both, and the
// log has at most two lines about them per window.
func testEveryEndpointAuth(t *testing.T, c *client) {
	ops := documented(t)
	paths := map[string]string{}
	for op := range ops {
		method, path, _ := strings.Cut(op, " ")
		paths[op] = strings.NewReplacer("{id}", "x", "{name}", "hook").Replace(path)
		var e apiError
		c.do(method, paths[op], "", nil, http.StatusUnauthorized).Decode(t, &e)
		if e.Code != "unauthorized" {
			t.Errorf("%s without a token: code %q, want unauthorized", op, e.Code)
		}
	}

	got := map[string]map[int]bool{}
	limited := func() bool {
		for op := range ops {
			if !got[op][http.StatusTooManyRequests] {
				return false
			}
		}
		return true
	}
	for round := 0; round < 10 && !limited(); round++ {
		for op := range ops {
			method, _, _ := strings.Cut(op, " ")
			resp := c.inst.Do(t, method, paths[op], "wrong-token-wrong-token-wrong", nil)
			var e apiError
			resp.Decode(t, &e)
			switch {
			case resp.Status == http.StatusUnauthorized && e.Code == "unauthorized":
			case resp.Status == http.StatusTooManyRequests && e.Code == "rate_limited" && resp.Header.Get("Retry-After") != "":
			default:
				t.Fatalf("%s with a wrong token = %d %+v, want 401 or 429 with Retry-After", op, resp.Status, e)
			}
			if got[op] == nil {
				got[op] = map[int]bool{}
			}
			got[op][resp.Status] = true
			c.produced[op][resp.Status] = true
		}
	}
	for op := range ops {
		if !got[op][http.StatusTooManyRequests] {
			t.Errorf("%s never answered 429 to repeated wrong tokens", op)
		}
	}

	// The right token is still served from the limited address.
	c.api("GET", "/api/v1/status", nil, http.StatusOK)
	if n := strings.Count(c.inst.LogText(), "management request with an invalid admin token"); n == 0 || n > 4 {
		t.Errorf("the log has %d lines about invalid admin tokens, want 1 to 4 (two per window)", n)
	}
}
