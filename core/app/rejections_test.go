package app_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

const rejectConfig = reloadBase + `routes:
  - name: gone
    events: ["issue.*"]
    to: [{connector: hook, mode: reject, channel: "#gone"}]
`

func TestOperatorActionsForgetRejections(t *testing.T) {
	inst := admintest.Start(t, rejectConfig)
	inst.Emit(t, "issue-1", "issue.created", "i1", map[string]any{"title": "first"})
	inst.Emit(t, "issue-2", "issue.created", "i2", map[string]any{"title": "second"})
	dead := waitDead(t, inst, 2)
	if sent := inst.Fake.RejectSent(); sent != 1 {
		t.Fatalf("the fake received %d requests, want 1: the second delivery is failed without one", sent)
	}

	var hook struct {
		Status     string   `json:"status"`
		Rejections []string `json:"rejected_destinations"`
	}
	inst.API(t, "GET", "/api/v1/connectors/hook", nil).Decode(t, &hook)
	if hook.Status != "failing" || !slices.ContainsFunc(hook.Rejections, func(s string) bool { return strings.Contains(s, "#gone") }) {
		t.Errorf("connector hook = %+v, want failing with #gone among rejected_destinations", hook)
	}

	if resp := inst.API(t, "POST", "/api/v1/deliveries/"+dead[0]+"/retry", nil); resp.Status != http.StatusAccepted {
		t.Fatalf("retry: %d %s", resp.Status, resp.Body)
	}
	inst.WaitFor(t, "the retried delivery to be sent", func() bool { return inst.Fake.RejectSent() == 2 })

	var test struct {
		StatusCode int `json:"status_code"`
	}
	inst.API(t, "POST", "/api/v1/connectors/hook/test", map[string]any{"params": map[string]string{"mode": "reject", "channel": "#gone"}}).Decode(t, &test)
	if test.StatusCode != 404 || inst.Fake.RejectSent() != 3 {
		t.Errorf("test send = status %d with %d requests sent, want 404 from a third request", test.StatusCode, inst.Fake.RejectSent())
	}
}

// waitDead waits until n deliveries are dead and returns their ids.
func waitDead(t *testing.T, inst *admintest.Instance, n int) []string {
	t.Helper()
	var ids []string
	inst.WaitFor(t, "the dead deliveries", func() bool {
		var l struct {
			Items []struct {
				ID string `json:"id"`
			}
		}
		inst.API(t, "GET", "/api/v1/deliveries?status=dead", nil).Decode(t, &l)
		ids = ids[:0]
		for _, d := range l.Items {
			ids = append(ids, d.ID)
		}
		return len(ids) == n
	})
	return ids
}
