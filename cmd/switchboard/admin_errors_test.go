package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// runAt runs a command against the management API at base.
func runAt(base string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(append(args, "--admin-url", base), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestAdminCommandErrors(t *testing.T) {
	inst := admintest.Start(t, "")
	t.Setenv("SWITCHBOARD_ADMIN_TOKEN", admintest.Token)
	c := cli{t: t, inst: inst}
	inst.Emit(t, "issue-1", "issue.created", "i1", map[string]any{"title": "first"})
	inst.Emit(t, "issue-2", "issue.created", "i2", map[string]any{"title": "second"})
	inst.WaitFor(t, "two deliveries", func() bool { return len(inst.Fake.Deliveries()) == 2 })

	t.Run("replay to an unknown target", func(t *testing.T) {
		code, out, errOut := c.run("replay", "issue-1", "issue-2", "--target", "nosuch")
		if code != exitNotFound {
			t.Errorf("exit %d, want %d", code, exitNotFound)
		}
		if !strings.Contains(errOut, `no connector named "nosuch"`) || !strings.Contains(errOut, "hook, sunset, spare") {
			t.Errorf("stderr %q does not name the valid targets", errOut)
		}
		if n := strings.Count(errOut, "switchboard replay:"); n != 1 {
			t.Errorf("the unknown target is reported %d times, want once:\n%s", n, errOut)
		}
		if !strings.Contains(out, "replayed 0 of 2 events") {
			t.Errorf("summary: %q", out)
		}
	})

	t.Run("admin url of the ingest listener", func(t *testing.T) {
		code, _, errOut := runAt(inst.IngestURL, "deliveries")
		if code != exitFailure {
			t.Errorf("exit %d, want %d", code, exitFailure)
		}
		for _, want := range []string{"management API was not found at " + inst.IngestURL, "--admin-url", "SWITCHBOARD_ADMIN_URL"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr %q lacks %q", errOut, want)
			}
		}
	})

	t.Run("nothing listening", func(t *testing.T) {
		listener, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + listener.Addr().String()
		listener.Close()
		code, _, errOut := runAt(closed, "deliveries")
		if code != exitFailure || !strings.HasPrefix(errOut, "switchboard deliveries: cannot reach the management API at "+closed) {
			t.Errorf("deliveries with nothing listening = %d, %q; want 1 and that the API cannot be reached", code, errOut)
		}
	})

	t.Run("admin url with the API's path", func(t *testing.T) {
		for _, base := range []string{inst.AdminURL + "/api/v1", inst.AdminURL + "/api/v1/", inst.AdminURL + "/api"} {
			if code, out, errOut := runAt(base, "connectors"); code != exitOK || !strings.Contains(out, "hook") {
				t.Errorf("connectors at %s = %d, %q; want the API found below the path", base, code, errOut)
			}
		}
		code, _, errOut := runAt(inst.AdminURL+"/api/v2", "connectors")
		if code != exitFailure || !strings.Contains(errOut, "no endpoint at /api/v2/api/v1/connectors") || !strings.Contains(errOut, "--admin-url") {
			t.Errorf("connectors at a wrong path = %d, %q; want 1 and the --admin-url hint", code, errOut)
		}
	})

	t.Run("admin url of a web page", func(t *testing.T) {
		page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Welcome</body></html>")
		}))
		defer page.Close()
		for _, args := range [][]string{{"deliveries"}, {"connectors"}, {"retry", "--all-dead"}, {"backup", t.TempDir() + "/copy.db"}} {
			code, _, errOut := runAt(page.URL, args...)
			if code != exitFailure || !strings.Contains(errOut, "management API was not found") || strings.Contains(errOut, "invalid character") {
				t.Errorf("%s = %d, %q; want 1 and the wrong address named", strings.Join(args, " "), code, errOut)
			}
		}
	})

	t.Run("deliveries pages", func(t *testing.T) {
		out := c.ok("deliveries", "--route", "urgent", "--limit", "1")
		if !strings.Contains(out, "issue.created") || !strings.Contains(out, "more deliveries match: add --cursor ") {
			t.Fatalf("first page:\n%s", out)
		}
		cursor := strings.Fields(out[strings.Index(out, "--cursor "):])[1]
		next := c.ok("deliveries", "--route", "urgent", "--limit", "1", "--cursor", cursor)
		if next == out || !strings.Contains(next, "issue.created") {
			t.Errorf("second page is not the next one:\n%s\nfirst:\n%s", next, out)
		}
		last := c.ok("deliveries", "--route", "urgent", "--limit", "2")
		if strings.Contains(last, "--cursor") {
			t.Errorf("a page with every match offers a cursor:\n%s", last)
		}
		if out := c.ok("deliveries", "--until", "2020-01-01T00:00:00Z"); !strings.Contains(out, "no deliveries match") {
			t.Errorf("--until 2020:\n%s", out)
		}
		code, _, errOut := c.run("deliveries", "--since", "2026-12-02T00:00:00Z", "--until", "2026-12-01T00:00:00Z")
		if code != exitUsage || !strings.Contains(errOut, "is after until") {
			t.Errorf("--since after --until = %d, %q; want 2", code, errOut)
		}
	})

	t.Run("retry filters need --all-dead", func(t *testing.T) {
		code, _, errOut := c.run("retry", "dlv_x_1", "--route", "urgent")
		if code != exitUsage || !strings.Contains(errOut, "--all-dead") {
			t.Errorf("retry ID --route = %d, %q; want 2 naming --all-dead", code, errOut)
		}
	})

	t.Run("show prints redacted values as text", func(t *testing.T) {
		var page struct {
			Items []delivery `json:"items"`
		}
		inst.API(t, "GET", "/api/v1/deliveries?route=urgent&limit=1", nil).Decode(t, &page)
		out := c.ok("deliveries", "show", page.Items[0].ID)
		if !strings.Contains(out, `"channel":"<secret>"`) || strings.Contains(out, `\u003c`) {
			t.Errorf("show:\n%s", out)
		}
	})

	t.Run("held delivery", func(t *testing.T) {
		c.ok("connectors", "pause", "hook")
		inst.Emit(t, "issue-3", "issue.created", "i3", map[string]any{"title": "third"})
		var page struct {
			Items []delivery `json:"items"`
		}
		inst.WaitFor(t, "the delivery to be held", func() bool {
			inst.API(t, "GET", "/api/v1/deliveries?event_id=issue-3", nil).Decode(t, &page)
			return len(page.Items) == 1 && page.Items[0].HoldReason == "connector_paused"
		})
		out := c.ok("deliveries", "show", page.Items[0].ID)
		if !strings.Contains(out, "when the connector is resumed (switchboard connectors resume hook)") || strings.Contains(out, "2036") {
			t.Errorf("show of a held delivery:\n%s", out)
		}
		c.ok("connectors", "resume", "hook")
	})
}

