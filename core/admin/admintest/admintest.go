// Package admintest runs a whole Switchboard instance in a test, with the
// management side on a loopback port and a fake connector kind, for the tests
// of the management API, the CLI and the web UI.
package admintest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/sdk/clock"
)

// Token is the admin token of every test instance.
const Token = "admin-token-for-tests-0123456789"

// Config is a config with the fake connector: route "urgent" sends every
// issue.* event to "hook" (mode ok, channel from ${ADMINTEST_CHANNEL}),
// route "broken" sends comment.created to "hook" in fail mode, and route
// "gone" sends note.created to "sunset", whose endpoint answers 410;
// "spare" has no route.
const Config = `
server:
  admin_token: "` + Token + `"
storage:
  dsn: {{DIR}}/switchboard.db
ingest:
  insecure: true
delivery:
  min_backoff: 20ms
  max_backoff: 100ms
  max_attempts: 3
  poll_interval: 50ms
  circuit_cooldown: 1s
connectors:
  hook:
    type: fake
  sunset:
    type: fake
  spare:
    type: fake
routes:
  - name: urgent
    events: ["issue.*"]
    to: [{connector: hook, mode: ok, channel: "${ADMINTEST_CHANNEL}"}]
  - name: broken
    events: ["comment.created"]
    template: "comment {{ .data.current.content }}"
    to: [{connector: hook, mode: fail, channel: "#comments"}]
  - name: gone
    events: ["note.created"]
    to: [{connector: sunset, mode: gone, channel: "#notes"}]
`

// Channel is the value of ${ADMINTEST_CHANNEL}: it stands for a credential
// that the management side must never show.
const Channel = "secret-channel-token-42"

// Instance is a running Switchboard.
type Instance struct {
	// App is the daemon; Fake records what its connectors delivered.
	App  *app.App
	Fake *Fake
	// AdminURL and IngestURL are the base URLs of the two listeners.
	AdminURL   string
	IngestURL  string
	ConfigPath string
	Dir        string
	logs       *lockedWriter
	stop       func()
}

// Stop shuts the instance down as SIGTERM does and waits until it stopped;
// the test's cleanup does it too.
func (i *Instance) Stop() { i.stop() }

// Start runs an instance on config (Config when empty), in which {{DIR}}
// stands for the test's directory; it stops when the test ends.
func Start(t *testing.T, config string) *Instance {
	t.Helper()
	if config == "" {
		config = Config
	}
	t.Setenv("ADMINTEST_CHANNEL", Channel)
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	WriteConfig(t, path, config)

	logs := &lockedWriter{w: &bytes.Buffer{}}
	inst := &Instance{Fake: &Fake{}, ConfigPath: path, Dir: dir, logs: logs}
	ingestListener, adminListener := listen(t), listen(t)
	a, err := app.New(context.Background(), app.Options{ConfigPath: path, Registry: app.Registry{"fake": inst.Fake},
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Clock:  clock.System, AdminListener: adminListener, WatchInterval: 50 * time.Millisecond, Version: "test"})
	if err != nil {
		t.Fatalf("start switchboard: %v", err)
	}
	inst.App = a
	inst.AdminURL, inst.IngestURL = "http://"+adminListener.Addr().String(), "http://"+ingestListener.Addr().String()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ingestListener) }()
	inst.stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("switchboard stopped with an error: %v", err)
		}
	})
	t.Cleanup(inst.stop)
	inst.WaitFor(t, "the admin listener", func() bool {
		resp, err := http.Get(inst.AdminURL + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return inst
}

// WriteConfig writes config to path with {{DIR}} replaced by path's
// directory.
func WriteConfig(t *testing.T, path, config string) {
	t.Helper()
	text := strings.ReplaceAll(config, "{{DIR}}", filepath.Dir(path))
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// WaitFor polls cond until it holds, for at most 10 seconds.
func (i *Instance) WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; log:\n%s", what, i.LogText())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Emit posts an envelope to ingest and fails the test unless it is accepted.
func (i *Instance) Emit(t testing.TB, eventID, eventType, entityID string, current map[string]any) {
	t.Helper()
	data, _ := json.Marshal(map[string]any{"current": current})
	entity, action, _ := strings.Cut(eventType, ".")
	body, _ := json.Marshal(map[string]any{"event_id": eventID, "event_type": eventType, "timestamp": "2026-12-01T16:00:00Z",
		"entity_type": entity, "entity_id": entityID, "action": action, "data": json.RawMessage(data)})
	resp, err := http.Post(i.IngestURL+"/v1/events", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("post event: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("post event %s: status %d: %s", eventID, resp.StatusCode, raw)
	}
}

// Response is an answer of the management API.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode decodes the body into v, failing the test when it is not JSON.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// Do sends a request to the admin listener with the given bearer token ("" for
// none), as the actor "tester", and returns the response.
func (i *Instance) Do(t testing.TB, method, path, token string, body any) *Response {
	t.Helper()
	return i.DoAs(t, method, path, token, "tester", body)
}

// DoAs is Do with the X-Switchboard-Actor header set to actor, or left out
// when actor is "".
func (i *Instance) DoAs(t testing.TB, method, path, token, actor string, body any) *Response {
	t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, i.AdminURL+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if actor != "" {
		req.Header.Set("X-Switchboard-Actor", actor)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// API sends an authenticated request.
func (i *Instance) API(t testing.TB, method, path string, body any) *Response {
	t.Helper()
	return i.Do(t, method, path, Token, body)
}

// LogText returns what the instance logged so far.
func (i *Instance) LogText() string {
	if i.logs == nil {
		return "(no log: the instance was not started by Start)"
	}
	return i.logs.String()
}
