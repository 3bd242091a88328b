package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/signature"
)

const rawSecret = "client-test-secret-0123456789"

var (
	standardKey    = []byte("client-test-standard-key-32-bytes")
	standardSecret = signature.StandardPrefix + base64.StdEncoding.EncodeToString(standardKey)
	testStart      = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
)

// waitClock is a clock whose timers fire at once. It records each wait and
// moves its time forward by it, so retries run without real waiting.
type waitClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *waitClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *waitClock) NewTimer(d time.Duration) sdk.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return firedTimer{ch}
}

func (c *waitClock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

type firedTimer struct{ ch chan time.Time }

func (t firedTimer) C() <-chan time.Time        { return t.ch }
func (t firedTimer) Stop() bool                 { return false }
func (t firedTimer) Reset(d time.Duration) bool { return false }

// fakeIngest responds to POST /v1/events like Switchboard's ingest: it
// accepts arrays of envelopes, remembers every id it accepted, and sends the
// scripted failures first.
type fakeIngest struct {
	t       *testing.T
	mu      sync.Mutex
	known   map[string]bool
	script  []scripted
	batches [][]Event
	headers []http.Header
}

type scripted struct {
	status int
	header http.Header
	body   string
}

func newFakeIngest(t *testing.T, script ...scripted) (*fakeIngest, *httptest.Server) {
	f := &fakeIngest{t: t, known: map[string]bool{}, script: script}
	server := httptest.NewServer(f)
	t.Cleanup(server.Close)
	return f, server
}

func (f *fakeIngest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path != "/v1/events" || r.Method != http.MethodPost {
		http.Error(w, `{"error":"wrong endpoint","code":"not_found"}`, http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.headers = append(f.headers, r.Header.Clone())

	if len(f.script) > 0 {
		next := f.script[0]
		f.script = f.script[1:]
		for name, values := range next.header {
			w.Header()[name] = values
		}
		w.WriteHeader(next.status)
		io.WriteString(w, next.body)
		return
	}

	var events []Event
	if err := json.Unmarshal(body, &events); err != nil {
		f.t.Errorf("request body is not an array of events: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f.batches = append(f.batches, events)
	f.answer(w, events)
}

func (f *fakeIngest) answer(w http.ResponseWriter, events []Event) {
	type item struct {
		EventID   string `json:"event_id"`
		Duplicate bool   `json:"duplicate"`
	}
	items := make([]item, len(events))
	duplicates := 0
	for i, ev := range events {
		items[i] = item{EventID: ev.ID, Duplicate: f.known[ev.ID]}
		if f.known[ev.ID] {
			duplicates++
		}
		f.known[ev.ID] = true
	}
	status := http.StatusAccepted
	if duplicates == len(events) {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"accepted": len(events), "events": items})
}

func (f *fakeIngest) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.headers)
}

func newTestClient(t *testing.T, url string, opts Options) (*Client, *waitClock) {
	t.Helper()
	clk := &waitClock{now: testStart}
	opts.URL = url
	if opts.Secret == "" && !opts.Unsigned {
		opts.Secret = rawSecret
	}
	opts.Clock = clk
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, clk
}

func issueEvents(n int) []Event {
	events := make([]Event, n)
	for i := range events {
		events[i] = Event{Type: "issue.created", EntityID: fmt.Sprintf("issue-%d", i),
			Data: &Data{Current: map[string]any{"title": fmt.Sprintf("Issue %d", i)}}}
	}
	return events
}

// twoEventBytes returns the size of a batch of two events from issueEvents.
func twoEventBytes() int {
	events, _ := prepare(issueEvents(2), testStart)
	one, _ := json.Marshal(events[0])
	two, _ := json.Marshal(events[1])
	return len(one) + len(two) + len("[,]")
}

func TestSendFillsIDAndTime(t *testing.T) {
	f, server := newFakeIngest(t)
	c, _ := newTestClient(t, server.URL, Options{})

	results, err := c.Send(context.Background(), Event{Type: "issue.created", EntityID: "i-1"}, Event{ID: "given-id", Type: "issue.updated", EntityID: "i-1"})
	if err != nil {
		t.Fatal(err)
	}

	sent := f.batches[0]
	if len(sent[0].ID) != 36 {
		t.Errorf("generated id = %q, want a UUID", sent[0].ID)
	}
	if sent[1].ID != "given-id" {
		t.Errorf("id = %q, want the one set", sent[1].ID)
	}
	if !sent[0].Time.Equal(testStart) {
		t.Errorf("timestamp = %v, want the clock's time %v", sent[0].Time, testStart)
	}
	if results[0].EventID != sent[0].ID || results[1].EventID != "given-id" {
		t.Errorf("results = %+v, want the ids in order", results)
	}
}

func TestSendRejectsEventWithoutType(t *testing.T) {
	f, server := newFakeIngest(t)
	c, _ := newTestClient(t, server.URL, Options{})

	_, err := c.Send(context.Background(), Event{EntityID: "i-1"})
	if err == nil || !strings.Contains(err.Error(), "event 0 has no Type") {
		t.Errorf("err = %v, want one naming event 0's missing Type", err)
	}
	if f.requests() != 0 {
		t.Errorf("sent %d requests, want none", f.requests())
	}
}

func TestSendSplitsBatches(t *testing.T) {
	tests := []struct {
		name        string
		events      int
		opts        Options
		wantBatches []int
	}{
		{"one request", 3, Options{}, []int{3}},
		{"ingest's default count", 1201, Options{}, []int{500, 500, 201}},
		{"smaller count", 5, Options{MaxBatch: 2}, []int{2, 2, 1}},
		{"byte limit", 6, Options{MaxBatchBytes: twoEventBytes()}, []int{2, 2, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, server := newFakeIngest(t)
			c, _ := newTestClient(t, server.URL, tc.opts)

			results, err := c.Send(context.Background(), issueEvents(tc.events)...)
			if err != nil {
				t.Fatal(err)
			}

			var sizes []int
			for _, b := range f.batches {
				sizes = append(sizes, len(b))
			}
			if fmt.Sprint(sizes) != fmt.Sprint(tc.wantBatches) {
				t.Errorf("batch sizes = %v, want %v", sizes, tc.wantBatches)
			}
			if len(results) != tc.events {
				t.Errorf("got %d results, want %d", len(results), tc.events)
			}
		})
	}
}

func TestSendRejectsEventOverByteLimit(t *testing.T) {
	_, server := newFakeIngest(t)
	c, _ := newTestClient(t, server.URL, Options{MaxBatchBytes: 100})

	_, err := c.Send(context.Background(), Event{Type: "issue.created", EntityID: "i-1", Data: &Data{Current: strings.Repeat("x", 200)}})
	if err == nil || !strings.Contains(err.Error(), "more than MaxBatchBytes (100)") {
		t.Errorf("err = %v, want one naming MaxBatchBytes", err)
	}
}

func TestSendSigns(t *testing.T) {
	tests := []struct {
		name   string
		secret sdk.Secret
		verify func(http.Header, []byte) error
	}{
		{"turbo scheme", rawSecret, func(h http.Header, body []byte) error {
			return signature.VerifyTurbo([][]byte{[]byte(rawSecret)}, h.Get(signature.HeaderTurboSignature), body)
		}},
		{"standard webhooks", sdk.Secret(standardSecret), func(h http.Header, body []byte) error {
			return signature.VerifyStandard([][]byte{standardKey}, h.Get(signature.HeaderWebhookID), h.Get(signature.HeaderWebhookTimestamp),
				h.Get(signature.HeaderWebhookSignature), body, testStart, time.Minute)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var verifyErr error
			server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				verifyErr = tc.verify(r.Header, body)
				w.WriteHeader(http.StatusAccepted)
			}))
			defer server.Close()
			c, _ := newTestClient(t, server.URL, Options{Secret: tc.secret})

			if _, err := c.Send(context.Background(), issueEvents(1)...); err != nil {
				t.Fatal(err)
			}
			if verifyErr != nil {
				t.Errorf("signature does not verify: %v", verifyErr)
			}
		})
	}
}

