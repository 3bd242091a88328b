package ingest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/signature"
)

// Test secrets: a raw key for X-Webhook-Signature and a Standard Webhooks key.
const rawSecret = "turbo-webhook-secret-0123456789"

// githubSecret is the webhook_secret of the test's github connector.
const githubSecret = "github-webhook-secret-0123"

var (
	standardKey    = []byte("standard-webhooks-key-of-32-bytes")
	standardSecret = signature.StandardPrefix + base64.StdEncoding.EncodeToString(standardKey)
	testNow        = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
)

// turboFixtures is the directory of Turbo's sample events.
const turboFixtures = "../../testdata/turbo"

// fakeAcceptor records what it receives and behaves like the store: a known
// event id with the same content hash is a duplicate, with another hash a
// conflict. err, when set, is returned instead.
type fakeAcceptor struct {
	mu     sync.Mutex
	calls  [][]*event.Incoming
	hashes map[string][16]byte
	err    error
}

func (f *fakeAcceptor) Accept(_ context.Context, events []*event.Incoming) ([]store.EventResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, events)
	if f.err != nil {
		return nil, f.err
	}
	if f.hashes == nil {
		f.hashes = make(map[string][16]byte)
	}

	results := make([]store.EventResult, len(events))
	for i, in := range events {
		id := in.Envelope.EventID
		results[i].EventID = id
		known, ok := f.hashes[id]
		switch {
		case ok && known != in.ContentHash:
			return nil, &store.ConflictError{EventID: id}
		case ok:
			results[i].Duplicate = true
		default:
			f.hashes[id] = in.ContentHash
		}
	}
	return results, nil
}

// received returns every event the acceptor got, in order.
func (f *fakeAcceptor) received() []*event.Incoming {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []*event.Incoming
	for _, call := range f.calls {
		all = append(all, call...)
	}
	return all
}

func (f *fakeAcceptor) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// testServer is a handler with its fake acceptor, clock and log.
type testServer struct {
	handler  http.Handler
	acceptor *fakeAcceptor
	clock    *clock.Fake
	logs     *bytes.Buffer
}

func newTestServer(t testing.TB, change func(*Options)) *testServer {
	t.Helper()
	ts := &testServer{acceptor: &fakeAcceptor{}, clock: clock.NewFake(testNow), logs: &bytes.Buffer{}}
	opts := Options{
		Acceptor: ts.acceptor,
		Secrets:  []sdk.Secret{rawSecret, sdk.Secret(standardSecret)},
		// The empty secret must be ignored, not verify empty-key signatures.
		GitHubSecrets: []sdk.Secret{"", githubSecret},
		Clock:         ts.clock,
		Logger:        slog.New(slog.NewJSONHandler(&lockedWriter{w: ts.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if change != nil {
		change(&opts)
	}
	h, err := NewHandler(opts)
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	ts.handler = h
	return ts
}

// lockedWriter serialises writes to a buffer shared by handler goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// decodedResponse is a recorded response with its JSON body decoded.
type decodedResponse struct {
	status int
	header http.Header
	raw    []byte
	body   struct {
		Accepted *int `json:"accepted"`
		Events   []struct {
			EventID   string `json:"event_id"`
			Duplicate bool   `json:"duplicate"`
		} `json:"events"`
		Error  string `json:"error"`
		Code   string `json:"code"`
		Field  string `json:"field"`
		Status string `json:"status"`
	}
}

// do serves req and decodes the response, checking that it is JSON.
func (ts *testServer) do(t testing.TB, req *http.Request) *decodedResponse {
	t.Helper()
	rec := httptest.NewRecorder()
	ts.handler.ServeHTTP(rec, req)

	a := &decodedResponse{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if err := json.Unmarshal(a.raw, &a.body); err != nil {
		t.Fatalf("response %d is not JSON: %v\n%s", rec.Code, err, a.raw)
	}
	return a
}

// request builds a POST with a Content-Type.
func request(path, contentType string, body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// signTurbo signs a request the way Turbo does: HMAC-SHA256 of the bytes sent.
func signTurbo(req *http.Request, body []byte) *http.Request {
	req.Header.Set(signature.HeaderTurboSignature, signature.SignTurbo([]byte(rawSecret), body))
	return req
}

// signStandard signs a request with Standard Webhooks at the given time.
func signStandard(req *http.Request, body []byte, id string, at time.Time) *http.Request {
	req.Header.Set(signature.HeaderWebhookID, id)
	req.Header.Set(signature.HeaderWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(signature.HeaderWebhookSignature, signature.SignStandard([][]byte{standardKey}, id, at, body))
	return req
}

// envelopeRequest is a signed POST /v1/events of body.
func envelopeRequest(body []byte) *http.Request {
	return signTurbo(request("/v1/events", "application/json", body), body)
}

// nativeFixture is a sample delivery of Turbo's native webhook sender.
type nativeFixture struct {
	name    string
	headers map[string]string
	body    []byte
}

// request returns the delivery as Turbo sends it: its headers, the body bytes
// as they are in the file, and a signature over exactly those bytes.
func (f nativeFixture) request() *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/v1/turbo/webhook", bytes.NewReader(f.body))
	for name, value := range f.headers {
		req.Header.Set(name, value)
	}
	return signTurbo(req, f.body)
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func globFixtures(t testing.TB, pattern string) []string {
	t.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures match %s (%v)", pattern, err)
	}
	return paths
}

func envelopeFixtures(t testing.TB) map[string][]byte {
	out := make(map[string][]byte)
	for _, path := range globFixtures(t, filepath.Join(turboFixtures, "envelope", "*.json")) {
		out[filepath.Base(path)] = readFile(t, path)
	}
	return out
}

func nativeFixtures(t testing.TB) []nativeFixture {
	var out []nativeFixture
	for _, path := range globFixtures(t, filepath.Join(turboFixtures, "native", "*.json")) {
		var file struct {
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		}
		if err := json.Unmarshal(readFile(t, path), &file); err != nil {
			t.Fatalf("decode %s: %v", path, err)
		}
		out = append(out, nativeFixture{name: filepath.Base(path), headers: file.Headers, body: file.Body})
	}
	return out
}

// eventID returns the event_id of an envelope body.
func eventID(t testing.TB, body []byte) string {
	t.Helper()
	var env struct {
		EventID string `json:"event_id"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	return env.EventID
}
