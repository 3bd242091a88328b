package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/connectors/plugin"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/internal/testplugin"
	"github.com/turbocode/switchboard/sdk/clock"
)

// crashEvents is how many events TestPluginKillLosesNothing sends; every one
// is in flight in the plugin when it is killed.
const crashEvents = 240

const crashConfig = `
server:
  listen: 127.0.0.1:0
  shutdown_timeout: 5s
storage:
  dsn: %s
ingest:
  insecure: true
plugins:
  dir: %s
delivery:
  workers: 256
  max_in_flight_per_destination: 256
  min_backoff: 20ms
  max_backoff: 200ms
  poll_interval: 50ms
  circuit_threshold: 100000
connectors:
  hook:
    type: plugin
    plugin: testhook
    url: %s
routes:
  - name: all
    events: ["issue.*"]
    to: [{connector: hook}]
`

// TestPluginKillLosesNothing sends events through ingest, the SQLite store
// and the dispatcher to the testhook plugin. It kills the plugin with SIGKILL
// while every delivery waits on the destination, and checks that the
// restarted plugin delivers every accepted event, none of them dead.
func TestPluginKillLosesNothing(t *testing.T) {
	dest := newGate()
	server := httptest.NewServer(dest)
	t.Cleanup(server.Close)
	t.Cleanup(dest.open)

	dir := t.TempDir()
	if _, err := testplugin.Build(dir); err != nil {
		t.Fatal(err)
	}
	configPath := filepath.Join(dir, "switchboard.yaml")
	config := fmt.Sprintf(crashConfig, filepath.Join(dir, "switchboard.db"), dir, server.URL+"/hook")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}

	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	host := plugin.NewHost(plugin.Options{Dir: dir, Reserved: []string{"http"}, Logger: logger,
		MinRestartDelay: 20 * time.Millisecond, MaxRestartDelay: 200 * time.Millisecond})
	t.Cleanup(func() { host.Close(context.Background()) })
	a, err := app.New(context.Background(), app.Options{ConfigPath: configPath,
		Registry: app.Registry{plugin.TypeName: host}, Logger: logger, Clock: clock.System})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	base := serveApp(t, a)

	accepted := postEvents(t, base, crashEvents)
	waitUntil(t, "every delivery to wait on the destination", func() bool { return dest.waiting() >= crashEvents })
	pid := host.Status()[0].PID
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the plugin: %v", err)
	}
	waitUntil(t, "the plugin to restart", func() bool {
		st := host.Status()[0]
		return st.State == "running" && st.PID != pid
	})
	dest.open()

	waitUntil(t, "every delivery to be delivered", func() bool {
		return len(deliveries(t, a, store.StateDelivered)) == crashEvents
	})
	if dead := deliveries(t, a, store.StateDead); len(dead) > 0 {
		t.Errorf("%d deliveries are dead, the first because %q", len(dead), dead[0].LastError)
	}
	received := dest.eventIDs()
	for _, id := range accepted {
		if !received[id] {
			t.Errorf("accepted event %s never reached the destination", id)
		}
	}
	if st := host.Status()[0]; st.Restarts != 1 || st.Crashes != 1 {
		t.Errorf("plugin restarts %d, crashes %d; want 1 and 1", st.Restarts, st.Crashes)
	}
}

// serveApp runs a on a loopback listener until the test ends and returns
// its base URL.
func serveApp(t *testing.T, a *app.App) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, listener) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + listener.Addr().String()
}

// postEvents posts n copies of a fixture event with new ids, in batches, and
// returns the ids ingest accepted.
func postEvents(t *testing.T, base string, n int) []string {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/turbo/envelope/issue-created-high.json")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	const batch = 60
	for start := 0; start < n; start += batch {
		var events []map[string]any
		for range min(batch, n-start) {
			var env map[string]any
			if err := json.Unmarshal(raw, &env); err != nil {
				t.Fatal(err)
			}
			env["event_id"] = uuid.NewString()
			events = append(events, env)
			ids = append(ids, env["event_id"].(string))
		}
		body, _ := json.Marshal(events)
		resp, err := http.Post(base+"/v1/events", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("ingest answered %d: %s", resp.StatusCode, answer)
		}
	}
	return ids
}

func deliveries(t *testing.T, a *app.App, state store.State) []*store.Delivery {
	t.Helper()
	list, err := a.Store().Deliveries(context.Background(), store.DeliveryFilter{State: state, Limit: 10 * crashEvents})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// waitUntil polls cond for up to 60 seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gate is a destination that holds every request until it is opened, and
// records the event ids of the requests it completed with 200.
type gate struct {
	mu       sync.Mutex
	held     int
	opened   chan struct{}
	once     sync.Once
	received map[string]bool
}

func newGate() *gate { return &gate{opened: make(chan struct{}), received: map[string]bool{}} }

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var env struct {
		EventID string `json:"event_id"`
	}
	body, _ := io.ReadAll(r.Body)
	json.Unmarshal(body, &env)

	g.mu.Lock()
	g.held++
	g.mu.Unlock()
	select {
	case <-g.opened:
	case <-r.Context().Done():
		return
	}
	g.mu.Lock()
	g.received[env.EventID] = true
	g.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (g *gate) open() { g.once.Do(func() { close(g.opened) }) }

// waiting returns how many requests have arrived while the gate was shut.
func (g *gate) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held
}

func (g *gate) eventIDs() map[string]bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]bool, len(g.received))
	for id, ok := range g.received {
		out[id] = ok
	}
	return out
}
