package event

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// turboFixtures is the directory of Turbo's sample events.
const turboFixtures = "../../testdata/turbo"

// fixture is one sample file: its name and bytes.
type fixture struct {
	name string
	body []byte
}

// nativeFixture is a sample delivery of Turbo's native webhook sender.
type nativeFixture struct {
	name       string
	eventName  string
	deliveryID string
	body       []byte
}

func readFixtures(t testing.TB, pattern string) []fixture {
	t.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatalf("glob %s: %v", pattern, err)
	}
	if len(paths) == 0 {
		t.Fatalf("no fixtures match %s", pattern)
	}
	fixtures := make([]fixture, 0, len(paths))
	for _, path := range paths {
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		fixtures = append(fixtures, fixture{name: filepath.Base(path), body: body})
	}
	return fixtures
}

func envelopeFixtures(t testing.TB) []fixture {
	return readFixtures(t, filepath.Join(turboFixtures, "envelope", "*.json"))
}

func cloudEventFixtures(t testing.TB) []fixture {
	return readFixtures(t, filepath.Join("testdata", "cloudevents", "*.json"))
}

func nativeFixtures(t testing.TB) []nativeFixture {
	var out []nativeFixture
	for _, f := range readFixtures(t, filepath.Join(turboFixtures, "native", "*.json")) {
		var file struct {
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		}
		if err := json.Unmarshal(f.body, &file); err != nil {
			t.Fatalf("decode %s: %v", f.name, err)
		}
		out = append(out, nativeFixture{
			name:       f.name,
			eventName:  file.Headers["X-Webhook-Event"],
			deliveryID: file.Headers["X-Webhook-Delivery-Id"],
			body:       file.Body,
		})
	}
	return out
}

// decodeJSON decodes JSON into generic values, failing the test on error.
func decodeJSON(t testing.TB, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

// lookupPath returns the value at a dotted path of generic JSON, or nil.
func lookupPath(v any, path ...string) any {
	for _, key := range path {
		object, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = object[key]
	}
	return v
}
