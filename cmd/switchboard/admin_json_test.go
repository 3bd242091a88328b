package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// TestJSONOutputIsTheAPIBody checks that --json prints what the management
// API returned, every field included, and lists as [] rather than null.
func TestJSONOutputIsTheAPIBody(t *testing.T) {
	inst := admintest.Start(t, "")
	t.Setenv("SWITCHBOARD_ADMIN_TOKEN", admintest.Token)
	c := cli{t: t, inst: inst}
	inst.Emit(t, "comment-1", "comment.created", "c1", map[string]any{"content": "hi"})
	inst.Emit(t, "issue-1", "issue.created", "i1", map[string]any{"title": "first"})
	inst.WaitFor(t, "the comment to die", func() bool {
		var page struct{ Items []any }
		inst.API(t, "GET", "/api/v1/deliveries?status=dead", nil).Decode(t, &page)
		return len(page.Items) == 1
	})
	c.ok("connectors", "pause", "spare", "--reason", "night")

	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	inst.API(t, "GET", "/api/v1/deliveries?status=dead", nil).Decode(t, &page)
	id := page.Items[0].ID

	for _, tt := range []struct {
		args []string
		path string
	}{
		{[]string{"deliveries", "--status", "dead"}, "/api/v1/deliveries?status=dead&limit=50"},
		{[]string{"deliveries", "show", id}, "/api/v1/deliveries/" + id},
		{[]string{"connectors"}, "/api/v1/connectors"},
	} {
		t.Run(strings.Join(tt.args[:min(2, len(tt.args))], " "), func(t *testing.T) {
			var want, got any
			inst.API(t, "GET", tt.path, nil).Decode(t, &want)
			out := c.ok(append(tt.args, "--json")...)
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("--json output is not JSON: %v\n%s", err, out)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("--json output differs from the API body\ngot:  %s\nwant: %v", out, want)
			}
		})
	}

	t.Run("no HTML escapes", func(t *testing.T) {
		// The route urgent takes its channel from ${ADMINTEST_CHANNEL}, so
		// its target shows as <secret>.
		out := c.ok("deliveries", "--route", "urgent", "--json")
		if !strings.Contains(out, "<secret>") {
			t.Errorf("--json lacks the redacted target <secret>:\n%s", out)
		}
	})

	t.Run("retry all dead with no match", func(t *testing.T) {
		out := c.ok("retry", "--all-dead", "--route", "nosuch", "--json")
		var res map[string]any
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("--json output is not JSON: %v\n%s", err, out)
		}
		if list, ok := res["retried"].([]any); !ok || len(list) != 0 {
			t.Errorf("retried = %#v, want []", res["retried"])
		}
	})

	t.Run("backup", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "copy.db")
		out := c.ok("backup", path, "--json")
		var res struct {
			File  string `json:"file"`
			Bytes int64  `json:"bytes"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("--json output is not JSON: %v\n%s", err, out)
		}
		if res.File != path || res.Bytes <= 0 {
			t.Errorf("backup --json = %+v, want the file and its size", res)
		}
	})
}
