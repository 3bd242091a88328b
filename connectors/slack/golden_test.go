package slack

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const (
	envelopeDir = "../../testdata/turbo/envelope"
	// nativeDir holds the native fixtures of testdata/turbo/native as
	// envelopes, written by test/integration's TestSlackNativeEnvelopes, which
	// converts them with the daemon's own normaliser.
	nativeDir = "testdata/native"
	webURL    = "https://turbo.example"
)

// goldenCase is one fixture and the golden file its default message matches.
type goldenCase struct {
	name    string
	fixture string
}

func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	var cases []goldenCase
	for _, dir := range []struct{ path, prefix string }{{envelopeDir, "envelope-"}, {nativeDir, "native-"}} {
		files, err := filepath.Glob(filepath.Join(dir.path, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			cases = append(cases, goldenCase{name: dir.prefix + strings.TrimSuffix(filepath.Base(file), ".json"), fixture: file})
		}
	}
	if len(cases) < 11 {
		t.Fatalf("found %d fixtures, want the 7 envelopes and 4 natives of testdata/turbo", len(cases))
	}
	return cases
}

func TestDefaultMessageGolden(t *testing.T) {
	for _, tc := range goldenCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			event := connectortest.LoadEvent(t, tc.fixture)
			req := &sdk.DeliveryRequest{Route: "golden", Events: []sdk.Event{event}}
			msg, err := buildMessage(req, webURL, "")
			if err != nil {
				t.Fatalf("buildMessage: %v", err)
			}
			checkGolden(t, tc.name, payload{Text: msg.Text, Blocks: msg.Blocks})
			checkFitsLimits(t, msg)
		})
	}
}

// checkGolden compares p's JSON with testdata/golden/NAME.json, or writes it
// there with -update.
func checkGolden(t *testing.T, name string, p payload) {
	t.Helper()
	got, err := p.indent()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test with -update to create it): %v", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), []byte(got)) {
		t.Errorf("message differs from %s (rerun with -update if the change is intended):\n%s", path, got)
	}
}
