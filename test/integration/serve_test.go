package integration

import (
	"context"
	"log/slog"
	"net"
	"testing"

	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/sdk/clock"
)

// startApp builds the app from the config at path with the given connector
// kinds, logging JSON at debug level into logs, and serves it on listener
// until the test ends; the log is shown when the test failed.
func startApp(t *testing.T, listener net.Listener, path string, logs *lockedBuffer, registry app.Registry) *app.App {
	t.Helper()
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.New(context.Background(), app.Options{ConfigPath: path, Registry: registry, Logger: logger, Clock: clock.System})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, listener) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("switchboard log:\n%s", logs)
		}
	})
	return a
}
