package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/turbocode/switchboard/sdk"
)

var _ sdk.Previewer = (*instance)(nil)

// apiVersionPath is the API version discordgo v0.28.1 speaks.
const apiVersionPath = "/v9"

// Preview shows the request Deliver would send: method, URL and JSON body.
// The webhook's token and the bot token are not shown.
func (in *instance) Preview(_ context.Context, req *sdk.DeliveryRequest) (string, error) {
	dest, err := in.destination(req)
	if err != nil {
		return "", err
	}
	msg, err := in.compose(req, dest)
	if err != nil {
		return "", err
	}

	var body any = msg.messageSend()
	if dest.webhook != nil {
		body = msg.webhookParams()
	}
	encoded, err := json.MarshalIndent(body, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode the message: %w", err)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "POST %s\n", previewURL(dest))
	switch {
	case dest.webhook == nil:
		b.WriteString("Authorization: Bot <secret>\n")
	case dest.client == in.guarded:
		b.WriteString("(through the network guard: the webhook_url came from a template)\n")
	}
	b.WriteString("\n")
	b.Write(encoded)
	return in.redact(sdk.Result{Reason: b.String()}, dest).Reason, nil
}

// previewURL is the request URL with the webhook's token redacted.
func previewURL(dest *destination) string {
	base := strings.TrimSuffix(dest.base.String(), "/") + apiVersionPath
	if dest.webhook == nil {
		return base + "/channels/" + dest.channelID + "/messages"
	}
	query := url.Values{"wait": {"true"}}
	if dest.threadID != "" {
		query.Set("thread_id", dest.threadID)
	}
	return base + "/webhooks/" + dest.webhook.ID + "/<redacted>?" + query.Encode()
}
