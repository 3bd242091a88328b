package derive

import (
	"testing"
)

// BenchmarkChanges measures deriving one issue update against its stored
// state, for a full snapshot (the merge adds nothing) and for one that
// carries only the status (the merge copies the stored fields).
//
//	go test -run '^$' -bench Changes ./core/derive
func BenchmarkChanges(b *testing.B) {
	stored, err := Changes(updateEvent(b, "e0", "", fullIssue), nil)
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
			in := updateEvent(b, "e1", "", tt.current)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Prepare(in).Changes(stored.Entity); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
