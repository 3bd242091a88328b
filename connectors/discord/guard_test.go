package discord

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/discord/discordtest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestNetworkGuardOnTemplateWebhookURL(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	connectortest.CheckNetworkGuard(t, func(t *testing.T, s connectortest.GuardSettings) (sdk.Result, int) {
		fake := discordtest.NewServer(t)
		fake.AddWebhook(discordtest.Webhook{ID: webhookID, Token: webhookToken, ChannelID: channelID})
		port := fake.URL()[strings.LastIndex(fake.URL(), ":")+1:]
		ic, _ := connectortest.NewInstanceConfig(t, "team-discord", map[string]any{})
		ic.Clock = clock.NewFake(fixedNow)
		ic.Turbo.WebURL = webURL
		ic.Resolver, ic.AllowPrivate, ic.AllowCIDRs = s.Resolver, s.AllowPrivate, s.AllowCIDRs
		in, err := New().Configure(context.Background(), ic)
		if err != nil {
			t.Fatalf("Configure: %v", err)
		}
		defer in.Close()

		req := deliveryRequest(event)
		req.Target[paramWebhookURL] = "http://" + s.Host + ":" + port + "/api/webhooks/" + webhookID + "/" + webhookToken
		req.Untrusted = []string{paramWebhookURL}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return in.Deliver(ctx, req), len(fake.Requests())
	})
}
