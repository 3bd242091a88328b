package event

import (
	"path/filepath"
	"testing"
	"time"
)

func BenchmarkParseEnvelopes(b *testing.B) {
	body := readFixtures(b, filepath.Join(turboFixtures, "envelope", "issue-updated-status.json"))[0].body
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseEnvelopes(body, DefaultMaxBatch); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFromTurboWebhook(b *testing.B) {
	f := nativeFixtures(b)[0]
	b.SetBytes(int64(len(f.body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromTurboWebhook(f.eventName, f.deliveryID, f.body, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}
