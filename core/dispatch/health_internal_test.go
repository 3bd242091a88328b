package dispatch

import (
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

func TestHealthFailedInARow(t *testing.T) {
	d := &Dispatcher{health: newHealthBook()}
	at := time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)
	note := func(res sdk.Result, n int) {
		for range n {
			d.health.note("hook", res, at)
		}
	}
	failed := sdk.Result{Outcome: sdk.OutcomePermanent, StatusCode: 410, Reason: "410 Gone"}

	note(sdk.Delivered(200, ""), 150)
	note(failed, 4)
	if got := d.Health()["hook"]; got.FailedInARow != 4 || got.Delivered != 96 {
		t.Errorf("after 4 failures: %d in a row, %d delivered; want 4 and 96", got.FailedInARow, got.Delivered)
	}
	note(sdk.Delivered(200, ""), 1)
	if got := d.Health()["hook"].FailedInARow; got != 0 {
		t.Errorf("after a delivery: %d failed in a row, want 0", got)
	}
	note(failed, 120)
	if got := d.Health()["hook"].FailedInARow; got != healthWindow {
		t.Errorf("after more failures than the window holds: %d in a row, want %d", got, healthWindow)
	}
}
