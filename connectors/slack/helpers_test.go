package slack

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/slack/slackfake"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// Test credentials: long enough for connectortest.CheckNoSecretLeak.
const testToken = "xoxb-test-0123456789-abcdefghij"

var fixedNow = time.Date(2026, 12, 2, 10, 0, 5, 0, time.UTC)

const (
	issueCreatedFile  = envelopeDir + "/issue-created-high.json"
	issueUpdatedFile  = envelopeDir + "/issue-updated-status.json"
	commentFile       = envelopeDir + "/comment-created.json"
	issueClosedFile   = envelopeDir + "/issue-closed.json"
	issueCreatedLow   = envelopeDir + "/issue-created-low.json"
	issueEntityKey    = "issue:3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"
	milestoneDoneFile = envelopeDir + "/milestone-completed.json"
)

// configure returns a configured instance with a fake clock at fixedNow and
// Turbo's web URL set, closed when the test ends.
func configure(t testing.TB, cfg map[string]any) (*instance, *connectortest.LogBuffer) {
	t.Helper()
	ic, logs := connectortest.NewInstanceConfig(t, "test-slack", cfg)
	ic.Clock = clock.NewFake(fixedNow)
	ic.Turbo.WebURL = webURL
	if diagnostics := New().ValidateConfig(ic.Config); len(diagnostics) > 0 {
		t.Fatalf("config is invalid: %+v", diagnostics)
	}
	in, err := New().Configure(context.Background(), ic)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	t.Cleanup(func() { in.Close() })
	return in.(*instance), logs
}

// tokenConfig is a token-mode config against a fake's Web API.
func tokenConfig(fake *slackfake.Server, extra map[string]any) map[string]any {
	cfg := map[string]any{"token": testToken, "api_url": fake.APIURL()}
	for key, value := range extra {
		cfg[key] = value
	}
	return cfg
}

func request(target sdk.Params, events ...sdk.Event) *sdk.DeliveryRequest {
	if target == nil {
		target = sdk.Params{}
	}
	req := &sdk.DeliveryRequest{DeliveryID: "dlv_test_1", Attempt: 1, Route: "urgent", Events: events, Target: target}
	if len(events) > 0 && events[0].EntityType == "issue" {
		req.EntityKey = "issue:" + events[0].EntityID
	}
	return req
}

func deliver(t testing.TB, in sdk.Instance, req *sdk.DeliveryRequest) sdk.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return in.Deliver(ctx, req)
}

// checkFitsLimits fails the test when Slack would reject msg for its blocks:
// it runs the fake's Block Kit checks on them.
func checkFitsLimits(t *testing.T, msg message) {
	t.Helper()
	raw, err := json.Marshal(msg.Blocks)
	if err != nil {
		t.Fatalf("encode blocks: %v", err)
	}
	problems, malformed := slackfake.ValidateBlocks(raw)
	if malformed {
		t.Fatalf("blocks are not a JSON array of objects: %s", raw)
	}
	for _, p := range problems {
		t.Errorf("Slack would reject the blocks: %s", p)
	}
	if n := slackfake.BlocksTextLength(raw); n > maxTotalText {
		t.Errorf("blocks hold %d characters of text, more than the %d this connector allows", n, maxTotalText)
	}
	if n := textLength(msg.Text); n > maxFallbackText {
		t.Errorf("text has %d characters, more than %d", n, maxFallbackText)
	}
}
