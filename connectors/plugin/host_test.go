package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/internal/testplugin"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/pluginclient"
)

func TestSelectKindStartsOnlyNamedPlugin(t *testing.T) {
	h, _ := newHost(t, pluginsDir(t, "testhook", "other"))
	if got := len(h.Status()); got != 0 {
		t.Fatalf("%d plugins run before any block named one, want 0", got)
	}

	k := selectKind(t, h, "testhook")
	if name := k.Info().Name; name != "testhook" {
		t.Errorf("Info().Name = %q, want testhook", name)
	}
	statuses := h.Status()
	if len(statuses) != 1 || statuses[0].Name != "testhook" || statuses[0].State != "running" || statuses[0].PID == 0 {
		t.Errorf("Status() = %+v, want testhook running with a pid and nothing else", statuses)
	}
}

func TestValidateConfigReportsAtPath(t *testing.T) {
	dir := pluginsDir(t)
	sum, err := pluginclient.FileSHA256(testhookPath)
	if err != nil {
		t.Fatal(err)
	}
	wrongSum := strings.Repeat("ab", 32)
	tests := []struct {
		name     string
		config   string
		wantPath string
		wantText string
	}{
		{"missing plugin key", `{"url":"http://x"}`, "plugin", "missing"},
		{"unknown plugin", `{"plugin":"nosuch"}`, "plugin", "it holds: testhook"},
		{"built-in name", `{"plugin":"http"}`, "plugin", "built-in"},
		{"invalid name", `{"plugin":"../x"}`, "plugin", "invalid plugin name"},
		{"sha256 not hex", `{"plugin":"testhook","sha256":"xyz","url":"http://x"}`, "sha256", "64 hexadecimal"},
		{"sha256 mismatch", `{"plugin":"testhook","sha256":"` + wrongSum + `","url":"http://x"}`, "sha256", sum},
		{"schema pattern", `{"plugin":"testhook","url":"ftp://x"}`, "url", "does not match pattern"},
		{"unknown key", `{"plugin":"testhook","url":"http://x","tokn":"abcdefgh"}`, "tokn", "unknown key"},
		{"missing required", `{"plugin":"testhook"}`, "url", "missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := newHost(t, dir)
			diagnostics := validate(h, tc.config)
			for _, d := range diagnostics {
				if d.Path == tc.wantPath && strings.Contains(d.Message, tc.wantText) {
					return
				}
			}
			t.Errorf("diagnostics %+v, want one at %q containing %q", diagnostics, tc.wantPath, tc.wantText)
		})
	}
}

// validate checks a block as core/config does: with the selected kind when
// there is one, else with the host.
func validate(h *Host, config string) []sdk.Diagnostic {
	var options map[string]any
	json.Unmarshal([]byte(config), &options)
	if k, ok := h.SelectKind(options); ok {
		return k.ValidateConfig([]byte(config))
	}
	return h.ValidateConfig([]byte(config))
}

func TestValidConfigWithPinPasses(t *testing.T) {
	h, _ := newHost(t, pluginsDir(t))
	sum, err := pluginclient.FileSHA256(testhookPath)
	if err != nil {
		t.Fatal(err)
	}
	if d := validate(h, `{"plugin":"testhook","sha256":"`+strings.ToUpper(sum)+`","url":"http://x","token":"abcdefgh"}`); len(d) > 0 {
		t.Errorf("valid pinned config: diagnostics %+v, want none", d)
	}
}

func TestExecutableServingAnotherName(t *testing.T) {
	h, _ := newHost(t, pluginsDir(t, "other"))
	d := validate(h, `{"plugin":"other"}`)
	if len(d) != 1 || d[0].Path != "plugin" || !strings.Contains(d[0].Message, `serves a connector named "testhook"`) {
		t.Errorf("diagnostics %+v, want one at plugin naming the connector the file serves", d)
	}
}

