package app_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

const reloadBase = `
server:
  admin_token: "` + admintest.Token + `"
storage:
  dsn: {{DIR}}/switchboard.db
ingest:
  insecure: true
delivery:
  poll_interval: 50ms
connectors:
  hook:
    type: fake
`

// v1 sends issues to hook (route keep) and to old (route dropped).
const reloadV1 = reloadBase + `  old:
    type: fake
routes:
  - name: keep
    events: ["issue.*"]
    to: [{connector: hook, mode: ok}]
  - name: dropped
    events: ["issue.*"]
    template: "dropped {{ .data.current.title }}"
    to: [{connector: old, mode: ok}]
`

// v2 removes the route dropped and the connector old, and adds the route
// added to the new connector fresh; hook is unchanged.
const reloadV2 = reloadBase + `  fresh:
    type: fake
routes:
  - name: keep
    events: ["issue.*"]
    to: [{connector: hook, mode: ok}]
  - name: added
    events: ["issue.*"]
    to: [{connector: fresh, mode: ok}]
`

// broken adds a route whose condition does not compile.
const reloadBroken = reloadV2 + `  - name: broken
    events: ["issue.*"]
    if: "data.current.priority =="
    to: [{connector: hook}]
`

// v3 is v2 with the connector old back, and no route to it.
const reloadV3 = reloadBase + `  fresh:
    type: fake
  old:
    type: fake
routes:
  - name: keep
    events: ["issue.*"]
    to: [{connector: hook, mode: ok}]
  - name: added
    events: ["issue.*"]
    to: [{connector: fresh, mode: ok}]
`

func TestReloadAddsRemovesAndRejects(t *testing.T) {
	inst := admintest.Start(t, reloadV1)
	for _, name := range []string{"hook", "old"} {
		if resp := inst.API(t, "POST", "/api/v1/connectors/"+name+"/pause", nil); resp.Status != http.StatusOK {
			t.Fatalf("pause %s: %d %s", name, resp.Status, resp.Body)
		}
	}
	inst.Emit(t, "issue-a", "issue.created", "a", map[string]any{"title": "before"})
	waitHeld(t, inst, 2)

	configured := inst.Fake.Configured()
	reload(t, inst, reloadV2)
	if got := inst.Fake.Configured() - configured; got != 1 {
		t.Errorf("the reload configured %d instances, want 1 (fresh): hook is unchanged", got)
	}

	// The delivery of the removed route still goes, with its stored target.
	inst.API(t, "POST", "/api/v1/connectors/hook/resume", nil)
	inst.Emit(t, "issue-b", "issue.created", "b", map[string]any{"title": "after"})
	waitDelivered(t, inst, "issue-a", "keep")
	waitDelivered(t, inst, "issue-b", "keep")
	waitDelivered(t, inst, "issue-b", "added")

	// A broken config is rejected whole; the one in force stays.
	admintest.WriteConfig(t, inst.ConfigPath, reloadBroken)
	inst.WaitFor(t, "the broken reload to be rejected", func() bool {
		return strings.Contains(reloadError(t, inst), "routes[2].if")
	})
	inst.Emit(t, "issue-c", "issue.created", "c", map[string]any{"title": "while broken"})
	waitDelivered(t, inst, "issue-c", "added")
	var routes struct{ Items []map[string]any }
	inst.API(t, "GET", "/api/v1/routes", nil).Decode(t, &routes)
	if len(routes.Items) != 2 {
		t.Errorf("routes in force after the rejected reload = %d, want the 2 of v2", len(routes.Items))
	}

	// The delivery to the removed connector was held, not dropped: with the
	// connector back it goes, rendered by the removed route's template.
	reload(t, inst, reloadV3)
	inst.API(t, "POST", "/api/v1/connectors/old/resume", nil)
	d := waitDelivered(t, inst, "issue-a", "dropped")
	if d.Message != "dropped before" {
		t.Errorf("message of the removed route = %q, want its template's output", d.Message)
	}

	inst.WaitFor(t, "every outcome to be stored", func() bool {
		var l struct{ Items []map[string]any }
		inst.API(t, "GET", "/api/v1/deliveries?status=scheduled", nil).Decode(t, &l)
		return len(l.Items) == 0
	})
	var lost struct{ Items []map[string]any }
	for _, status := range []string{"dead", "skipped", "cancelled"} {
		inst.API(t, "GET", "/api/v1/deliveries?status="+status, nil).Decode(t, &lost)
		if len(lost.Items) != 0 {
			t.Errorf("%d deliveries are %s, want every delivery delivered: %v", len(lost.Items), status, lost.Items)
		}
	}
}

