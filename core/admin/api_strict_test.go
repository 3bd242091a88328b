package admin_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

func testStrictBodies(t *testing.T, c *client) {
	for _, tc := range []struct {
		name, path, body, field string
		wants                   []string
	}{
		{"trailing object", "/api/v1/deliveries/retry", `{"limit": 5} {"limit": 6}`, "", []string{"more after its JSON object"}},
		{"trailing text", "/api/v1/connectors/hook/pause", `{"reason": "x"} trailing`, "", []string{"more after its JSON object"}},
		{"string for integer", "/api/v1/deliveries/retry", `{"limit": "5"}`, "limit", []string{"limit must be an integer, not a string"}},
		{"fraction for integer", "/api/v1/deliveries/retry", `{"limit": 1.5}`, "limit", []string{"limit must be an integer, not number 1.5"}},
		{"string for object", "/api/v1/connectors/hook/test", `{"params": "x"}`, "params", []string{"params must be an object, not a string"}},
		{"number for string", "/api/v1/events/issue-1/replay", `{"connector": 5}`, "connector", []string{"connector must be a string, not a number"}},
		{"array for body", "/api/v1/connectors/hook/pause", `["x"]`, "", []string{"must be a JSON object, not an array"}},
		{"unknown key", "/api/v1/deliveries/retry", `{"colour": "red"}`, "colour", []string{`unknown key "colour"`, "route, connector, event_type"}},
		{"cut short", "/api/v1/deliveries/retry", `{"limit": 5`, "", []string{"not valid JSON"}},
		{"not json", "/api/v1/deliveries/cancel", `not json`, "", []string{`not a JSON object: it starts with "not json"`}},
		{"key to resume", "/api/v1/connectors/spare/resume", `{"force": true}`, "force", []string{`unknown key "force"`, "takes no body"}},
		{"key to retry", "/api/v1/deliveries/dlv_x_1/retry", `{"now": true}`, "now", []string{`unknown key "now"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := c.with(t)
			e := c.apiErr("POST", tc.path, tc.body, http.StatusBadRequest, "invalid_request")
			if e.Field != tc.field {
				t.Errorf("field = %q, want %q", e.Field, tc.field)
			}
			for _, want := range tc.wants {
				if !strings.Contains(e.Error, want) {
					t.Errorf("error %q lacks %q", e.Error, want)
				}
			}
			if strings.Contains(e.Error, "Go struct") || strings.Contains(e.Error, "Request.") {
				t.Errorf("error %q names Go types", e.Error)
			}
		})
	}
}

// testTooLarge sends a body over 1 MiB to every operation that reads one.
func testTooLarge(t *testing.T, c *client) {
	big := `{"reason": "` + strings.Repeat("x", 1<<20) + `"}`
	for _, path := range []string{"/api/v1/deliveries/retry", "/api/v1/deliveries/cancel", "/api/v1/deliveries/dlv_x_1/cancel",
		"/api/v1/deliveries/dlv_x_1/retry", "/api/v1/events/issue-1/replay", "/api/v1/connectors/hook/test",
		"/api/v1/connectors/hook/pause", "/api/v1/connectors/hook/resume", "/api/v1/dry-run"} {
		if e := c.with(t).apiErr("POST", path, big, http.StatusRequestEntityTooLarge, "too_large"); !strings.Contains(e.Error, "over 1048576 bytes") {
			t.Errorf("POST %s with a body over 1 MiB: %q, want the limit named", path, e.Error)
		}
	}
}

func testStrictQueries(t *testing.T, c *client) {
	for _, tc := range []struct {
		name, path, field, want string
	}{
		{"repeated status", "/api/v1/deliveries?status=dead&status=delivered", "status", "status is given 2 times"},
		{"repeated route", "/api/v1/deliveries?route=a&route=b", "route", "route is given 2 times"},
		{"repeated event type", "/api/v1/events?type=a&type=b", "type", "type is given 2 times"},
		{"text limit", "/api/v1/deliveries?limit=ten", "limit", "limit must be an integer between 1 and 500"},
		{"fraction limit", "/api/v1/actions?limit=2.5", "limit", "limit must be an integer between 1 and 500"},
		{"since after until", "/api/v1/deliveries?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z", "since", "since 2026-12-02T00:00:00Z is after until"},
		{"events since after until", "/api/v1/events?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z", "since", "is after until"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := c.with(t)
			e := c.apiErr("GET", tc.path, nil, http.StatusBadRequest, "invalid_request")
			if e.Field != tc.field || !strings.Contains(e.Error, tc.want) {
				t.Errorf("error = %+v, want field %q and %q", e, tc.field, tc.want)
			}
		})
	}
	t.Run("bulk retry since after until", func(t *testing.T) {
		c := c.with(t)
		body := map[string]any{"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"}
		if e := c.apiErr("POST", "/api/v1/deliveries/retry", body, http.StatusBadRequest, "invalid_request"); e.Field != "since" {
			t.Errorf("field = %q, want since", e.Field)
		}
	})
	t.Run("equal bounds are an empty range", func(t *testing.T) {
		var page listing
		c.with(t).api("GET", "/api/v1/deliveries?since=2026-12-01T00:00:00Z&until=2026-12-01T00:00:00Z", nil, http.StatusOK).Decode(t, &page)
		if len(page.Items) != 0 {
			t.Errorf("items = %d, want 0", len(page.Items))
		}
	})
}

// testAPIPaths checks that every response under /api is the management
// API's JSON, whatever the path or method.
func testAPIPaths(t *testing.T, c *client) {
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/api/v1/deliveries/retry", http.StatusMethodNotAllowed, "POST"},
		{"GET", "/api/v1/events/issue-1/replay", http.StatusMethodNotAllowed, "POST"},
		{"DELETE", "/api/v1/deliveries", http.StatusMethodNotAllowed, "GET"},
		{"PUT", "/api/v1/connectors/hook/pause", http.StatusMethodNotAllowed, "POST"},
		{"GET", "/api", http.StatusNotFound, ""},
		{"GET", "/api/", http.StatusNotFound, ""},
		{"GET", "/api/v2/deliveries", http.StatusNotFound, ""},
		{"GET", "/api/v1/deliveries/", http.StatusNotFound, ""},
		{"GET", "/api/v1//deliveries", http.StatusNotFound, ""},
		{"GET", "/api/v1/./deliveries", http.StatusNotFound, ""},
		{"POST", "/api/v1/events/../deliveries/retry", http.StatusNotFound, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp := c.inst.API(t, tc.method, tc.path, nil)
			var e apiError
			resp.Decode(t, &e)
			if resp.Status != tc.status || e.Error == "" {
				t.Errorf("status %d, error %+v; want %d with a message", resp.Status, e, tc.status)
			}
			if tc.status == http.StatusNotFound && e.Code != "no_endpoint" {
				t.Errorf("code %q, want no_endpoint: the path is wrong, not an id in it", e.Code)
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			if resp.Header.Get("X-Switchboard-API") == "" {
				t.Errorf("no X-Switchboard-API header")
			}
		})
	}
	t.Run("dot segments", func(t *testing.T) {
		for path, hint := range map[string]string{
			"/api/v1/events/../deliveries/retry": "as /api/v1/deliveries/retry",
			"/api/v1/../deliveries":              "docs/openapi/admin.yaml lists",
		} {
			var e apiError
			c.inst.API(t, "POST", path, nil).Decode(t, &e)
			if !strings.Contains(e.Error, hint) || strings.Contains(e.Error, "as /api/deliveries") {
				t.Errorf("POST %s: %q, want %q and no path that is not served", path, e.Error, hint)
			}
		}
	})
	t.Run("without a token", func(t *testing.T) {
		for _, path := range []string{"/api", "/api/v1//deliveries", "/api/v1/deliveries/retry"} {
			resp := c.inst.Do(t, "GET", path, "", nil)
			if resp.Status != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("GET %s without a token = %d %s, want a JSON 401", path, resp.Status, resp.Header.Get("Content-Type"))
			}
		}
	})
	t.Run("every answer names the API", func(t *testing.T) {
		resp := c.inst.API(t, "GET", "/api/v1/status", nil)
		if resp.Header.Get("X-Switchboard-API") != "admin/v1" {
			t.Errorf("X-Switchboard-API = %q, want admin/v1", resp.Header.Get("X-Switchboard-API"))
		}
	})
}

var fingerprintActor = regexp.MustCompile(`^admin:[0-9a-f]{8}$`)

func testActor(t *testing.T, c *client) {
	t.Run("named by the token's fingerprint", func(t *testing.T) {
		for _, action := range []string{"pause", "resume"} {
			if resp := c.inst.DoAs(t, "POST", "/api/v1/connectors/spare/"+action, admintest.Token, "", nil); resp.Status != http.StatusOK {
				t.Fatalf("%s = %d: %s", action, resp.Status, resp.Body)
			}
		}
		var l listing
		c.api("GET", "/api/v1/actions?limit=2", nil, http.StatusOK).Decode(t, &l)
		for _, a := range l.Items {
			actor, _ := a["actor"].(string)
			if !fingerprintActor.MatchString(actor) {
				t.Errorf("action %v: actor %q, want admin:<8 hex digits>", a["action"], actor)
			}
		}
	})
	t.Run("no token in a reason", func(t *testing.T) {
		for path, body := range map[string]map[string]any{
			"/api/v1/connectors/spare/pause": {"reason": "token is " + admintest.Token},
			"/api/v1/deliveries/cancel":      {"reason": "token is " + admintest.Token, "all": true},
		} {
			e := c.with(t).apiErr("POST", path, body, http.StatusBadRequest, "invalid_request")
			if e.Field != "reason" || strings.Contains(e.Error, admintest.Token) {
				t.Errorf("POST %s with the token in the reason: %+v, want 400 naming reason, without the token", path, e)
			}
		}
		var spare map[string]any
		c.api("GET", "/api/v1/connectors/spare", nil, http.StatusOK).Decode(t, &spare)
		if spare["status"] != "ok" {
			t.Errorf("spare after the rejected pause = %v, want ok: nothing paused", spare)
		}
	})
	t.Run("never the token", func(t *testing.T) {
		for _, name := range []string{admintest.Token, "me " + admintest.Token} {
			resp := c.inst.DoAs(t, "POST", "/api/v1/deliveries/retry", admintest.Token, name, nil)
			var e apiError
			resp.Decode(t, &e)
			if resp.Status != http.StatusBadRequest || e.Field != "X-Switchboard-Actor" || strings.Contains(e.Error, admintest.Token) {
				t.Errorf("actor %q: %d %+v, want 400 naming the header, without the token", name, resp.Status, e)
			}
		}
	})
}

// checkTokenNowhere fails when the admin token shows in the audit log or in
// the instance's log.
func checkTokenNowhere(t *testing.T, c *client) {
	var l listing
	c.api("GET", "/api/v1/actions?limit=500", nil, http.StatusOK).Decode(t, &l)
	for _, a := range l.Items {
		for key, value := range a {
			if text, _ := value.(string); strings.Contains(text, admintest.Token) {
				t.Errorf("audit entry %v shows the admin token in %s", a, key)
			}
		}
	}
	if strings.Contains(c.inst.LogText(), admintest.Token) {
		t.Errorf("the log shows the admin token")
	}
}