func TestHandshakeFailuresExplain(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   []string
	}{
		{"not a plugin", "echo 'usage: other-tool' >&2\nexit 1\n",
			[]string{"start plugin broken", "exited or wrote something else before the handshake", "usage: other-tool", "sdk.Serve", "this host speaks protocol 1"}},
		{"start-up panic", "echo 'panic: config missing' >&2\nexit 2\n",
			[]string{"start plugin broken", "panic: config missing", "panicked during start-up"}},
		{"protocol 2", `if [ "$1" = --describe ]; then echo '{"name":"broken","version":"9.0.0","protocol_versions":[2]}'; exit 0; fi
echo "1|2|unix|/nonexistent.sock|grpc|"
exec sleep 5
`, []string{"start plugin broken", "incompatible API version", "version 9.0.0 and speaks protocol 2", "this host speaks protocol 1", "rebuild the plugin"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeScript(t, dir, "broken", tc.script)
			h, _ := newHost(t, dir)

			if _, ok := h.SelectKind(map[string]any{"plugin": "broken"}); ok {
				t.Fatal("SelectKind succeeded, want a failure")
			}
			d := h.ValidateConfig([]byte(`{"plugin":"broken"}`))
			if len(d) != 1 || d[0].Path != "plugin" {
				t.Fatalf("diagnostics %+v, want one at plugin", d)
			}
			for _, want := range tc.want {
				if !strings.Contains(d[0].Message, want) {
					t.Errorf("message %q does not contain %q", d[0].Message, want)
				}
			}
			if st := statusOf(t, h, "broken"); st.State != "failed" {
				t.Errorf("state %s, want failed", st.State)
			}
		})
	}
}

func TestPanicInDeliverIsRetry(t *testing.T) {
	h, _ := newHost(t, pluginsDir(t))
	inst := configure(t, h, "http://127.0.0.1:9/")
	pid := statusOf(t, h, "testhook").PID

	res := deliver(inst, request("dlv_1", testplugin.ModePanic), 10*time.Second)
	if res.Outcome != sdk.OutcomeRetry || !strings.Contains(res.Reason, "panicked") {
		t.Errorf("result %v %q, want retry naming the panic", res.Outcome, res.Reason)
	}
	if st := statusOf(t, h, "testhook"); st.PID != pid || st.Crashes != 0 {
		t.Errorf("after a panic: pid %d, crashes %d; want the same process (%d) and no crash", st.PID, st.Crashes, pid)
	}
}

func TestKillRetriesAndRestarts(t *testing.T) {
	h, logs := newHost(t, pluginsDir(t))
	observer := newRecordingObserver()
	h.Observe(observer)
	dest := connectortest.NewDestination(t)
	dest.SetDefault(connectortest.Response{Delay: time.Minute})
	inst := configure(t, h, dest.URL())
	first := statusOf(t, h, "testhook").PID

	results := make(chan sdk.Result, 1)
	go func() { results <- deliver(inst, request("dlv_7", ""), 30*time.Second) }()
	dest.WaitRequests(t, 1, 10*time.Second)
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	res := <-results
	if res.Outcome != sdk.OutcomeRetry || !strings.Contains(res.Reason, "exited while this delivery was in flight (crash 1;") {
		t.Errorf("delivery cut by the kill: %v %q, want a retry that counts crash 1", res.Outcome, res.Reason)
	}

	waitRunning(t, inst)
	dest.SetDefault(connectortest.Response{Status: 200})
	if res := deliver(inst, request("dlv_7", ""), 10*time.Second); res.Outcome != sdk.OutcomeDelivered {
		t.Errorf("delivery after the restart: %v %q, want delivered", res.Outcome, res.Reason)
	}
	st := statusOf(t, h, "testhook")
	if st.PID == first || st.PID == 0 || st.Restarts != 1 || st.Crashes != 1 {
		t.Errorf("status after restart %+v, want a new pid, 1 restart, 1 crash", st)
	}
	if !strings.Contains(logs.String(), "plugin process died") {
		t.Error("the crash was not logged")
	}
	if restarts, failed := observer.state("testhook"); restarts != 1 || failed {
		t.Errorf("observer saw %d restarts, failed %v; want 1 restart, not failed", restarts, failed)
	}
}

