package app

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk/clock"
)

// downPauses is a store whose Pauses fails, as during a database outage.
type downPauses struct{ store.Store }

func (downPauses) Pauses(context.Context) ([]*store.Pause, error) { return nil, store.ErrUnavailable }

func TestFailedPauseReadsLogOncePerMinute(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	var logs bytes.Buffer
	a := &App{clock: fake, store: downPauses{}, log: slog.New(slog.NewTextHandler(&logs, nil))}

	for _, advance := range []time.Duration{0, time.Second, 10 * time.Second, 49 * time.Second} {
		fake.Advance(advance)
		if _, err := a.readPauses(); err == nil {
			t.Fatal("readPauses of a failing store returned no error")
		}
	}

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "suppressed=0") || !strings.Contains(lines[1], "suppressed=2") {
		t.Errorf("log lines of 4 failed reads over a minute = %d, want 2 with suppressed 0 and 2:\n%s", len(lines), logs.String())
	}
}