// TestRetryAllDeadNotRetried checks the exit code and summary of a bulk
// retry in which the API could not retry some dead deliveries. A fake of the
// bulk retry endpoint reports them, because the real store does so only when
// another retry races with it.
func TestRetryAllDeadNotRetried(t *testing.T) {
	t.Setenv("SWITCHBOARD_ADMIN_TOKEN", admintest.Token)
	calls := 0
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Switchboard-API", "admin/v1")
		w.Header().Set("Content-Type", "application/json")
		if r.Method != "POST" || r.URL.Path != "/api/v1/deliveries/retry" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"no endpoint","code":"not_found"}`)
			return
		}
		calls++
		if calls == 1 {
			fmt.Fprint(w, `{"retried":["dlv_a_3","dlv_a_2"],"not_retried":["dlv_a_1"],"next_cursor":"1"}`)
			return
		}
		fmt.Fprint(w, `{"retried":["dlv_a_0"],"not_retried":[],"next_cursor":""}`)
	}))
	defer api.Close()

	code, out, errOut := runAt(api.URL, "retry", "--all-dead")
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	if !strings.Contains(errOut, "1 of 4 matching dead deliveries were not retried") || !strings.Contains(errOut, "dlv_a_1") {
		t.Errorf("stderr %q does not count the ones not retried", errOut)
	}
	if !strings.Contains(out, "retried 3 dead deliveries") {
		t.Errorf("stdout %q", out)
	}

	calls = 0
	code, out, _ = runAt(api.URL, "retry", "--all-dead", "--json")
	if code != exitFailure || !strings.Contains(out, `"not_retried": [`) {
		t.Errorf("--json: exit %d\n%s", code, out)
	}
}
