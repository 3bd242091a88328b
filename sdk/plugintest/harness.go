package plugintest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/pluginclient"
	"github.com/turbocode/switchboard/sdk/proto/pluginv1"
)

// harness is a connection to the plugin under test.
type harness struct {
	connector pluginclient.Connector
	// logs returns everything the plugin logged so far.
	logs     func() string
	sequence atomic.Int64
}

// startInProcess serves c from this process and attaches to it.
func startInProcess(t *testing.T, c sdk.Connector) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &connectortest.LogBuffer{}
	reattach, closed, err := sdk.ServeInProcess(ctx, c, logs)
	if err != nil {
		cancel()
		t.Fatalf("serve the connector in process: %v", err)
	}
	process, err := pluginclient.Attach(ctx, c.Info().Name, reattach)
	if err != nil {
		cancel()
		t.Fatalf("attach to the connector: %v", err)
	}
	t.Cleanup(func() {
		process.Stop()
		cancel()
		<-closed
	})
	return &harness{connector: pluginclient.Connector{Process: process}, logs: logs.String}
}

// startBinary starts the executable at path with the host's launcher.
func startBinary(t *testing.T, path string) *harness {
	t.Helper()
	process, logs := launch(t, path)
	return &harness{connector: pluginclient.Connector{Process: process}, logs: logs.String}
}

// launch starts the executable at path and stops it when the test ends.
func launch(t *testing.T, path string) (*pluginclient.Process, *connectortest.LogBuffer) {
	t.Helper()
	logger, logs := connectortest.NewLogger()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	process, err := pluginclient.Start(ctx, pluginclient.Options{Name: pluginName(path), Path: path,
		Logger: logger, LogLevel: "debug", HostVersion: "plugintest"})
	if err != nil {
		t.Fatalf("start the plugin: %v", err)
	}
	t.Cleanup(process.Stop)
	return process, logs
}

func pluginName(path string) string {
	base := filepath.Base(path)
	if len(base) > len(pluginv1.ExecutablePrefix) {
		return base[len(pluginv1.ExecutablePrefix):]
	}
	return base
}

// Build compiles the plugin's main package at pkg into a temporary directory,
// names the executable switchboard-connector-<name> after the name the plugin
// gives with --describe, and returns its path. The build uses -race when the
// test binary does.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	dir := t.TempDir()
	built := filepath.Join(dir, "plugin")
	args := []string{"build", "-o", built}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, pkg)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	desc, err := pluginclient.Describe(ctx, built)
	if err != nil {
		t.Fatalf("describe the plugin built from %s: %v; its main must call sdk.Serve", pkg, err)
	}
	path := filepath.Join(dir, pluginv1.ExecutablePrefix+desc.Name)
	if err := os.Rename(built, path); err != nil {
		t.Fatalf("name the plugin executable: %v", err)
	}
	return path
}

// configure builds an instance that sends to baseURL.
func (h *harness) configure(t testing.TB, cfg Config, baseURL string) sdk.Instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	inst, err := h.connector.Configure(ctx, sdk.InstanceConfig{Name: "plugintest", Config: cfg.Instance(baseURL),
		AllowPrivate: true, Turbo: sdk.TurboSettings{WebURL: "http://127.0.0.1:3001"}})
	if err != nil {
		t.Fatalf("configure an instance for %s: %v", baseURL, err)
	}
	t.Cleanup(func() { inst.Close() })
	return inst
}

// request returns a delivery request with a new delivery id.
func (h *harness) request(t testing.TB, cfg Config, baseURL string, deadline time.Time) *sdk.DeliveryRequest {
	event := defaultEvent(t)
	if cfg.Event != nil {
		event = *cfg.Event
	}
	var target sdk.Params
	if cfg.Target != nil {
		target = cfg.Target(baseURL)
	}
	return &sdk.DeliveryRequest{DeliveryID: fmt.Sprintf("dlv_plugintest_%d", h.sequence.Add(1)), Attempt: 1,
		Deadline: deadline, Route: "plugintest", Events: []sdk.Event{event}, Target: target}
}

// deliverFunc adapts the harness to the shared checks of sdk/connectortest.
func (h *harness) deliverFunc(t *testing.T, cfg Config) connectortest.DeliverFunc {
	return func(ctx context.Context, baseURL string) sdk.Result {
		inst := h.configure(t, cfg, baseURL)
		deadline, _ := ctx.Deadline()
		return inst.Deliver(ctx, h.request(t, cfg, baseURL, deadline))
	}
}

// defaultEventJSON is the envelope delivered when Config.Event is nil.
const defaultEventJSON = `{"event_id":"6f1c2b1e-7d0a-4c3e-9a51-2f8e4b6d9c10","event_type":"issue.created",` +
	`"timestamp":"2026-03-02T10:15:00Z","entity_type":"issue","entity_id":"0b6f3c8e-1d2a-4e5f-8a9b-7c6d5e4f3a21",` +
	`"action":"created","actor":{"type":"user","name":"Ada"},` +
	`"data":{"current":{"title":"Checkout fails on Safari","priority":"high","status":"todo"}},` +
	`"context":{"project_id":"3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f"}}`

func defaultEvent(t testing.TB) sdk.Event {
	return connectortest.ParseEvent(t, json.RawMessage(defaultEventJSON))
}
