package admin_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// A retry of a delivery whose destination's circuit is open would not send
// it sooner, so it is refused with the circuit and when it ends.
func TestRetryRefusedWhileCircuitOpen(t *testing.T) {
	config := strings.NewReplacer("mode: ok", "mode: retry", "circuit_cooldown: 1s", "circuit_cooldown: 1h\n  circuit_threshold: 2",
		"max_attempts: 3", "max_attempts: 50",
		`channel: "${ADMINTEST_CHANNEL}"`, `channel: "#urgent"`).Replace(admintest.Config)
	c := &client{t: t, inst: admintest.Start(t, config), produced: map[string]map[int]bool{}}
	for _, id := range []string{"issue-1", "issue-2", "issue-3"} {
		c.inst.Emit(t, id, "issue.created", id, map[string]any{"title": id})
	}

	var waiting listing
	c.inst.WaitFor(t, "the circuit of hook to open", func() bool {
		var conns struct {
			Items []map[string]any `json:"items"`
		}
		c.api("GET", "/api/v1/connectors", nil, http.StatusOK).Decode(t, &conns)
		c.api("GET", "/api/v1/deliveries?status=scheduled&connector=hook", nil, http.StatusOK).Decode(t, &waiting)
		for _, conn := range conns.Items {
			if conn["name"] == "hook" && conn["open_circuits"] != nil && len(conn["open_circuits"].([]any)) > 0 {
				return len(waiting.Items) > 0
			}
		}
		return false
	})

	id := waiting.Items[0]["id"].(string)
	e := c.apiErr("POST", "/api/v1/deliveries/"+id+"/retry", nil, http.StatusConflict, "conflict")
	if !strings.Contains(e.Error, "waiting for the circuit of hook until ") {
		t.Errorf("retry behind an open circuit: %q, want the circuit and when it ends", e.Error)
	}
}
