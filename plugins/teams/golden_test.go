package teams

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGoldenCards sends every envelope fixture with the default card and
// compares the body the fake workflow receives with its golden file.
func TestGoldenCards(t *testing.T) {
	files, err := filepath.Glob(envelopeDir + "*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no envelope fixtures found: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			s := newSetup(t, nil)
			result := deliver(t, s.in, deliveryRequest(connectortest.LoadEvent(t, file)))
			checkGolden(t, s, result, name)
		})
	}
}

func TestGoldenDigest(t *testing.T) {
	files, err := filepath.Glob(envelopeDir + "*.json")
	if err != nil {
		t.Fatal(err)
	}
	var events []sdk.Event
	for _, file := range files {
		events = append(events, connectortest.LoadEvent(t, file))
	}
	s := newSetup(t, nil)
	result := deliver(t, s.in, deliveryRequest(events...))
	checkGolden(t, s, result, "digest-every-fixture")
}

func TestGoldenTemplateCard(t *testing.T) {
	s := newSetup(t, nil)
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Message = `{"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "TURBO-42 is high priority", "wrap": true}]}`
	result := deliver(t, s.in, req)
	checkGolden(t, s, result, "template-card")
}

func checkGolden(t *testing.T, s *setup, result sdk.Result, name string) {
	t.Helper()
	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v, want delivered (reason %q)", result.Outcome, result.Reason)
	}
	runs := s.fake.Runs()
	if len(runs) != 1 {
		t.Fatalf("fake Teams received %d runs, want 1", len(runs))
	}
	if !runs[0].Posted() {
		t.Errorf("the workflow could not post the card: %s", runs[0].Error)
	}
	got := connectortest.IndentJSON(t, runs[0].Body)
	connectortest.CompareGolden(t, filepath.Join("testdata", "golden", name+".json"), got, *update)
}
