package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestDeliveryShowHeadsReasons prints a delivery whose attempt was skipped:
// a skip is no error, so the column that holds its reason says REASON.
func TestDeliveryShowHeadsReasons(t *testing.T) {
	reason := "the change was made by Switchboard's own account switchboard-bot; not sent back"
	d := delivery{ID: "dlv_1", Status: "skipped", AttemptList: []attempt{
		{Number: 1, StartedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Outcome: "skipped", Error: reason[:40]},
	}}
	var out bytes.Buffer

	printDelivery(&out, d)

	head, _, _ := strings.Cut(out.String()[strings.Index(out.String(), "#"):], "\n")
	if strings.Contains(head, "ERROR") || !strings.Contains(head, "REASON") {
		t.Errorf("attempts head %q, want REASON, not ERROR", head)
	}
	if !strings.Contains(out.String(), reason[:40]) {
		t.Errorf("output lacks the skip reason:\n%s", out.String())
	}
}