func TestSendRetries(t *testing.T) {
	unavailable := scripted{status: 503, header: http.Header{"Retry-After": {"7"}},
		body: `{"error":"the event store cannot commit right now","code":"unavailable"}`}
	tests := []struct {
		name     string
		script   []scripted
		wantMin  []time.Duration
		attempts int
	}{
		{"503 honours Retry-After", []scripted{unavailable}, []time.Duration{7 * time.Second}, 2},
		{"429 then 502", []scripted{{status: 429}, {status: 502}}, []time.Duration{DefaultMinBackoff, DefaultMinBackoff}, 3},
		{"408", []scripted{{status: 408}}, []time.Duration{DefaultMinBackoff}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, server := newFakeIngest(t, tc.script...)
			c, clk := newTestClient(t, server.URL, Options{})

			results, err := c.Send(context.Background(), issueEvents(2)...)
			if err != nil {
				t.Fatal(err)
			}

			if len(results) != 2 || results[0].Duplicate {
				t.Errorf("results = %+v, want 2 accepted", results)
			}
			if n := f.requests(); n != tc.attempts {
				t.Errorf("sent %d requests, want %d", n, tc.attempts)
			}
			waits := clk.recorded()
			if len(waits) != len(tc.wantMin) {
				t.Fatalf("waited %v, want %d waits", waits, len(tc.wantMin))
			}
			for i, wait := range waits {
				if wait < tc.wantMin[i] || wait > DefaultMaxBackoff+tc.wantMin[i] {
					t.Errorf("wait %d = %v, want at least %v", i, wait, tc.wantMin[i])
				}
			}
		})
	}
}

