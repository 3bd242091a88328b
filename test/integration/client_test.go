package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/file"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/ingest"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/client"
	"github.com/turbocode/switchboard/sdk/clock"
)

// clientSecret is the raw ingest secret the client signs with.
const clientSecret = "client-integration-secret-0123456789"

// clientConfig stores events in SQLite and routes every issue event to a file;
// %s is the data directory.
const clientConfig = `
storage:
  dsn: %[1]s/switchboard.db
ingest:
  secrets: ["` + clientSecret + `"]
connectors:
  audit: {type: file, dir: "%[1]s"}
routes:
  - name: audit
    events: ["issue.*"]
    to: [{connector: audit, path: events.jsonl}]
`

// flakyAcceptor wraps the application's Acceptor: it fails the first
// failures calls with store.ErrUnavailable, for which ingest responds 503
// with Retry-After, and counts every call.
type flakyAcceptor struct {
	inner    ingest.Acceptor
	failures atomic.Int32
	calls    atomic.Int32
}

func (f *flakyAcceptor) Accept(ctx context.Context, events []*event.Incoming) ([]store.EventResult, error) {
	f.calls.Add(1)
	if f.failures.Add(-1) >= 0 {
		return nil, store.ErrUnavailable
	}
	return f.inner.Accept(ctx, events)
}

// clientHarness is the real ingest handler over the real application and its
// SQLite store, served on 127.0.0.1, with a fake clock for the client's waits.
type clientHarness struct {
	acceptor *flakyAcceptor
	server   *httptest.Server
	requests atomic.Int32
	clock    *clock.Fake
}

func newClientHarness(t *testing.T) *clientHarness {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, clientConfig, dir), 0o600); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	a, err := app.New(context.Background(), app.Options{ConfigPath: path, Registry: app.Registry{"file": file.New()},
		Logger: logger, Clock: clock.System, PauseDelivery: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })

	h := &clientHarness{acceptor: &flakyAcceptor{inner: a}, clock: clock.NewFake(time.Now())}
	handler, err := ingest.NewHandler(ingest.Options{Acceptor: h.acceptor, Secrets: []sdk.Secret{clientSecret},
		RetryAfter: 5 * time.Second, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	h.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.requests.Add(1)
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(h.server.Close)
	return h
}

// newClient returns a client of the harness's ingest, whose waits pass as
// soon as they start: a goroutine moves the fake clock to each timer's
// deadline until the test ends.
func (h *clientHarness) newClient(t *testing.T, secret sdk.Secret) *client.Client {
	t.Helper()
	c, err := client.New(client.Options{URL: h.server.URL, Secret: secret, Clock: h.clock})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ticker := time.NewTicker(time.Millisecond)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				if deadline, ok := h.clock.NextDeadline(); ok {
					h.clock.Set(deadline)
				}
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return c
}

// fixtureEvents reads the envelope fixtures as client events.
func fixtureEvents(t *testing.T) []client.Event {
	t.Helper()
	files, err := filepath.Glob("../../testdata/turbo/envelope/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no envelope fixtures: %v", err)
	}
	events := make([]client.Event, 0, len(files))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var ev client.Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		events = append(events, ev)
	}
	return events
}

func TestClientAcceptedThenDuplicate(t *testing.T) {
	h := newClientHarness(t)
	c := h.newClient(t, clientSecret)
	events := fixtureEvents(t)

	first, err := c.Send(context.Background(), events...)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Send(context.Background(), events...)
	if err != nil {
		t.Fatal(err)
	}

	for i := range events {
		if first[i].EventID != events[i].ID || first[i].Duplicate {
			t.Errorf("first send, event %d: %+v, want %s accepted", i, first[i], events[i].ID)
		}
		if second[i].EventID != events[i].ID || !second[i].Duplicate {
			t.Errorf("second send, event %d: %+v, want %s as a duplicate", i, second[i], events[i].ID)
		}
	}
}

func TestClientBuildsValidEnvelopes(t *testing.T) {
	h := newClientHarness(t)
	c := h.newClient(t, clientSecret)
	events := make([]client.Event, 1201)
	for i := range events {
		events[i] = client.Event{Type: "issue.created", EntityID: fmt.Sprintf("issue-%d", i),
			Actor: &client.Actor{Type: client.ActorSystem, Name: "importer"},
			Data:  &client.Data{Current: map[string]any{"title": fmt.Sprintf("Imported issue %d", i), "priority": "low"}}}
	}

	results, err := c.Send(context.Background(), events...)
	if err != nil {
		t.Fatal(err)
	}

	if len(results) != len(events) {
		t.Fatalf("got %d results, want %d", len(results), len(events))
	}
	if n := h.requests.Load(); n != 3 {
		t.Errorf("ingest received %d requests, want 3 (batches of at most 500)", n)
	}
}

func TestClientDoesNotRetryRejection(t *testing.T) {
	tests := []struct {
		name       string
		secret     sdk.Secret
		event      client.Event
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"invalid envelope", clientSecret, client.Event{Type: "issue.created"}, 400, "invalid_event", "events[0].entity_id"},
		{"wrong secret", "another-secret-0123456789", client.Event{Type: "issue.created", EntityID: "i-1"}, 401, "unauthorized", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newClientHarness(t)
			c := h.newClient(t, tc.secret)

			_, err := c.Send(context.Background(), tc.event)

			var statusErr *client.StatusError
			if !errors.As(err, &statusErr) {
				t.Fatalf("err = %v, want a *client.StatusError", err)
			}
			if statusErr.StatusCode != tc.wantStatus || statusErr.Code != tc.wantCode || statusErr.Retryable {
				t.Errorf("StatusError = %+v, want %d %s, not retryable", statusErr, tc.wantStatus, tc.wantCode)
			}
			if tc.wantField != "" && statusErr.Field != tc.wantField {
				t.Errorf("Field = %q, want %q", statusErr.Field, tc.wantField)
			}
			if n := h.requests.Load(); n != 1 {
				t.Errorf("ingest received %d requests, want 1", n)
			}
		})
	}
}

func TestClientRetriesUnavailable(t *testing.T) {
	h := newClientHarness(t)
	h.acceptor.failures.Store(2)
	c := h.newClient(t, clientSecret)
	started := h.clock.Now()
	events := fixtureEvents(t)

	results, err := c.Send(context.Background(), events...)
	if err != nil {
		t.Fatal(err)
	}

	if len(results) != len(events) || results[0].Duplicate {
		t.Errorf("results = %+v, want every event accepted", results)
	}
	if n := h.acceptor.calls.Load(); n != 3 {
		t.Errorf("ingest handled %d requests, want 3 (two 503s, then the accepted one)", n)
	}
	if waited := h.clock.Now().Sub(started); waited < 10*time.Second {
		t.Errorf("the client waited %s in all, want at least two Retry-After waits of 5s", waited)
	}
}
