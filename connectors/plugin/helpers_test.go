package plugin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/internal/testplugin"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// testhookPath is the testhook plugin, built once for the package's tests.
var testhookPath string

func TestMain(m *testing.M) {
	if os.Getenv(destinationEnv) == "1" {
		serveDestination()
		return
	}
	dir, err := os.MkdirTemp("", "plugin-host-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testhookPath, err = testplugin.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// pluginsDir returns a plugins directory holding the testhook plugin under
// each of names (testhook when none is given).
func pluginsDir(t *testing.T, names ...string) string {
	t.Helper()
	if len(names) == 0 {
		names = []string{testplugin.Name}
	}
	dir := t.TempDir()
	for _, name := range names {
		if err := os.Symlink(testhookPath, filepath.Join(dir, "switchboard-connector-"+name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeScript puts an executable shell script into dir as the named plugin.
func writeScript(t *testing.T, dir, name, script string) string {
	t.Helper()
	path := filepath.Join(dir, "switchboard-connector-"+name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// newHost returns a host on dir with fast restarts, closed when the test ends.
func newHost(t *testing.T, dir string) (*Host, *connectortest.LogBuffer) {
	t.Helper()
	return newHostKeeping(t, dir, false)
}

// newHostKeeping is newHost with Options.KeepFailed set to keepFailed.
func newHostKeeping(t *testing.T, dir string, keepFailed bool) (*Host, *connectortest.LogBuffer) {
	t.Helper()
	logger, logs := connectortest.NewLogger()
	h := NewHost(Options{Dir: dir, Reserved: []string{"http", "slack", TypeName}, Logger: logger, LogLevel: "debug",
		HostVersion: "switchboard test", MinRestartDelay: 10 * time.Millisecond, MaxRestartDelay: 100 * time.Millisecond,
		KeepFailed: keepFailed})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.Close(ctx)
	})
	return h, logs
}

// selectKind selects the named plugin or fails the test.
func selectKind(t *testing.T, h *Host, name string) sdk.Connector {
	t.Helper()
	k, ok := h.SelectKind(map[string]any{keyPlugin: name})
	if !ok {
		t.Fatalf("select plugin %s: %v", name, h.ValidateConfig([]byte(fmt.Sprintf(`{"plugin":%q}`, name))))
	}
	return k
}

// configure configures a testhook instance that posts to url.
func configure(t *testing.T, h *Host, url string) sdk.Instance {
	t.Helper()
	k := selectKind(t, h, testplugin.Name)
	inst, err := k.Configure(context.Background(), sdk.InstanceConfig{Name: "hook",
		Config: []byte(fmt.Sprintf(`{"plugin":"testhook","url":%q}`, url))})
	if err != nil {
		t.Fatalf("configure: %v", err)
	}
	t.Cleanup(func() { inst.Close() })
	return inst
}

// request returns a delivery with the given id and mode target parameter.
func request(id, mode string) *sdk.DeliveryRequest {
	return &sdk.DeliveryRequest{DeliveryID: id, Attempt: 1, Route: "test", Target: sdk.Params{"mode": mode},
		Events: []sdk.Event{{ID: "e1", Type: "issue.created", Envelope: []byte(`{"event_id":"e1"}`)}}}
}

// statusOf returns the named plugin's status.
func statusOf(t *testing.T, h *Host, name string) Status {
	t.Helper()
	for _, st := range h.Status() {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("no status for plugin %s", name)
	return Status{}
}

// waitRunning waits until deliveries to inst are no longer held.
func waitRunning(t *testing.T, inst sdk.Instance) {
	t.Helper()
	holder := inst.(sdk.Holder)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, _, held := holder.Hold(); !held {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the plugin did not run again within 15s")
}

func deliver(inst sdk.Instance, req *sdk.DeliveryRequest, timeout time.Duration) sdk.Result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return inst.Deliver(ctx, req)
}

// recordingObserver records what the host reports for metrics.
type recordingObserver struct {
	mu       sync.Mutex
	restarts map[string]int
	failed   map[string]bool
}

func newRecordingObserver() *recordingObserver {
	return &recordingObserver{restarts: map[string]int{}, failed: map[string]bool{}}
}

func (o *recordingObserver) PluginRestarted(plugin string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.restarts[plugin]++
}

func (o *recordingObserver) PluginFailed(plugin string, failed bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failed[plugin] = failed
}

func (o *recordingObserver) state(plugin string) (int, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.restarts[plugin], o.failed[plugin]
}
