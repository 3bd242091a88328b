package ingest

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk/signature"
)

func TestRejectionLogsRateLimited(t *testing.T) {
	body := envelopeFixtures(t)["issue-created-high.json"]
	badSignature := signature.SignTurbo([]byte("another-secret-0123456789"), body)
	unauthorized := func() *http.Request {
		req := request("/v1/events", "application/json", body)
		req.Header.Set(signature.HeaderTurboSignature, badSignature)
		return req
	}
	badRequest := func() *http.Request { return envelopeRequest([]byte(`{"event_id": `)) }

	logs := &bytes.Buffer{}
	ts := newTestServer(t, func(o *Options) {
		o.Logger = slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})

	steps := []struct {
		advance time.Duration
		req     func() *http.Request
	}{
		{0, unauthorized},               // logged at warn, suppressed 0
		{time.Second, unauthorized},     // held back
		{time.Second, unauthorized},     // held back
		{0, badRequest},                 // another status: logged at info
		{8 * time.Second, unauthorized}, // 10 s after the first: logged, suppressed 2
		{2 * time.Second, badRequest},   // 10 s after the first 400: logged, suppressed 0
		{time.Second, unauthorized},     // held back again
	}
	for _, step := range steps {
		ts.clock.Advance(step.advance)
		ts.do(t, step.req())
	}

	lines := decodeLogLines(t, logs.Bytes())
	type line struct {
		level      string
		status     float64
		suppressed any
	}
	var got []line
	for _, l := range lines {
		got = append(got, line{fmt.Sprint(l["level"]), l["status"].(float64), l["suppressed"]})
	}
	want := []line{
		{"WARN", 401, 0.0},
		{"INFO", 400, 0.0},
		{"WARN", 401, 2.0},
		{"INFO", 400, 0.0},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("log lines = %v, want %v\n%s", got, want, logs)
	}
	for _, secret := range []string{rawSecret, standardSecret, badSignature, strings.TrimPrefix(badSignature, "sha256=")} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log contains a secret or signature value %q", secret)
		}
	}
}

func TestRejectionLogsHeldBackAtDebug(t *testing.T) {
	ts := newTestServer(t, nil) // logs at debug
	for range 3 {
		ts.do(t, envelopeRequest([]byte(`{"event_id": `)))
	}

	lines := decodeLogLines(t, ts.logs.Bytes())
	if len(lines) != 3 {
		t.Fatalf("got %d log lines, want 3: %s", len(lines), ts.logs)
	}
	if lines[0]["level"] != "INFO" || lines[0]["suppressed"] != 0.0 {
		t.Errorf("first line = %v, want info with suppressed 0", lines[0])
	}
	for _, line := range lines[1:] {
		if line["level"] != "DEBUG" || line["status"] != 400.0 {
			t.Errorf("held-back line = %v, want debug with status 400", line)
		}
		if _, ok := line["suppressed"]; ok {
			t.Errorf("held-back line = %v carries suppressed", line)
		}
	}
}

func TestUnavailableRejectionsLogOncePerWindow(t *testing.T) {
	body := envelopeFixtures(t)["issue-created-high.json"]
	logs := &bytes.Buffer{}
	ts := newTestServer(t, func(o *Options) {
		o.Logger = slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	ts.acceptor.err = fmt.Errorf("commit: %w", store.ErrUnavailable)

	for _, advance := range []time.Duration{0, time.Second, time.Second, 8 * time.Second} {
		ts.clock.Advance(advance)
		if a := ts.do(t, envelopeRequest(body)); a.status != http.StatusServiceUnavailable {
			t.Fatalf("status = %d, want 503", a.status)
		}
	}

	lines := decodeLogLines(t, logs.Bytes())
	var suppressed []any
	for _, l := range lines {
		if l["msg"] == "request rejected" {
			suppressed = append(suppressed, l["suppressed"])
		}
	}
	if fmt.Sprint(suppressed) != fmt.Sprint([]any{0.0, 2.0}) {
		t.Errorf("suppressed counts of the 503 lines = %v, want [0 2]\n%s", suppressed, logs)
	}
}