func TestSendRetriesNetworkErrors(t *testing.T) {
	f, server := newFakeIngest(t)
	hijacked := 0
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hijacked < 2 {
			hijacked++
			conn, _, _ := http.NewResponseController(w).Hijack()
			conn.Close()
			return
		}
		f.ServeHTTP(w, r)
	}))
	defer flaky.Close()
	_ = server
	c, clk := newTestClient(t, flaky.URL, Options{})

	if _, err := c.Send(context.Background(), issueEvents(1)...); err != nil {
		t.Fatal(err)
	}
	if n := len(clk.recorded()); n != 2 {
		t.Errorf("waited %d times, want 2 (one per dropped connection)", n)
	}
}

func TestSendDoesNotRetryClientErrors(t *testing.T) {
	tests := []struct {
		status   int
		body     string
		wantCode string
	}{
		{400, `{"error":"event_type: missing","code":"invalid_event","field":"events[0].event_type"}`, "invalid_event"},
		{401, `{"error":"invalid signature","code":"unauthorized"}`, "unauthorized"},
		{409, `{"error":"known id, other body","code":"conflict","field":"events[0].event_id"}`, "conflict"},
		{413, `{"error":"body too large","code":"too_large"}`, "too_large"},
		{404, `not ingest`, ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			f, server := newFakeIngest(t, scripted{status: tc.status, body: tc.body})
			c, clk := newTestClient(t, server.URL, Options{})

			_, err := c.Send(context.Background(), issueEvents(1)...)

			var statusErr *StatusError
			if !errors.As(err, &statusErr) {
				t.Fatalf("err = %v, want a *StatusError", err)
			}
			if statusErr.StatusCode != tc.status || statusErr.Code != tc.wantCode || statusErr.Retryable {
				t.Errorf("StatusError = %+v, want status %d, code %q, not retryable", statusErr, tc.status, tc.wantCode)
			}
			if f.requests() != 1 || len(clk.recorded()) != 0 {
				t.Errorf("sent %d requests and waited %d times, want 1 and none", f.requests(), len(clk.recorded()))
			}
		})
	}
}

func TestSendGivesUpAfterMaxAttempts(t *testing.T) {
	failing := scripted{status: 503, body: `{"error":"busy","code":"unavailable"}`}
	f, server := newFakeIngest(t, failing, failing, failing)
	c, _ := newTestClient(t, server.URL, Options{MaxAttempts: 3})

	_, err := c.Send(context.Background(), issueEvents(1)...)

	var statusErr *StatusError
	if !errors.As(err, &statusErr) || !statusErr.Retryable {
		t.Fatalf("err = %v, want a retryable *StatusError", err)
	}
	if !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("err = %q, want it to count the attempts", err)
	}
	if f.requests() != 3 {
		t.Errorf("sent %d requests, want 3", f.requests())
	}
}

func TestSendStopsAtDeadline(t *testing.T) {
	f, server := newFakeIngest(t, scripted{status: 429, header: http.Header{"Retry-After": {"3600"}}})
	c, clk := newTestClient(t, server.URL, Options{})
	clk.now = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	_, err := c.Send(ctx, issueEvents(1)...)

	if err == nil || !strings.Contains(err.Error(), "past the context's deadline") {
		t.Errorf("err = %v, want one about the deadline", err)
	}
	if f.requests() != 1 {
		t.Errorf("sent %d requests, want 1", f.requests())
	}
}

func TestSendReportsEarlierBatches(t *testing.T) {
	f, _ := newFakeIngest(t)
	requests := 0
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		if requests == 2 {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid event id","code":"invalid_event","field":"events[0].event_id"}`)
			return
		}
		f.ServeHTTP(w, r)
	}))
	defer server.Close()
	c, _ := newTestClient(t, server.URL, Options{MaxBatch: 2})

	results, err := c.Send(context.Background(), issueEvents(3)...)

	if len(results) != 2 {
		t.Errorf("got %d results, want the first batch's 2", len(results))
	}
	if err == nil || !strings.Contains(err.Error(), "send events 3 to 3 of 3") {
		t.Errorf("err = %v, want one naming events 3 to 3", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no URL", Options{Secret: rawSecret}, "invalid Switchboard URL"},
		{"ftp URL", Options{URL: "ftp://x", Secret: rawSecret}, "invalid Switchboard URL"},
		{"query", Options{URL: "http://x/?a=1", Secret: rawSecret}, "query or fragment"},
		{"no secret", Options{URL: "http://x"}, "no Secret is set"},
		{"both", Options{URL: "http://x", Secret: rawSecret, Unsigned: true}, "both Secret and Unsigned"},
		{"bad whsec", Options{URL: "http://x", Secret: "whsec_???"}, "not valid base64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), rawSecret) {
				t.Errorf("err %q shows the secret", err)
			}
		})
	}
}

func TestEndpointKeepsPathPrefix(t *testing.T) {
	got, err := eventsEndpoint("https://sb.example/ingest/")
	if err != nil {
		t.Fatal(err)
	}
	if got != "https://sb.example/ingest/v1/events" {
		t.Errorf("endpoint = %q", got)
	}
}
