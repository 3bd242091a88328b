package discord

import (
	"net/http"
	"testing"

	"github.com/turbocode/switchboard/connectors/discord/discordtest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// TestNoSecretLeak runs the failures a webhook and a bot can meet and checks
// that no token appears in a result or the logs.
func TestNoSecretLeak(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	echo := discordtest.Response{Status: http.StatusBadRequest,
		Body: `{"message":"bad request to /api/v9/webhooks/` + webhookID + `/` + webhookToken + `","code":0}`}
	tests := []struct {
		name     string
		bot      bool
		response *discordtest.Response
		closed   bool
	}{
		{name: "webhook delivered"},
		{name: "webhook 429", response: ptr(discordtest.RateLimited(2, false))},
		{name: "webhook 500", response: &discordtest.Response{Status: 500}},
		{name: "webhook echoes its URL", response: &echo},
		{name: "webhook redirect", response: &discordtest.Response{Status: 307, Header: http.Header{"Location": {"/api/webhooks/" + webhookID + "/" + webhookToken}}}},
		{name: "webhook closed port", closed: true},
		{name: "bot delivered", bot: true},
		{name: "bot 401", bot: true, response: &discordtest.Response{Status: 401, Body: `{"message":"401: Unauthorized","code":0}`}},
		{name: "bot closed port", bot: true, closed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSecretSetup(t, tc.bot, tc.closed)
			if tc.response != nil {
				s.fake.Script(*tc.response)
			}
			req := deliveryRequest(event)
			if tc.bot {
				req = botRequest(event)
			}
			result := deliver(t, s.in, req)
			preview, err := s.in.(sdk.Previewer).Preview(t.Context(), req)
			if err != nil {
				t.Fatalf("Preview: %v", err)
			}

			connectortest.CheckNoSecretLeak(t, []string{webhookToken, botToken}, result, s.logs.String()+preview)
		})
	}
}

// newSecretSetup returns an instance in either mode whose logger records
// every level; with closed, its address has no listener.
func newSecretSetup(t *testing.T, bot, closed bool) *setup {
	fake := discordtest.NewServer(t)
	fake.SetBotToken(botToken)
	fake.AddChannel(discordtest.Channel{ID: channelID, CanAccess: true})
	fake.AddWebhook(discordtest.Webhook{ID: webhookID, Token: webhookToken, ChannelID: channelID})
	base := fake.URL()
	if closed {
		base = connectortest.ClosedURL(t)
	}
	cfg := map[string]any{"webhook_url": base + "/api/webhooks/" + webhookID + "/" + webhookToken}
	if bot {
		cfg = map[string]any{"token": botToken, "api_url": base + "/api"}
	}
	in, logs := configure(t, cfg, clock.NewFake(fixedNow), false)
	return &setup{fake: fake, in: in, logs: logs}
}

func ptr[T any](v T) *T { return &v }
