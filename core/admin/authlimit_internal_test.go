package admin

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk/clock"
)

func newLimitedServer() (*server, *clock.Fake, *bytes.Buffer) {
	fake := clock.NewFake(time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC))
	var logs bytes.Buffer
	s := &server{failures: newTokenFailures(fake), clock: fake, log: slog.New(slog.NewTextHandler(&logs, nil))}
	return s, fake, &logs
}

func TestTokenFailureLimit(t *testing.T) {
	s, fake, logs := newLimitedServer()
	r := httptest.NewRequest("GET", "/api/v1/status", nil)
	r.RemoteAddr = "192.0.2.7:50000"

	for i := 1; i <= tokenFailureLimit; i++ {
		if wait := s.noteTokenFailure(r, "wrong token"); wait != 0 {
			t.Fatalf("failure %d: wait %s, want none under the limit", i, wait)
		}
	}
	fake.Advance(20 * time.Second)
	if wait := s.noteTokenFailure(r, "wrong token"); wait != 40*time.Second {
		t.Errorf("first failure over the limit: wait %s, want the 40 s left of the window", wait)
	}
	for range 100 {
		s.noteTokenFailure(r, "wrong token")
	}
	if n := strings.Count(logs.String(), "wrong token"); n != 2 {
		t.Errorf("%d log lines for 121 failures in one window, want 2:\n%s", n, logs)
	}

	other := httptest.NewRequest("GET", "/api/v1/status", nil)
	other.RemoteAddr = "192.0.2.8:50000"
	if wait := s.noteTokenFailure(other, "wrong token"); wait != 0 {
		t.Errorf("another address waits %s, want no wait", wait)
	}

	fake.Advance(40 * time.Second)
	if wait := s.noteTokenFailure(r, "wrong token"); wait != 0 {
		t.Errorf("first failure of the next window: wait %s, want none", wait)
	}
	if n := strings.Count(logs.String(), "wrong token"); n != 4 {
		t.Errorf("%d log lines after a second window and another address, want 4:\n%s", n, logs)
	}
}

func TestTokenFailureAddressBound(t *testing.T) {
	s, _, _ := newLimitedServer()
	for i := range maxFailureAddresses {
		s.failures.add(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	var last time.Duration
	for i := range tokenFailureLimit + 1 {
		r := httptest.NewRequest("GET", "/api/v1/status", nil)
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:1", i)
		last = s.noteTokenFailure(r, "wrong token")
	}
	if last == 0 {
		t.Errorf("new addresses past the bound are not counted together")
	}
	if len(s.failures.windows) > maxFailureAddresses+1 {
		t.Errorf("%d addresses kept, want at most %d", len(s.failures.windows), maxFailureAddresses+1)
	}
}
