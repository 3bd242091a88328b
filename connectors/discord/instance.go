package discord

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/netguard"
)

// instance is one configured discord connector.
type instance struct {
	name string
	// webhook is the config's webhook, nil in bot mode or when every target
	// sets webhook_url.
	webhook *webhook
	// token is the bot token without "Bot ", empty in webhook mode.
	token     string
	apiURL    *url.URL
	username  string
	avatarURL string
	webURL    string

	// trusted sends to addresses written in the config; guarded sends to
	// webhook URLs rendered from templates, through the network guard. Both
	// rewrite discordgo's URLs to the destination's base.
	trusted      *http.Client
	guarded      *http.Client
	allowPrivate bool

	holds  *holds
	clock  sdk.Clock
	logger *slog.Logger
}

var (
	_ sdk.Instance        = (*instance)(nil)
	_ sdk.RejectionKeeper = (*instance)(nil)
)

func newInstance(cfg config, ic sdk.InstanceConfig) (*instance, error) {
	in := &instance{
		name:         ic.Name,
		token:        cfg.Token.Reveal(),
		username:     strings.TrimSpace(cfg.Username),
		avatarURL:    cfg.AvatarURL,
		webURL:       ic.Turbo.WebURL,
		allowPrivate: ic.AllowPrivate,
		holds:        newHolds(ic.Clock),
		clock:        ic.Clock,
		logger:       ic.Logger,
	}
	if cfg.WebhookURL != "" {
		w, err := parseWebhookURL(cfg.WebhookURL.Reveal())
		if err != nil {
			return nil, fmt.Errorf("webhook_url: %w", err)
		}
		in.webhook = w
	}
	apiURL, err := parseAPIURL(cfg.APIURL)
	if err != nil {
		return nil, fmt.Errorf("api_url: %w", err)
	}
	in.apiURL = apiURL

	in.trusted = newClient(netguard.NewTrustedHTTPClient(netguard.Options{Resolver: ic.Resolver}))
	in.guarded = newClient(netguard.NewHTTPClient(netguard.Options{AllowCIDRs: ic.AllowCIDRs, Resolver: ic.Resolver}))

	in.logger.Debug("discord connector configured", slog.String("posts_to", in.mode()))
	return in, nil
}

// mode names how the instance posts, for logs and health.
func (in *instance) mode() string {
	switch {
	case in.webhook != nil:
		return in.webhook.Redacted()
	case in.token != "":
		return "bot API at " + in.apiURL.String()
	default:
		return "webhooks named by route targets"
	}
}

// Deliver posts one message and classifies Discord's response. A destination
// that Discord rejected, or whose rate limit has not reset, is not sent to.
// The result then repeats the rejection, or requests a retry after the reset.
func (in *instance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	dest, err := in.destination(req)
	if err != nil {
		return sdk.Permanent(err.Error())
	}
	msg, err := in.compose(req, dest)
	if err != nil {
		return in.redact(sdk.Permanent(err.Error()), dest)
	}
	if held, isHeld := in.holds.check(dest); isHeld {
		return held
	}

	ex, sendErr := in.send(ctx, dest, msg)
	result := in.redact(classify(ex, sendErr, dest, in.clock.Now()), dest)
	if in.holds.observe(dest, ex, result) {
		in.logger.Warn("discord destination on hold", slog.String("delivery_id", req.DeliveryID),
			slog.String("route", req.Route), slog.String("destination", dest.describe()), slog.Int("status", ex.status),
			slog.String("err", result.Reason))
	}
	return result
}

// redact replaces the instance's tokens and the destination's with
// <redacted> in the result's texts, in case a proxy or a fake echoes a
// request URL back.
func (in *instance) redact(result sdk.Result, dest *destination) sdk.Result {
	secrets := []string{in.token}
	if in.webhook != nil {
		secrets = append(secrets, in.webhook.Token)
	}
	if dest.webhook != nil {
		secrets = append(secrets, dest.webhook.Token)
	}
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		result.Reason = strings.ReplaceAll(result.Reason, secret, "<redacted>")
		result.Response = strings.ReplaceAll(result.Response, secret, "<redacted>")
		result.ExternalRef = strings.ReplaceAll(result.ExternalRef, secret, "<redacted>")
	}
	return result
}

// Health reports the instance ready without a request to Discord: a probe
// of a broken webhook would count towards the invalid requests for which
// Discord bans an address. It reports the destinations held after a
// rejection as not OK.
func (in *instance) Health(context.Context) sdk.Health {
	message := "posts to " + in.mode()
	rejections := in.holds.rejectionsInForce()
	if len(rejections) == 0 {
		return sdk.Health{OK: true, Message: message}
	}
	destinations := "destinations"
	if len(rejections) == 1 {
		destinations = "destination"
	}
	return sdk.Health{Message: fmt.Sprintf("%s; not sending to %d %s that Discord rejected, until an operator retries or tests: %s",
		message, len(rejections), destinations, strings.Join(rejections, "; "))}
}

// Rejections implements sdk.RejectionKeeper.
func (in *instance) Rejections() []string { return in.holds.rejectionsInForce() }

// ForgetRejections implements sdk.RejectionKeeper.
func (in *instance) ForgetRejections() int {
	n := in.holds.forgetRejections()
	if n > 0 {
		in.logger.Info("discord destinations released after an operator action; the next delivery to each is sent",
			slog.Int("destinations", n))
	}
	return n
}

// Close closes the idle keep-alive connections.
func (in *instance) Close() error {
	in.trusted.CloseIdleConnections()
	in.guarded.CloseIdleConnections()
	return nil
}
