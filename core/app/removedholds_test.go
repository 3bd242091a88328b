package app_test

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// removedBase retries fast, so that a delivery that fails meets the reload
// within a fraction of a second.
const removedBase = `
server:
  admin_token: "` + admintest.Token + `"
storage:
  dsn: {{STORE}}
ingest:
  insecure: true
delivery:
  poll_interval: 50ms
  min_backoff: 20ms
  max_backoff: 50ms
  max_attempts: 1000
  circuit_threshold: 1000
connectors:
  hook:
    type: fake
`

// removedWith has the connector flaky, whose target keeps asking for a
// retry; removedWithout leaves it out of the config.
const (
	removedWith = removedBase + `  flaky:
    type: fake
routes:
  - name: flaky
    events: ["issue.*"]
    to: [{connector: flaky, mode: retry}]
`
	removedWithout = removedBase + `routes:
  - name: keep
    events: ["issue.*"]
    to: [{connector: hook, mode: ok}]
`
)

// TestRemovedConnectorHoldEndsWhenItReturns removes a connector while its
// delivery waits for a retry, so the delivery is held connector_removed,
// and brings it back by a reload and by a restart. Either way the hold ends
// at once rather than at the delivery's next check a minute later.
func TestRemovedConnectorHoldEndsWhenItReturns(t *testing.T) {
	storePath := t.TempDir() + "/switchboard.db"
	config := func(text string) string { return strings.ReplaceAll(text, "{{STORE}}", storePath) }

	inst := admintest.Start(t, config(removedWith))
	inst.Emit(t, "issue-r", "issue.created", "r", map[string]any{"title": "flaky"})
	id := waitAttempted(t, inst)
	reload(t, inst, config(removedWithout))
	waitHoldReason(t, inst, id, "connector_removed")
	var held map[string]any
	inst.API(t, "GET", "/api/v1/deliveries/"+id, nil).Decode(t, &held)
	if held["last_error"] != "503 Service Unavailable" {
		t.Errorf("held delivery's last_error = %v, want the last attempt's 503 kept", held["last_error"])
	}

	reload(t, inst, config(removedWith))
	waitHoldReason(t, inst, id, "")

	reload(t, inst, config(removedWithout))
	waitHoldReason(t, inst, id, "connector_removed")
	inst.Stop()

	restarted := admintest.Start(t, config(removedWith))
	waitHoldReason(t, restarted, id, "")
}

// waitAttempted waits for the flaky route's delivery to have an attempt and
// returns its id.
func waitAttempted(t *testing.T, inst *admintest.Instance) string {
	t.Helper()
	var id string
	inst.WaitFor(t, "an attempt of the flaky delivery", func() bool {
		var l struct{ Items []map[string]any }
		inst.API(t, "GET", "/api/v1/deliveries?route=flaky", nil).Decode(t, &l)
		if len(l.Items) == 1 && l.Items[0]["attempts"].(float64) > 0 {
			id = l.Items[0]["id"].(string)
			return true
		}
		return false
	})
	return id
}

// waitHoldReason waits until the delivery's hold reason is reason, "" for
// none.
func waitHoldReason(t *testing.T, inst *admintest.Instance, id, reason string) {
	t.Helper()
	inst.WaitFor(t, id+" with hold reason "+reason, func() bool {
		var d map[string]any
		inst.API(t, "GET", "/api/v1/deliveries/"+id, nil).Decode(t, &d)
		got, _ := d["hold_reason"].(string)
		return d["status"] == "scheduled" && got == reason
	})
}
