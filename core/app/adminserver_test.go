package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/sdk/clock"
)

// One listener serves ingest and the management side when admin_listen
// equals listen.
func TestSharedListenerServesBoth(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	config := `
server:
  listen: "127.0.0.1:0"
  admin_listen: "127.0.0.1:0"
  admin_token: "` + admintest.Token + `"
storage:
  dsn: ` + filepath.Join(dir, "sb.db") + `
ingest:
  insecure: true
`
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), app.Options{ConfigPath: path, Registry: app.Registry{},
		Logger: slog.New(slog.DiscardHandler), Clock: clock.System, WatchInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, listener) }()
	defer func() { cancel(); <-done }()
	base := "http://" + listener.Addr().String()

	inst := &admintest.Instance{AdminURL: base}
	inst.WaitFor(t, "the listener", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	if resp := inst.API(t, "GET", "/api/v1/status", nil); resp.Status != http.StatusOK {
		t.Errorf("GET /api/v1/status on the shared listener = %d", resp.Status)
	}
	if resp := inst.Do(t, "GET", "/api/v1/status", "", nil); resp.Status != http.StatusUnauthorized {
		t.Errorf("the management API without a token on the shared listener = %d, want 401", resp.Status)
	}
	resp, err := http.Post(base+"/v1/events", "application/json", strings.NewReader(
		`{"event_id":"e1","event_type":"issue.created","timestamp":"2026-12-01T16:00:00Z","entity_type":"issue","entity_id":"1","action":"created"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("POST /v1/events on the shared listener = %d: %s", resp.StatusCode, body)
	}
}

func TestPlaceholderAdminTokenOffLoopback(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	config := `
server:
  admin_listen: "0.0.0.0:0"
  admin_token: "local-admin-token-change-me"
storage:
  dsn: ` + filepath.Join(dir, "sb.db") + `
ingest:
  insecure: true
`
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := app.New(context.Background(), app.Options{ConfigPath: path, Registry: app.Registry{},
		Logger: slog.New(slog.DiscardHandler), Clock: clock.System})
	if err == nil || !strings.Contains(err.Error(), "server.admin_token: the admin token is a placeholder") {
		t.Errorf("New with a placeholder token on 0.0.0.0 = %v, want it rejected", err)
	}
}
