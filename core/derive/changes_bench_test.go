package derive

import (
	"fmt"
	"testing"

	"github.com/turbocode/switchboard/core/event"
)

// BenchmarkChanges measures deriving one issue update against its stored
// state, for a full snapshot (the merge adds nothing) and for one that
// carries only the status (the merge copies the stored fields).
//
//	go test -run '^$' -bench Changes ./core/derive
func BenchmarkChanges(b *testing.B) {
	stored, err := Changes(mustEvent(b, "e0", fullIssue), nil)
	if err != nil {
		b.Fatal(err)
	}
	full := `{"title":"Login fails","status":"in_progress","priority":"high","assignee":"bob@example.com",` +
		`"due_date":"2026-12-10T17:00:00Z","blocked_by":["i9"],"updated_at":"2026-12-02T10:00:00Z"}`
	for _, tt := range []struct{ name, current string }{
		{"full", full},
		{"partial", `{"status":"in_progress","updated_at":"2026-12-02T10:00:00Z"}`},
	} {
		b.Run(tt.name, func(b *testing.B) {
			in := mustEvent(b, "e1", tt.current)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Prepare(in).Changes(stored.Entity); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func mustEvent(b *testing.B, id, current string) *event.Incoming {
	b.Helper()
	raw := fmt.Sprintf(`{"event_id":%q,"event_type":"issue.updated","timestamp":"2026-12-02T12:00:00Z",`+
		`"entity_type":"issue","entity_id":"i1","context":{"project_id":"p1"},"data":{"current":%s}}`, id, current)
	events, err := event.ParseEnvelopes([]byte(raw), 1)
	if err != nil {
		b.Fatal(err)
	}
	return events[0]
}
