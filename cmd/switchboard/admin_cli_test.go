package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// cli runs the binary's commands in process against a test instance.
type cli struct {
	t    *testing.T
	inst *admintest.Instance
}

func (c cli) run(args ...string) (int, string, string) {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append(args, "--admin-url", c.inst.AdminURL), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func (c cli) ok(args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run(args...)
	if code != exitOK {
		c.t.Fatalf("switchboard %s = exit %d, want 0\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func TestAdminCommands(t *testing.T) {
	inst := admintest.Start(t, "")
	t.Setenv("SWITCHBOARD_ADMIN_TOKEN", admintest.Token)
	c := cli{t: t, inst: inst}
	inst.Emit(t, "issue-1", "issue.created", "i1", map[string]any{"title": "first"})
	inst.Emit(t, "comment-1", "comment.created", "c1", map[string]any{"content": "hi"})
	inst.WaitFor(t, "the comment to die", func() bool {
		_, out, _ := c.run("deliveries", "--status", "dead")
		return strings.Contains(out, "comment.created")
	})

	t.Run("deliveries table", func(t *testing.T) {
		out := c.ok("deliveries", "--route", "broken")
		if !strings.Contains(out, "STATUS") || !strings.Contains(out, "dead") || !strings.Contains(out, "400 Bad Request") {
			t.Errorf("table:\n%s", out)
		}
		if strings.Contains(out, "issue.created") {
			t.Errorf("--route broken lists another route's delivery:\n%s", out)
		}
	})

	var dead struct {
		Items []delivery `json:"items"`
	}
	t.Run("deliveries json", func(t *testing.T) {
		out := c.ok("deliveries", "--status", "dead", "--json")
		if err := json.Unmarshal([]byte(out), &dead); err != nil || len(dead.Items) != 1 {
			t.Fatalf("--json output %q: %v", out, err)
		}
	})
	id := dead.Items[0].ID

	t.Run("show", func(t *testing.T) {
		out := c.ok("deliveries", "show", id)
		for _, want := range []string{id, "route:", "broken", "OUTCOME", "permanent", "400"} {
			if !strings.Contains(out, want) {
				t.Errorf("show lacks %q:\n%s", want, out)
			}
		}
		if code, _, errOut := c.run("deliveries", "show", "dlv_nope_1"); code != exitNotFound || !strings.Contains(errOut, "no delivery dlv_nope_1 in this store") ||
			!strings.Contains(errOut, "switchboard deliveries") || strings.Contains(errOut, "): not found") {
			t.Errorf("show of an unknown id = %d, %q; want 3 and the reason", code, errOut)
		}
	})

	t.Run("retry", func(t *testing.T) {
		inst.Fake.Heal()
		out := c.ok("retry", id)
		if !strings.Contains(out, "retried 1 of 1") {
			t.Errorf("retry output: %s", out)
		}
		inst.WaitFor(t, "the retried delivery", func() bool {
			return strings.Contains(c.ok("deliveries", "show", id), "delivered")
		})
		if code, _, errOut := c.run("retry"); code != exitUsage || !strings.Contains(errOut, "name at least one delivery id, or pass --all-dead") {
			t.Errorf("retry without ids = %d, %q; want 2 and what to name", code, errOut)
		}
		if code, _, _ := c.run("retry", id, "--all-dead"); code != exitUsage {
			t.Errorf("retry with ids and --all-dead = %d, want 2", code)
		}
	})

	t.Run("retry all dead", func(t *testing.T) {
		inst.Emit(t, "note-1", "note.created", "n1", map[string]any{"title": "x"})
		inst.WaitFor(t, "the note to die", func() bool {
			return strings.Contains(c.ok("deliveries", "--status", "dead", "--connector", "sunset"), "note.created")
		})
		// The 410 disabled sunset, which would hold the delivery again.
		code, out, errOut := c.run("retry", "--all-dead", "--connector", "sunset")
		if code != exitFailure || !strings.Contains(errOut, "connector sunset is paused") || !strings.Contains(out, "retried 0 dead deliveries") {
			t.Errorf("bulk retry of a disabled connector's delivery = %d\n%s\n%s\nwant 1 and why it was not retried", code, out, errOut)
		}
		if strings.Contains(errOut, "retention") {
			t.Errorf("bulk retry of a disabled connector's delivery guesses other causes beside the pause:\n%s", errOut)
		}
		dead := strings.Fields(strings.Split(c.ok("deliveries", "--status", "dead", "--connector", "sunset"), "\n")[1])[0]
		if code, out, errOut := c.run("retry", dead); code != exitFailure || !strings.Contains(errOut, "resume it first") ||
			!strings.Contains(out, "retried 0 of 1 delivery\n") {
			t.Errorf("retry of a disabled connector's delivery = %d\n%s\n%s\nwant 1, why, and no claim that it is attempted", code, out, errOut)
		}

		c.ok("connectors", "resume", "sunset")
		out = c.ok("retry", "--all-dead", "--connector", "sunset")
		if !strings.Contains(out, "retried 1 dead delivery;") {
			t.Errorf("bulk retry output: %s", out)
		}
		inst.WaitFor(t, "the retried delivery's 410 to disable sunset again", func() bool {
			return strings.Contains(c.ok("connectors"), "disabled")
		})
	})

	t.Run("cancel", func(t *testing.T) {
		c := cli{t: t, inst: inst}
		c.ok("connectors", "pause", "hook", "--reason", "cancel test")
		for _, event := range []string{"stale-1", "stale-2", "stale-3"} {
			inst.Emit(t, event, "issue.created", event, map[string]any{"title": "stale"})
		}
		var held struct {
			Items []delivery `json:"items"`
		}
		inst.WaitFor(t, "three held deliveries", func() bool {
			json.Unmarshal([]byte(c.ok("deliveries", "--status", "scheduled", "--connector", "hook", "--json")), &held)
			paused := 0
			for _, d := range held.Items {
				if d.HoldReason == "connector_paused" {
					paused++
				}
			}
			return paused == 3
		})

		out := c.ok("cancel", held.Items[0].ID, "--reason", "route retired")
		if !strings.Contains(out, "cancelled 1 of 1 delivery") {
			t.Errorf("cancel output: %s", out)
		}
		if show := c.ok("deliveries", "show", held.Items[0].ID); !strings.Contains(show, "cancelled") || !strings.Contains(show, "route retired") {
			t.Errorf("the cancelled delivery:\n%s", show)
		}
		if code, _, errOut := c.run("cancel", held.Items[0].ID); code != exitFailure || !strings.Contains(errOut, "only a scheduled delivery") {
			t.Errorf("cancel of a cancelled delivery = %d, %q; want 1 and why", code, errOut)
		}
		out = c.ok("cancel", "--all-scheduled", "--connector", "hook")
		if !strings.Contains(out, "cancelled 2 scheduled deliveries") {
			t.Errorf("bulk cancel output: %s", out)
		}
		if code, _, errOut := c.run("cancel"); code != exitUsage || !strings.Contains(errOut, "name at least one delivery id, or pass --all-scheduled") {
			t.Errorf("cancel without ids = %d, %q; want 2 and what to name", code, errOut)
		}
		if code, _, _ := c.run("cancel", "--route", "urgent", held.Items[1].ID); code != exitUsage {
			t.Errorf("cancel with ids and a filter = %d, want 2", code)
		}
		c.ok("connectors", "resume", "hook")
	})

	t.Run("replay", func(t *testing.T) {
		out := c.ok("replay", "issue-1", "--target", "spare")
		if !strings.Contains(out, "replayed 1 of 1 event: 1 new delivery") || !strings.Contains(out, "spare") {
			t.Errorf("replay output: %s", out)
		}
		code, out, errOut := c.run("replay", "issue-1", "missing-event")
		if code != exitNotFound || !strings.Contains(out, "replayed 1 of 2") || !strings.Contains(errOut, "missing-event") {
			t.Errorf("replay with a missing event = %d\n%s\n%s", code, out, errOut)
		}
	})

	t.Run("connectors", func(t *testing.T) {
		out := c.ok("connectors")
		for _, want := range []string{"NAME", "hook", "sunset", "disabled", "410"} {
			if !strings.Contains(out, want) {
				t.Errorf("connectors lacks %q:\n%s", want, out)
			}
		}
		out = c.ok("connectors", "test", "hook")
		if !strings.Contains(out, "outcome:  delivered") {
			t.Errorf("test output: %s", out)
		}
		if code, out, _ := c.run("connectors", "test", "hook", "--param", "mode=gone"); code != exitFailure || !strings.Contains(out, "410") {
			t.Errorf("a test send that is not delivered = %d, %s; want 1", code, out)
		}
		if code, _, _ := c.run("connectors", "test", "nope"); code != exitNotFound {
			t.Errorf("test of an unknown connector = %d, want 3", code)
		}
		if out := c.ok("connectors", "pause", "spare", "--reason", "night"); !strings.Contains(out, "paused") {
			t.Errorf("pause output: %s", out)
		}
		if out := c.ok("connectors", "resume", "spare"); !strings.Contains(out, "resumed connector spare: its held deliveries are due now (health: ok)") {
			t.Errorf("resume output: %s", out)
		}
	})

	t.Run("backup", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "copy.db")
		c.ok("backup", path)
		raw, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(raw, []byte("SQLite format 3")) {
			t.Errorf("backup file: %v, starts %q", err, raw[:min(16, len(raw))])
		}
		if code, _, _ := c.run("backup", path); code != exitUsage {
			t.Errorf("backup over an existing file = %d, want 2", code)
		}

		var before struct{ Items []map[string]any }
		inst.API(t, "GET", "/api/v1/actions", nil).Decode(t, &before)
		missing := filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")
		if code, _, errOut := c.run("backup", missing); code != exitUsage || !strings.Contains(errOut, "cannot create a file in") {
			t.Errorf("backup into a missing directory = %d, %q; want 2 and why", code, errOut)
		}
		var after struct{ Items []map[string]any }
		inst.API(t, "GET", "/api/v1/actions", nil).Decode(t, &after)
		if after.Items[0]["at"] != before.Items[0]["at"] {
			t.Errorf("a backup that could not be saved left an audit entry: %v", after.Items[0])
		}
	})

	t.Run("audit", func(t *testing.T) {
		out := c.ok("audit", "--limit", "3")
		for _, want := range []string{"ACTOR", "ACTION", "backup", "more entries match: add --cursor "} {
			if !strings.Contains(out, want) {
				t.Errorf("audit lacks %q:\n%s", want, out)
			}
		}
		var page struct {
			Items []action `json:"items"`
		}
		if err := json.Unmarshal([]byte(c.ok("audit", "--json")), &page); err != nil || len(page.Items) == 0 || page.Items[0].Action != "backup" {
			t.Errorf("audit --json: %v, items %+v; want the backup first", err, page.Items)
		}
		if code, _, _ := c.run("audit", "--limit", "0"); code != exitUsage {
			t.Errorf("audit --limit 0 = %d, want 2", code)
		}
	})

	t.Run("audit filters", func(t *testing.T) {
		var all struct {
			Items []action `json:"items"`
		}
		if err := json.Unmarshal([]byte(c.ok("audit", "--json", "--limit", "500")), &all); err != nil || len(all.Items) == 0 {
			t.Fatalf("audit --json: %v, %d items", err, len(all.Items))
		}
		actor := all.Items[0].Actor
		var page struct {
			Items []action `json:"items"`
		}
		if err := json.Unmarshal([]byte(c.ok("audit", "--json", "--actor", actor, "--action", "retry")), &page); err != nil || len(page.Items) == 0 {
			t.Fatalf("audit --actor %s --action retry: %v, %d items; want the retries", actor, err, len(page.Items))
		}
		for _, a := range page.Items {
			if a.Actor != actor || a.Action != "retry" {
				t.Errorf("audit --actor %s --action retry lists %+v", actor, a)
			}
		}
		for _, args := range [][]string{{"--actor", "nobody"}, {"--since", "2999-01-01T00:00:00Z"}, {"--until", "2020-01-01T00:00:00Z"}} {
			if out := c.ok(append([]string{"audit"}, args...)...); !strings.Contains(out, "no operator actions match") {
				t.Errorf("audit %s:\n%s\nwant no entries", strings.Join(args, " "), out)
			}
		}

		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--action", "restart"}, `unknown action "restart"; use one of retry, retry_dead`},
			{[]string{"--since", "yesterday"}, "not an RFC 3339 time; write it like 2026-12-01T16:00:00Z"},
			{[]string{"--since", "2026-12-02T00:00:00Z", "--until", "2026-12-01T00:00:00Z"}, "swap them"},
		} {
			code, _, errOut := c.run(append([]string{"audit"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("audit %s = %d, %q; want 2 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
			}
		}
		if _, out, errOut := c.run("audit", "-h"); !strings.Contains(out+errOut, "only entries by this actor") {
			t.Errorf("audit -h does not describe --actor as a filter:\n%s%s", out, errOut)
		}
	})

	t.Run("bad token", func(t *testing.T) {
		t.Setenv("SWITCHBOARD_ADMIN_TOKEN", "not-the-token-not-the-token")
		if code, _, errOut := c.run("deliveries"); code != exitUnauthorized || !strings.Contains(errOut, "invalid admin token") {
			t.Errorf("bad token = %d, %q; want 4", code, errOut)
		}
		t.Setenv("SWITCHBOARD_ADMIN_TOKEN", "")
		for _, args := range [][]string{{"deliveries"}, {"deliveries", "show", id}, {"retry", id}, {"retry", "--all-dead"}, {"cancel", id},
			{"replay", "issue-1"}, {"connectors"}, {"connectors", "test", "hook"}, {"connectors", "pause", "spare"},
			{"backup", filepath.Join(t.TempDir(), "none.db")}, {"audit"}} {
			if code, _, errOut := c.run(args...); code != exitUnauthorized || !strings.Contains(errOut, "SWITCHBOARD_ADMIN_TOKEN") {
				t.Errorf("%s without a token = %d, %q; want 4", strings.Join(args, " "), code, errOut)
			}
		}
	})

	t.Run("bad filter", func(t *testing.T) {
		if code, _, errOut := c.run("deliveries", "--status", "lost"); code != exitUsage || !strings.Contains(errOut, "unknown status") {
			t.Errorf("bad status = %d, %q; want 2", code, errOut)
		}
	})
}
