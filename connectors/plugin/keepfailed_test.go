package plugin

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestKeepFailedConfiguresHeldInstance(t *testing.T) {
	tests := []struct {
		name    string
		script  string // empty: the testhook build
		options map[string]any
		reason  string
	}{
		{"exits in main", "echo 'missing setting' >&2\nexit 1\n", nil, "missing setting"},
		{"writes to stdout", "echo 'hello'\nexit 0\n", nil, "start plugin broken"},
		{"serves another name", "", nil, `serves a connector named "testhook"`},
		{"wrong sha256", "", map[string]any{keySHA256: strings.Repeat("0", 64)}, "sha256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := pluginsDir(t, "broken")
			if tc.script != "" {
				os.Remove(dir + "/switchboard-connector-broken")
				writeScript(t, dir, "broken", tc.script)
			}
			h, logs := newHostKeeping(t, dir, true)
			options := map[string]any{keyPlugin: "broken"}
			for k, v := range tc.options {
				options[k] = v
			}
			raw := []byte(`{"plugin":"broken","url":"http://127.0.0.1:9/"}`)

			k, ok := h.SelectKind(options)
			if !ok {
				t.Fatalf("SelectKind failed, want the failed plugin's kind: %v", h.ValidateConfig(raw))
			}
			if d := k.ValidateConfig(raw); len(d) != 0 {
				t.Errorf("ValidateConfig = %+v, want none: the failure is no config error", d)
			}
			if !strings.Contains(logs.String(), "keys are not checked") {
				t.Errorf("the log does not say that the block's keys are not checked:\n%s", logs.String())
			}
			inst, err := k.Configure(context.Background(), sdk.InstanceConfig{Name: "c1", Config: raw})
			if err != nil {
				t.Fatalf("Configure: %v", err)
			}
			defer inst.Close()
			reason, _, held := inst.(sdk.Holder).Hold()
			if !held || reason != store.HoldPluginFailed {
				t.Errorf("Hold() = %q, %v; want held for plugin_failed", reason, held)
			}
			health := inst.Health(context.Background())
			if health.OK || !strings.Contains(health.Message, "plugin broken is failed") || !strings.Contains(health.Message, tc.reason) {
				t.Errorf("Health() = %+v, want failed with %q", health, tc.reason)
			}
		})
	}
}

func TestKeepFailedInstanceDeliversOnceReplaced(t *testing.T) {
	dir := t.TempDir()
	path := writeScript(t, dir, "testhook", "echo 'not a plugin' >&2\nexit 1\n")
	h, _ := newHostKeeping(t, dir, true)
	k, ok := h.SelectKind(map[string]any{keyPlugin: "testhook"})
	if !ok {
		t.Fatal("SelectKind failed, want the failed plugin's kind")
	}
	dest := connectortest.NewDestination(t)
	inst, err := k.Configure(context.Background(), sdk.InstanceConfig{Name: "hook",
		Config: []byte(`{"plugin":"testhook","url":"` + dest.URL() + `"}`)})
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	defer inst.Close()

	os.Remove(path)
	if err := os.Symlink(testhookPath, path); err != nil {
		t.Fatal(err)
	}
	// The hold that sees the new build starts it and asks for a short wait.
	if _, wait, held := inst.(sdk.Holder).Hold(); held && wait > restartHoldWait {
		t.Errorf("Hold() right after the executable changed waits %s, want at most %s", wait, restartHoldWait)
	}
	waitRunning(t, inst)
	if res := deliver(inst, request("dlv_late", ""), 10*time.Second); res.Outcome != sdk.OutcomeDelivered {
		t.Errorf("delivery after the fix: %v %q, want delivered", res.Outcome, res.Reason)
	}
}

func TestWithoutKeepFailedFailedPluginIsConfigError(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "broken", "exit 1\n")
	h, _ := newHost(t, dir)
	if _, ok := h.SelectKind(map[string]any{keyPlugin: "broken"}); ok {
		t.Fatal("SelectKind succeeded; `check` must report the failed plugin")
	}
	if d := h.ValidateConfig([]byte(`{"plugin":"broken"}`)); len(d) != 1 || d[0].Path != keyPlugin {
		t.Errorf("diagnostics %+v, want one at plugin", d)
	}
}
