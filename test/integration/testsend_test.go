package integration

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	httpconn "github.com/turbocode/switchboard/connectors/http"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
)

// TestTestSendGuardsOperatorParams sends tests through an http connector
// whose configured URL is on loopback: the configured URL is the operator's
// choice and is sent to, while a URL given as a test param is refused by the
// network guard, as a URL a template rendered would be.
func TestTestSendGuardsOperatorParams(t *testing.T) {
	var requests atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Write([]byte("internal answer"))
	}))
	t.Cleanup(server.Close)

	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	config := fmt.Sprintf(`storage:
  dsn: %s/switchboard.db
ingest:
  insecure: true
connectors:
  hook: {type: http, url: "%s/configured"}
routes:
  - name: all
    events: ["issue.*"]
    to: [{connector: hook}]
`, dir, server.URL)
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), app.Options{ConfigPath: path, Registry: app.Registry{"http": httpconn.New()},
		Logger: slog.New(slog.DiscardHandler), Clock: clock.System})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	t.Cleanup(func() { a.Close() })

	res, err := a.TestSend(context.Background(), "hook", nil)
	if err != nil || res.Outcome != sdk.OutcomeDelivered || requests.Load() != 1 {
		t.Fatalf("test with the configured URL = %+v, %v, %d requests; want delivered", res, err, requests.Load())
	}

	res, err = a.TestSend(context.Background(), "hook", sdk.Params{"url": server.URL + "/from-the-operator"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome == sdk.OutcomeDelivered || requests.Load() != 1 || strings.Contains(res.Response, "internal answer") {
		t.Errorf("test with a loopback URL in its params = %+v after %d requests; want it refused unsent", res, requests.Load())
	}
	if !strings.Contains(res.Reason, "allow_private") {
		t.Errorf("refusal reason %q does not name allow_private", res.Reason)
	}
}
