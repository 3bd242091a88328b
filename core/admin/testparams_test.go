package admin_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// testSendParams sends a test with params of its own: the connector gets
// them as untrusted, so their addresses go through the network guard, and
// the audit log records them with the URL cut to its host.
func testSendParams(t *testing.T, c *client) {
	params := map[string]any{"mode": "ok", "channel": "#ops", "url": "http://10.0.0.1/hooks/T0/secret-path"}
	c.api("POST", "/api/v1/connectors/hook/test", map[string]any{"params": params}, http.StatusOK)
	sent := c.inst.Fake.Deliveries()
	last := sent[len(sent)-1]
	if last.Route != "test" || !slices.Equal(last.Untrusted, []string{"channel", "mode", "url"}) {
		t.Errorf("test send delivered %+v, want every param untrusted", last)
	}
	c.api("POST", "/api/v1/connectors/hook/test", nil, http.StatusOK)
	if sent = c.inst.Fake.Deliveries(); len(sent[len(sent)-1].Untrusted) != 0 {
		t.Errorf("a test with the config's params marked %v untrusted, want none", sent[len(sent)-1].Untrusted)
	}

	var actions listing
	c.api("GET", "/api/v1/actions?limit=2", nil, http.StatusOK).Decode(t, &actions)
	withParams := actions.Items[1]["detail"].(string)
	if !strings.Contains(withParams, `"url":"http://10.0.0.1/…"`) || !strings.Contains(withParams, `"channel":"#ops"`) ||
		strings.Contains(withParams, "secret-path") {
		t.Errorf("audit of the test with params = %q, want the params with the URL cut to its host", withParams)
	}
	if configured := actions.Items[0]["detail"].(string); !strings.Contains(configured, `"channel":"<secret>"`) ||
		!strings.Contains(configured, "the first route target's") {
		t.Errorf("audit of the test with the config's params = %q, want them redacted and named", configured)
	}

	e := c.apiErr("POST", "/api/v1/connectors/hook/test", map[string]any{"params": map[string]any{"channel": admintest.Token}},
		http.StatusBadRequest, "invalid_request")
	if e.Field != "params" || strings.Contains(e.Error, admintest.Token) {
		t.Errorf("test with the token in the params: %+v, want 400 naming params", e)
	}
	e = c.apiErr("POST", "/api/v1/connectors/hook/test", map[string]any{"params": map[string]any{admintest.Token: "x"}},
		http.StatusBadRequest, "invalid_request")
	if strings.Contains(e.Error, admintest.Token) {
		t.Errorf("test with the token as a param name: %+v, want 400 that does not repeat it", e)
	}
}

// testSendDeclaredParams sends tests whose params do not match the ones the
// connector declares. Each is rejected before it reaches the connector.
func testSendDeclaredParams(t *testing.T, c *client) {
	for _, tc := range []struct {
		name    string
		params  map[string]any
		message string
	}{
		{"unknown close to a name", map[string]any{"chanel": "#ops"},
			`params: unknown parameter "chanel"; did you mean "channel"? Connector type fake takes: mode, channel, url, mentions.`},
		{"unknown", map[string]any{"colour": "red"},
			`params: unknown parameter "colour"; connector type fake takes: mode, channel, url, mentions`},
		{"number for a string", map[string]any{"channel": 5},
			"params: want a string for parameter channel of connector type fake"},
		{"object in a list", map[string]any{"mentions": []any{"ana", map[string]any{}}},
			"params: want a string or a list of strings for parameter mentions of connector type fake"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(c.inst.Fake.Deliveries())
			e := c.with(t).apiErr("POST", "/api/v1/connectors/hook/test", map[string]any{"params": tc.params},
				http.StatusBadRequest, "invalid_request")
			if e.Field != "params" || e.Error != tc.message {
				t.Errorf("error = %+v, want field params and %q", e, tc.message)
			}
			if after := len(c.inst.Fake.Deliveries()); after != before {
				t.Errorf("the rejected test reached the connector: %d deliveries, want %d", after, before)
			}
		})
	}

	c.api("POST", "/api/v1/connectors/hook/test", map[string]any{"params": map[string]any{"mode": "ok", "mentions": []any{"ana", "ben"}}}, http.StatusOK)
	sent := c.inst.Fake.Deliveries()
	if got := sent[len(sent)-1].Params.Strings("mentions"); !slices.Equal(got, []string{"ana", "ben"}) {
		t.Errorf("test with a list param delivered mentions %v, want ana and ben", got)
	}
}