func TestPoisonAfterThreeCrashes(t *testing.T) {
	h, _ := newHost(t, pluginsDir(t))
	inst := configure(t, h, "http://127.0.0.1:9/")

	var outcomes []sdk.Outcome
	var last sdk.Result
	for range 3 {
		waitRunning(t, inst)
		last = deliver(inst, request("dlv_poison", testplugin.ModeCrash), 10*time.Second)
		outcomes = append(outcomes, last.Outcome)
	}
	want := []sdk.Outcome{sdk.OutcomeRetry, sdk.OutcomeRetry, sdk.OutcomePermanent}
	for i := range want {
		if outcomes[i] != want[i] {
			t.Fatalf("outcomes %v, want %v", outcomes, want)
		}
	}
	if !strings.Contains(last.Reason, "poison message") || !strings.Contains(last.Reason, "crashed 3 times") {
		t.Errorf("reason %q, want a poison message after 3 crashes", last.Reason)
	}

	waitRunning(t, inst)
	if res := deliver(inst, request("dlv_other", testplugin.ModePanic), 10*time.Second); res.Outcome != sdk.OutcomeRetry {
		t.Errorf("plugin after the poison message: %v %q, want it serving again", res.Outcome, res.Reason)
	}
}

func TestFailedRestartHoldsUntilReplaced(t *testing.T) {
	dir := pluginsDir(t)
	h, _ := newHost(t, dir)
	observer := newRecordingObserver()
	h.Observe(observer)
	inst := configure(t, h, "http://127.0.0.1:9/")
	path := dir + "/switchboard-connector-testhook"

	// Replace the plugin with something that fails the handshake, then crash it.
	os.Remove(path)
	writeScript(t, dir, "testhook", "echo 'not a plugin' >&2\nexit 1\n")
	syscall.Kill(statusOf(t, h, "testhook").PID, syscall.SIGKILL)

	deadline := time.Now().Add(15 * time.Second)
	for statusOf(t, h, "testhook").State != "failed" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st := statusOf(t, h, "testhook")
	if st.State != "failed" || st.Restarts != 0 {
		t.Fatalf("status %+v, want failed without a restart loop", st)
	}
	reason, wait, held := inst.(sdk.Holder).Hold()
	if !held || reason != store.HoldPluginFailed || wait < time.Second {
		t.Errorf("Hold() = %q, %s, %v; want held for plugin_failed", reason, wait, held)
	}
	if health := inst.Health(context.Background()); health.OK || !strings.Contains(health.Message, "plugin testhook is failed") {
		t.Errorf("Health() = %+v, want unhealthy naming the plugin", health)
	}
	if _, failed := observer.state("testhook"); !failed {
		t.Error("the observer was not told that the plugin failed")
	}

	// Installing a working build lets the plugin start again.
	os.Remove(path)
	if err := os.Symlink(testhookPath, path); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, inst)
	if health := inst.Health(context.Background()); !health.OK {
		t.Errorf("Health() after the fix = %+v, want healthy", health)
	}
	if _, failed := observer.state("testhook"); failed {
		t.Error("the observer still counts the plugin as failed after it started again")
	}
}

func TestCloseDrainsDeliveries(t *testing.T) {
	h, _ := newHost(t, pluginsDir(t))
	dest := connectortest.NewDestination(t)
	dest.SetDefault(connectortest.Response{Status: 200, Delay: 300 * time.Millisecond})
	inst := configure(t, h, dest.URL())
	pid := statusOf(t, h, "testhook").PID

	results := make(chan sdk.Result, 1)
	go func() { results <- deliver(inst, request("dlv_drain", ""), 10*time.Second) }()
	dest.WaitRequests(t, 1, 10*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.Close(ctx)
	select {
	case res := <-results:
		if res.Outcome != sdk.OutcomeDelivered {
			t.Errorf("delivery in flight at Close: %v %q, want delivered", res.Outcome, res.Reason)
		}
	default:
		t.Fatal("Close returned before the delivery in flight did")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("plugin process %d still exists after Close (kill -0: %v)", pid, err)
	}
}

func TestHoldReasonIsStores(t *testing.T) {
	if holdReason != store.HoldPluginFailed {
		t.Errorf("holdReason = %q, want the store's %q", holdReason, store.HoldPluginFailed)
	}
}
