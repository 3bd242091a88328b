package file

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestLineCarriesDigestAndThrottleCounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	in, _ := configure(t, map[string]any{"path": path})
	digest := deliveryRequest(t, "dlv_a_1")
	digest.Events = append(digest.Events, connectortest.LoadEvent(t, "../../testdata/turbo/envelope/comment-created.json"))
	digest.TotalEvents = 5
	throttled := deliveryRequest(t, "dlv_a_2")
	throttled.Suppressed = 2

	for _, req := range []*sdk.DeliveryRequest{digest, throttled, deliveryRequest(t, "dlv_a_3")} {
		if result := in.Deliver(context.Background(), req); result.Outcome != sdk.OutcomeDelivered {
			t.Fatalf("Outcome = %v (%s)", result.Outcome, result.Reason)
		}
	}

	lines := readLines(t, path)
	if len(lines) != 3 {
		t.Fatalf("file has %d lines, want 3", len(lines))
	}
	var events []json.RawMessage
	if err := json.Unmarshal(lines[0]["events"], &events); err != nil || len(events) != 2 {
		t.Errorf("digest line has events %s, want the two listed", lines[0]["events"])
	}
	tests := []struct {
		line  int
		key   string
		want  string
		isSet bool
	}{
		{0, "total_events", "5", true},
		{0, "suppressed", "", false},
		{1, "suppressed", "2", true},
		{1, "total_events", "", false},
		{2, "total_events", "", false},
		{2, "suppressed", "", false},
	}
	for _, tt := range tests {
		got, ok := lines[tt.line][tt.key]
		if ok != tt.isSet || string(got) != tt.want {
			t.Errorf("line %d: %s = %s (set %t), want %q (set %t)", tt.line+1, tt.key, got, ok, tt.want, tt.isSet)
		}
	}
}
