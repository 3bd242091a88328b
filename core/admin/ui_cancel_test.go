package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

func TestUICancelsDeliveries(t *testing.T) {
	inst := admintest.Start(t, "")
	inst.API(t, "POST", "/api/v1/connectors/hook/pause", nil)
	for _, id := range []string{"ui-stale-1", "ui-stale-2", "ui-stale-3"} {
		inst.Emit(t, id, "issue.created", id, map[string]any{"title": "stale"})
	}
	var held []string
	inst.WaitFor(t, "three held deliveries", func() bool {
		var l listing
		inst.API(t, "GET", "/api/v1/deliveries?status=scheduled&connector=hook", nil).Decode(t, &l)
		held = held[:0]
		for _, d := range l.Items {
			if d["hold_reason"] == "connector_paused" {
				held = append(held, d["id"].(string))
			}
		}
		return len(held) == 3
	})
	b := newBrowser(t, inst)
	b.login(admintest.Token)

	_, page := b.get("/ui/deliveries/" + held[0])
	if !strings.Contains(page, `id="cancel"`) {
		t.Fatalf("the page of a held delivery has no cancel button:\n%s", page)
	}
	status, body, _ := b.post("/ui/deliveries/"+held[0]+"/cancel", url.Values{"csrf": {hidden(t, page, "csrf")}, "reason": {"stale"}})
	if status != http.StatusOK || !strings.Contains(body, "Cancelled: the delivery will not be attempted.") ||
		!strings.Contains(body, `id="delivery-status">cancelled`) {
		t.Errorf("after cancel = %d, want the delivery page with it cancelled:\n%s", status, body)
	}
	if strings.Contains(body, `id="cancel"`) {
		t.Errorf("a cancelled delivery still has the cancel button")
	}

	_, page = b.get("/ui/?connector=hook")
	if !strings.Contains(page, `id="cancel-matching"`) {
		t.Fatalf("the filtered delivery log has no button to cancel the matches:\n%s", page)
	}
	status, body, _ = b.post("/ui/deliveries/cancel", url.Values{"csrf": {hidden(t, page, "csrf")}, "connector": {"hook"}})
	if status != http.StatusOK || !strings.Contains(body, "Cancelled 2 scheduled deliveries.") {
		t.Errorf("after cancelling the matches = %d, want the log with the count:\n%s", status, body)
	}
	var l listing
	inst.API(t, "GET", "/api/v1/deliveries?status=scheduled&connector=hook", nil).Decode(t, &l)
	if len(l.Items) != 0 {
		t.Errorf("%d deliveries of hook are still scheduled, want none", len(l.Items))
	}

	var actions listing
	inst.API(t, "GET", "/api/v1/actions", nil).Decode(t, &actions)
	if len(actions.Items) < 2 || actions.Items[0]["action"] != "cancel_scheduled" || actions.Items[1]["action"] != "cancel" ||
		actions.Items[0]["actor"] != "ops-anna" || !strings.HasSuffix(actions.Items[1]["detail"].(string), "stale (web UI)") {
		t.Errorf("audit = %v, want both cancels by ops-anna from the web UI", actions.Items)
	}
}
