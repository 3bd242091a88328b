package dispatch

import (
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

func TestHealthLeavesSkipsOut(t *testing.T) {
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name          string
		results       []sdk.Result
		wantAttempts  int
		wantDelivered int
		wantLastError string
	}{
		{"skips only", []sdk.Result{sdk.Skipped("an echo"), sdk.Skipped("no change")}, 0, 0, ""},
		{"delivered and skipped", []sdk.Result{sdk.Delivered(200, ""), sdk.Skipped("an echo"), sdk.Skipped("an echo")}, 1, 1, ""},
		{"failure before a skip", []sdk.Result{sdk.Permanent("404 Not Found"), sdk.Skipped("an echo")}, 1, 0, "404 Not Found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			book := newHealthBook()
			for i, res := range tc.results {
				book.note("github", res, at.Add(time.Duration(i)*time.Second))
			}
			h := book.connectors["github"]
			if h == nil {
				h = &connectorHealth{}
			}
			if h.Attempts != tc.wantAttempts || h.Delivered != tc.wantDelivered {
				t.Errorf("attempts %d, delivered %d; want %d and %d", h.Attempts, h.Delivered, tc.wantAttempts, tc.wantDelivered)
			}
			if h.LastError != tc.wantLastError {
				t.Errorf("last error %q, want %q", h.LastError, tc.wantLastError)
			}
		})
	}
}
