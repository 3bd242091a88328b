package discord

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/discord/discordtest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

const (
	envelopeDir      = "../../testdata/turbo/envelope/"
	issueCreatedFile = envelopeDir + "issue-created-high.json"
	commentFile      = envelopeDir + "comment-created.json"

	webURL = "https://turbo.example.com"

	webhookID    = "1180000000000000001"
	webhookToken = "hook-token-Abc_123-secret"
	botToken     = "bot-token-XyZ.987-secret"
	channelID    = "1180000000000000100"
)

var fixedNow = time.Date(2026, 12, 1, 16, 5, 0, 0, time.UTC)

// setup holds a fake Discord and an instance configured against it.
type setup struct {
	fake  *discordtest.Server
	in    sdk.Instance
	logs  *connectortest.LogBuffer
	clock *clock.Fake
}

// newWebhookSetup returns an instance posting to a webhook of a fresh fake,
// with extra config keys merged in.
func newWebhookSetup(t *testing.T, extra map[string]any) *setup {
	t.Helper()
	fakeClock := clock.NewFake(fixedNow)
	fake := discordtest.NewServer(t, discordtest.WithClock(fakeClock))
	hookURL := fake.AddWebhook(discordtest.Webhook{ID: webhookID, Token: webhookToken, ChannelID: channelID})
	cfg := map[string]any{"webhook_url": hookURL}
	for key, value := range extra {
		cfg[key] = value
	}
	in, logs := configure(t, cfg, fakeClock, false)
	return &setup{fake: fake, in: in, logs: logs, clock: fakeClock}
}

// newBotSetup returns an instance posting as a bot to a fresh fake that has
// the channel channelID.
func newBotSetup(t *testing.T) *setup {
	t.Helper()
	fakeClock := clock.NewFake(fixedNow)
	fake := discordtest.NewServer(t, discordtest.WithClock(fakeClock))
	fake.SetBotToken(botToken)
	fake.AddChannel(discordtest.Channel{ID: channelID, CanAccess: true})
	in, logs := configure(t, map[string]any{"token": botToken, "api_url": fake.APIURL()}, fakeClock, false)
	return &setup{fake: fake, in: in, logs: logs, clock: fakeClock}
}

// configure returns a configured instance, closed when the test ends.
func configure(t testing.TB, cfg map[string]any, c sdk.Clock, allowPrivate bool) (sdk.Instance, *connectortest.LogBuffer) {
	t.Helper()
	ic, logs := connectortest.NewInstanceConfig(t, "team-discord", cfg)
	ic.Clock = c
	ic.AllowPrivate = allowPrivate
	ic.Turbo.WebURL = webURL
	if diagnostics := New().ValidateConfig(ic.Config); len(diagnostics) > 0 {
		t.Fatalf("config is invalid: %+v", diagnostics)
	}
	in, err := New().Configure(context.Background(), ic)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	t.Cleanup(func() { in.Close() })
	return in, logs
}

func deliveryRequest(events ...sdk.Event) *sdk.DeliveryRequest {
	return &sdk.DeliveryRequest{DeliveryID: "dlv_test_1", Attempt: 1, Route: "team", Events: events, Target: sdk.Params{}}
}

func botRequest(events ...sdk.Event) *sdk.DeliveryRequest {
	req := deliveryRequest(events...)
	req.Target[paramChannelID] = channelID
	return req
}

func deliver(t testing.TB, in sdk.Instance, req *sdk.DeliveryRequest) sdk.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return in.Deliver(ctx, req)
}

// eventWith returns an issue.created event whose data.current has the given
// title and description.
func eventWith(t testing.TB, title, description string) sdk.Event {
	t.Helper()
	envelope := map[string]any{
		"event_id": "9f8e7d6c-5b4a-4f3e-8d2c-1b0a9f8e7d6c", "event_type": "issue.created", "timestamp": "2026-12-01T16:03:10Z",
		"entity_type": "issue", "entity_id": "3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b", "action": "created",
		"actor": map[string]any{"type": "user", "name": "dev@example.com"},
		"data": map[string]any{"current": map[string]any{
			"issue_key": "TURBO-42", "title": title, "description": description,
			"status": "open", "priority": "high", "type": "bug",
		}},
		"context": map[string]any{"project_id": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"},
	}
	return connectortest.ParseEvent(t, mustJSON(t, envelope))
}

func mustJSON(t testing.TB, value any) []byte {
	t.Helper()
	raw, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