// reload writes config and waits until it is in force.
func reload(t *testing.T, inst *admintest.Instance, config string) {
	t.Helper()
	var before map[string]any
	inst.API(t, "GET", "/api/v1/status", nil).Decode(t, &before)
	admintest.WriteConfig(t, inst.ConfigPath, config)
	inst.WaitFor(t, "the reload", func() bool {
		var st map[string]any
		inst.API(t, "GET", "/api/v1/status", nil).Decode(t, &st)
		return st["loaded_at"] != before["loaded_at"] && st["reload_error"] == nil
	})
}

func waitHeld(t *testing.T, inst *admintest.Instance, n int) {
	t.Helper()
	inst.WaitFor(t, "the held deliveries", func() bool {
		var l struct{ Items []map[string]any }
		inst.API(t, "GET", "/api/v1/deliveries?status=scheduled", nil).Decode(t, &l)
		held := 0
		for _, d := range l.Items {
			if d["hold_reason"] == "connector_paused" {
				held++
			}
		}
		return held == n
	})
}

func waitDelivered(t *testing.T, inst *admintest.Instance, eventID, route string) admintest.Delivered {
	t.Helper()
	var found admintest.Delivered
	inst.WaitFor(t, eventID+" through "+route, func() bool {
		for _, d := range inst.Fake.Deliveries() {
			if d.EventID == eventID && d.Route == route {
				found = d
				return true
			}
		}
		return false
	})
	return found
}

func TestReloadRejectsShortAdminToken(t *testing.T) {
	inst := admintest.Start(t, reloadV1)
	short := strings.Replace(reloadV1, admintest.Token, "short", 1)

	admintest.WriteConfig(t, inst.ConfigPath, short)
	inst.WaitFor(t, "the reload with a short admin token to be rejected", func() bool {
		return strings.Contains(reloadError(t, inst), "server.admin_token: the admin token has 5 characters")
	})
}

func TestReloadErrorClearedWhenFileRestored(t *testing.T) {
	inst := admintest.Start(t, reloadV1)
	moved := inst.ConfigPath + ".moved"
	if err := os.Rename(inst.ConfigPath, moved); err != nil {
		t.Fatal(err)
	}
	if err := inst.App.ReloadConfig(context.Background()); err == nil {
		t.Fatal("ReloadConfig without the config file succeeded, want an error")
	}
	if reloadError(t, inst) == "" {
		t.Fatal("GET /api/v1/status after the failed reload has no reload_error")
	}

	if err := os.Rename(moved, inst.ConfigPath); err != nil {
		t.Fatal(err)
	}
	inst.WaitFor(t, "the reload error to clear", func() bool { return reloadError(t, inst) == "" })
}

// reloadError returns the reload_error of GET /api/v1/status, or "".
func reloadError(t *testing.T, inst *admintest.Instance) string {
	t.Helper()
	var st map[string]any
	inst.API(t, "GET", "/api/v1/status", nil).Decode(t, &st)
	msg, _ := st["reload_error"].(string)
	return msg
}

func TestReloadErrorHidesReferencedValues(t *testing.T) {
	t.Setenv("OP_HDR_SECRET", "HDRSEC-m1n2b3v4c5x6")
	inst := admintest.Start(t, reloadV1)
	broken := reloadV1 + `  - name: unquoted
    events: ["issue.*"]
    if: 'data.current.priority == ${OP_HDR_SECRET}'
    to: [{connector: hook}]
`
	admintest.WriteConfig(t, inst.ConfigPath, broken)
	inst.WaitFor(t, "the reload to be rejected", func() bool { return strings.Contains(reloadError(t, inst), "routes[2].if") })
	for _, where := range []struct{ name, text string }{{"reload_error", reloadError(t, inst)}, {"log", inst.LogText()}} {
		for _, piece := range []string{"HDRSEC", "m1n2b3v4c5x6"} {
			if strings.Contains(where.text, piece) {
				t.Errorf("the %s shows %q of the ${OP_HDR_SECRET} value:\n%s", where.name, piece, where.text)
			}
		}
	}
}

func TestPausedGaugeLeavesRemovedConnector(t *testing.T) {
	inst := admintest.Start(t, reloadV1)
	if resp := inst.API(t, "POST", "/api/v1/connectors/old/pause", nil); resp.Status != http.StatusOK {
		t.Fatalf("pause old: %d %s", resp.Status, resp.Body)
	}
	const gauge = `switchboard_connector_paused{connector="old"} 1`
	if !strings.Contains(scrapeMetrics(t, inst), gauge) {
		t.Fatalf("the paused connector old has no gauge")
	}
	reload(t, inst, reloadV2)
	if metrics := scrapeMetrics(t, inst); strings.Contains(metrics, `connector="old"`) {
		t.Errorf("after old left the config, /metrics still reports it:\n%s", metrics)
	}
}

func scrapeMetrics(t *testing.T, inst *admintest.Instance) string {
	t.Helper()
	resp := inst.Do(t, "GET", "/metrics", "", nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /metrics = %d", resp.Status)
	}
	return string(resp.Body)
}
