package derive

import (
	"encoding/json"
	"testing"
)

// TestMergedKnownKeysAgree checks that merging with the member names known
// gives the state the scanning merge gives.
func TestMergedKnownKeysAgree(t *testing.T) {
	cases := []struct{ name, base, update string }{
		{"full snapshot", `{"status":"open","title":"a"}`, `{"title":"b","status":"done"}`},
		{"partial snapshot", `{"status":"open","title":"a"}`, `{"status":"done"}`},
		{"new member", `{"status":"open"}`, `{"status":"open","priority":"high"}`},
		{"escaped name", `{"st\u0061tus":"open","title":"a"}`, `{"status":"done","title":"b"}`},
		{"empty update", `{"status":"open"}`, `{}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base, update := json.RawMessage(c.base), json.RawMessage(c.update)
			scanned := merged(snapshot{raw: base, fields: ReadFields(base)}, snapshot{raw: update, fields: ReadFields(update)})
			known := merged(readSnapshot(base), readSnapshot(update))
			if string(known.raw) != string(scanned.raw) {
				t.Errorf("with names known %s, scanned %s", known.raw, scanned.raw)
			}
		})
	}
}
