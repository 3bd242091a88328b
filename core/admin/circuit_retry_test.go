package admin_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// circuitConfig sends issues to hook, which answers 503 until healed, so its
// circuit opens after two failures and stays open for an hour.
var circuitConfig = strings.NewReplacer("mode: ok", "mode: retry", "circuit_cooldown: 1s", "circuit_cooldown: 1h\n  circuit_threshold: 2",
	"max_attempts: 3", "max_attempts: 50", `channel: "${ADMINTEST_CHANNEL}"`, `channel: "#urgent"`).Replace(admintest.Config)

// waitForOpenCircuit sends three issues and waits until hook's circuit is
// open; it returns the id of a delivery that waits for it and has no
// attempt yet.
func (c *client) waitForOpenCircuit() string {
	c.t.Helper()
	for _, id := range []string{"issue-1", "issue-2", "issue-3"} {
		c.inst.Emit(c.t, id, "issue.created", id, map[string]any{"title": id})
	}
	var waiting string
	c.inst.WaitFor(c.t, "the circuit of hook to open", func() bool {
		var conns, scheduled listing
		c.api("GET", "/api/v1/connectors", nil, http.StatusOK).Decode(c.t, &conns)
		c.api("GET", "/api/v1/deliveries?status=scheduled&connector=hook", nil, http.StatusOK).Decode(c.t, &scheduled)
		for _, d := range scheduled.Items {
			if d["attempts"].(float64) == 0 {
				waiting = d["id"].(string)
			}
		}
		for _, conn := range conns.Items {
			if conn["name"] == "hook" && len(conn["open_circuits"].([]any)) > 0 {
				return waiting != ""
			}
		}
		return false
	})
	return waiting
}

// A retry of a delivery whose destination's circuit is open would not send
// it sooner, so it is refused with the circuit and when it ends.
func TestRetryRefusedWhileCircuitOpen(t *testing.T) {
	c := &client{t: t, inst: admintest.Start(t, circuitConfig), produced: map[string]map[int]bool{}}
	id := c.waitForOpenCircuit()

	d := c.delivery(id)
	if d["hold_reason"] != "circuit_open" {
		t.Errorf("delivery behind an open circuit has hold reason %v, want circuit_open", d["hold_reason"])
	}
	if next, err := time.Parse(time.RFC3339Nano, d["next_at"].(string)); err != nil || time.Until(next) < 30*time.Minute {
		t.Errorf("delivery behind an open circuit is due at %v, want the end of the hour's cooldown", d["next_at"])
	}
	e := c.apiErr("POST", "/api/v1/deliveries/"+id+"/retry", nil, http.StatusConflict, "conflict")
	if !strings.Contains(e.Error, "waiting for the circuit of hook until ") {
		t.Errorf("retry behind an open circuit: %q, want the circuit and when it ends", e.Error)
	}
}

// A delivered test send shows the destination answers again: it closes the
// circuit, and the deliveries it held are attempted without waiting for the
// end of the cooldown.
func TestDeliveredTestSendClosesCircuit(t *testing.T) {
	c := &client{t: t, inst: admintest.Start(t, circuitConfig), produced: map[string]map[int]bool{}}
	id := c.waitForOpenCircuit()

	c.inst.Fake.Heal()
	var test map[string]any
	c.api("POST", "/api/v1/connectors/hook/test", map[string]any{"params": map[string]any{"mode": "retry", "channel": "#urgent"}},
		http.StatusOK).Decode(t, &test)
	if test["outcome"] != "delivered" {
		t.Fatalf("test send = %v, want delivered", test)
	}
	c.waitStatus(id, "delivered")
}
