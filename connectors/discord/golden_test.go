package discord

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGoldenMessages sends every envelope fixture through a webhook with the
// default message and compares the body Discord receives with its golden
// file.
func TestGoldenMessages(t *testing.T) {
	files, err := filepath.Glob(envelopeDir + "*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no envelope fixtures found: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			s := newWebhookSetup(t, map[string]any{"username": "Turbo"})
			result := deliver(t, s.in, deliveryRequest(connectortest.LoadEvent(t, file)))
			checkGolden(t, s, result, name)
		})
	}
}

// TestGoldenNativeMessages does the same for Turbo's native fixtures, as
// testdata/native holds them after the daemon's normaliser (rewritten by
// go test ./test/integration -run TestDiscordNativeEnvelopes -update-discord-natives).
func TestGoldenNativeMessages(t *testing.T) {
	files, err := filepath.Glob("testdata/native/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no native envelopes found: %v", err)
	}
	for _, file := range files {
		name := "native-" + strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			s := newWebhookSetup(t, map[string]any{"username": "Turbo"})
			result := deliver(t, s.in, deliveryRequest(connectortest.LoadEvent(t, file)))
			checkGolden(t, s, result, name)
		})
	}
}

func TestGoldenBotMessage(t *testing.T) {
	s := newBotSetup(t)
	result := deliver(t, s.in, botRequest(connectortest.LoadEvent(t, envelopeDir+"issue-updated-status.json")))
	checkGolden(t, s, result, "bot-issue-updated-status")
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
	s := newWebhookSetup(t, nil)
	result := deliver(t, s.in, deliveryRequest(events...))
	checkGolden(t, s, result, "digest-every-fixture")
}

func TestGoldenMentionsAndTemplate(t *testing.T) {
	s := newWebhookSetup(t, nil)
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Target[paramMentions] = []string{"<@1180000000000000007>", "<@&1180000000000000008>"}
	req.Message = `**TURBO\-42** is high priority: Login fails with 500 after password reset`
	result := deliver(t, s.in, req)
	checkGolden(t, s, result, "template-with-mentions")
}

func checkGolden(t *testing.T, s *setup, result sdk.Result, name string) {
	t.Helper()
	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v, want delivered (reason %q)", result.Outcome, result.Reason)
	}
	messages := s.fake.Messages()
	if len(messages) != 1 {
		t.Fatalf("fake Discord accepted %d messages, want 1", len(messages))
	}
	got := connectortest.IndentJSON(t, messages[0].Body)
	connectortest.CompareGolden(t, filepath.Join("testdata", "golden", name+".json"), got, *update)
}
