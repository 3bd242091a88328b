package slack

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"

	"github.com/slack-go/slack"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
	"github.com/turbocode/switchboard/sdk/netguard"
)

// instance is one configured slack connector.
type instance struct {
	name   string
	cfg    config
	webURL string
	// client sends every request. api_url and webhook_url are written in the
	// config, so they are the operator's choice and need no network guard. The
	// client still never follows redirects, and it records each response.
	client *http.Client
	// api posts in token mode; nil in webhook mode.
	api   *slack.Client
	clock sdk.Clock
	log   *slog.Logger
}

var _ sdk.Instance = (*instance)(nil)

func newInstance(cfg config, ic sdk.InstanceConfig) *instance {
	client := netguard.NewTrustedHTTPClient(netguard.Options{Resolver: ic.Resolver})
	client.Transport = recordingTransport{next: client.Transport}

	in := &instance{name: ic.Name, cfg: cfg, webURL: ic.Turbo.WebURL, client: client, clock: ic.Clock, log: ic.Logger}
	mode := "webhook"
	if !cfg.webhookMode() {
		// slack-go's own retries stay off: the host schedules every retry.
		in.api = slack.New(cfg.Token.Reveal(), slack.OptionHTTPClient(client), slack.OptionAPIURL(cfg.APIURL))
		mode = "token"
	}

	ic.Logger.Debug("slack connector configured", slog.String("mode", mode),
		slog.String("api_url", httpresult.RedactLocation(cfg.APIURL)), slog.String("webhook_url", httpresult.RedactURL(cfg.WebhookURL.Reveal())),
		slog.Bool("thread", cfg.Thread))
	return in
}

// Deliver posts the delivery's message and classifies Slack's response.
func (in *instance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	t, err := resolveTarget(in.cfg, req)
	if err != nil {
		return sdk.Permanent(err.Error())
	}
	msg, err := buildMessage(req, in.webURL, t.mentions)
	if err != nil {
		return sdk.Permanent(err.Error())
	}

	if in.cfg.webhookMode() {
		return in.postWebhook(ctx, msg)
	}
	return in.postMessage(ctx, req, t, msg)
}

// Health checks the token with auth.test in token mode. In webhook mode it
// reports ready: the only check a webhook allows is posting a message.
func (in *instance) Health(ctx context.Context) sdk.Health {
	if in.api == nil {
		return sdk.Health{OK: true, Message: "incoming webhook; not checked, because a check would post a message"}
	}
	ex := &exchange{}
	auth, err := in.api.AuthTestContext(withExchange(ctx, ex))
	if err != nil {
		return sdk.Health{OK: false, Message: classifyFailure(err, ex, "the channel", "api_url", in.clock.Now()).Reason}
	}
	return sdk.Health{OK: true, Message: tokenOwner(auth)}
}

// tokenOwner describes whose token auth.test accepted, by name where the
// answer has one and by id where it has only that.
func tokenOwner(auth *slack.AuthTestResponse) string {
	user, team := cmp.Or(auth.User, auth.UserID, auth.BotID), cmp.Or(auth.Team, auth.TeamID)
	switch {
	case user != "" && team != "":
		return "token of " + user + " in workspace " + team
	case user != "":
		return "token of " + user
	case team != "":
		return "token of workspace " + team
	}
	return "token accepted by auth.test"
}

// Close closes the idle keep-alive connections.
func (in *instance) Close() error {
	in.client.CloseIdleConnections()
	return nil
}
