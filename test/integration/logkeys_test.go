package integration

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/connectors/discord"
	"github.com/turbocode/switchboard/connectors/file"
	httpconn "github.com/turbocode/switchboard/connectors/http"
	"github.com/turbocode/switchboard/connectors/slack"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/sdk/clock"
)

// TestConnectorLogLinesNameConnectorOnce configures one connector of each
// kind that logs when configured: the app gives each a logger with its name,
// so no line may carry the connector key twice.
func TestConnectorLogLinesNameConnectorOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	config := fmt.Sprintf(`storage:
  dsn: %[1]s/switchboard.db
ingest:
  insecure: true
connectors:
  audit: {type: file, dir: "%[1]s"}
  hook: {type: http, url: "https://hooks.example.com/x"}
  chat: {type: slack, webhook_url: "https://hooks.slack.com/services/T000/B000/abcdef"}
  game: {type: discord, webhook_url: "https://discord.com/api/webhooks/1180000000000000000/abcdef"}
`, dir)
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	registry := app.Registry{"file": file.New(), "http": httpconn.New(), "slack": slack.New(), "discord": discord.New()}
	a, err := app.New(context.Background(), app.Options{ConfigPath: path, Registry: registry, Clock: clock.System,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	a.Close()

	configured := 0
	for _, line := range strings.Split(logs.String(), "\n") {
		if n := strings.Count(line, " connector="); n > 1 {
			t.Errorf("the line names the connector %d times: %s", n, line)
		}
		if strings.Contains(line, "connector configured") {
			configured++
		}
		if strings.Contains(line, "discord connector configured") && (strings.Contains(line, " mode=") || !strings.Contains(line, " posts_to=")) {
			t.Errorf("discord's line names where it posts under another key than posts_to: %s", line)
		}
	}
	if configured != 4 {
		t.Errorf("%d lines say a connector was configured, want 4:\n%s", configured, logs.String())
	}
}
