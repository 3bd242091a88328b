package teams

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
	"github.com/turbocode/switchboard/sdk/netguard"
)

// headerRunID is the response header in which Power Automate and Logic Apps
// return the id of the workflow run a request started.
const headerRunID = "X-Ms-Workflow-Run-Id"

// instance is one configured teams connector.
type instance struct {
	name string
	// webhook is the config's webhook URL, nil when every target sets one.
	webhook  *url.URL
	maxBytes int
	webURL   string

	// trusted posts to URLs written in the config; guarded to URLs rendered
	// from templates, through the network guard.
	trusted      *http.Client
	guarded      *http.Client
	allowPrivate bool

	clock  sdk.Clock
	logger *slog.Logger
}

var _ sdk.Instance = (*instance)(nil)

func newInstance(cfg config, ic sdk.InstanceConfig) (*instance, error) {
	in := &instance{
		name:         ic.Name,
		maxBytes:     cfg.MaxMessageBytes,
		webURL:       ic.Turbo.WebURL,
		trusted:      netguard.NewTrustedHTTPClient(netguard.Options{Resolver: ic.Resolver}),
		guarded:      netguard.NewHTTPClient(netguard.Options{AllowCIDRs: ic.AllowCIDRs, Resolver: ic.Resolver}),
		allowPrivate: ic.AllowPrivate,
		clock:        ic.Clock,
		logger:       ic.Logger,
	}
	if cfg.WebhookURL != "" {
		u, err := parseWebhookURL(cfg.WebhookURL.Reveal())
		if err != nil {
			return nil, fmt.Errorf("configure teams connector %s: webhook_url: %w", ic.Name, err)
		}
		in.webhook = u
		in.warnIfRetired(u)
	}
	return in, nil
}

// warnIfRetired logs that an Office 365 connector URL is in use: Microsoft
// retires those connectors, so the URL will stop working.
func (in *instance) warnIfRetired(u *url.URL) {
	if isRetiredConnectorURL(u) {
		in.logger.Warn("the teams webhook_url is an Office 365 connector's, which Microsoft retires; create a Workflows webhook and use its URL",
			slog.String("webhook", httpresult.RedactURL(u.String())))
	}
}

// destination is the webhook a delivery posts to, and the client that may
// reach it.
type destination struct {
	url    *url.URL
	client *http.Client
}

// destination resolves where req goes: the target's webhook_url, else the
// connector's. Its errors are permanent, because they need a config change.
func (in *instance) destination(req *sdk.DeliveryRequest) (*destination, error) {
	if _, set := req.Target[paramWebhookURL]; !set {
		if in.webhook == nil {
			return nil, fmt.Errorf("no destination: connector %s has no webhook_url and the route target sets none; set webhook_url on either", in.name)
		}
		return &destination{url: in.webhook, client: in.trusted}, nil
	}

	raw := req.Target.String(paramWebhookURL)
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("the route target's webhook_url is empty; check the template that renders it")
	}
	u, err := parseWebhookURL(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid target webhook_url: %w", err)
	}
	client := in.trusted
	if req.IsUntrusted(paramWebhookURL) && !in.allowPrivate {
		client = in.guarded
	}
	return &destination{url: u, client: client}, nil
}

// Deliver posts one card to the webhook and classifies the response: 2xx is
// delivered (Workflows responds 202), 408, 429 and 5xx are retried after any
// Retry-After, and other statuses are permanent.
func (in *instance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	dest, err := in.destination(req)
	if err != nil {
		return sdk.Permanent(err.Error())
	}
	body, report, err := in.compose(req)
	if err != nil {
		return sdk.Permanent(err.Error())
	}
	if report.changed() {
		in.logger.Info("teams card cut to fit the size limit", slog.String("delivery_id", req.DeliveryID),
			slog.String("route", req.Route), slog.Int("max_message_bytes", in.maxBytes),
			slog.Int("texts_cut", report.CutTexts), slog.Int("elements_left_out", report.DroppedItems), slog.Bool("minimal_card", report.Minimal))
	}

	result := in.post(ctx, dest, body)
	if result.Outcome == sdk.OutcomePermanent && result.StatusCode == http.StatusRequestEntityTooLarge {
		result.Reason += fmt.Sprintf("; Teams rejected a %d-byte message as too large, so lower max_message_bytes", len(body))
	}
	return in.redact(result, dest)
}

// post sends body to dest and classifies the response.
func (in *instance) post(ctx context.Context, dest *destination, body []byte) sdk.Result {
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, dest.url.String(), bytes.NewReader(body))
	if err != nil {
		result := httpresult.ClassifyError(err)
		return sdk.Permanent("build the request: " + result.Reason)
	}
	request.Header.Set("Content-Type", "application/json")
	request.Header.Set("User-Agent", "switchboard-connector-teams/"+Version)

	response, err := dest.client.Do(request)
	if err != nil {
		return httpresult.ClassifyError(err)
	}
	runID := response.Header.Get(headerRunID)
	result := httpresult.ClassifyResponse(response, in.clock.Now())
	if result.Outcome == sdk.OutcomeDelivered {
		result.ExternalRef = runID
	}
	return result
}

// redact replaces the webhook's signature and path with <redacted> in the
// result's texts, in case a proxy or a fake echoes the request URL back.
func (in *instance) redact(result sdk.Result, dest *destination) sdk.Result {
	secrets := []string{dest.url.String(), dest.url.RawQuery, dest.url.Query().Get("sig")}
	for _, secret := range secrets {
		if len(secret) < 6 {
			continue
		}
		result.Reason = strings.ReplaceAll(result.Reason, secret, "<redacted>")
		result.Response = strings.ReplaceAll(result.Response, secret, "<redacted>")
	}
	return result
}

// Health reports the instance ready without a request: a test request to a
// Workflows webhook would post a message to the channel.
func (in *instance) Health(context.Context) sdk.Health {
	if in.webhook == nil {
		return sdk.Health{OK: true, Message: "posts to the webhooks route targets name"}
	}
	return sdk.Health{OK: true, Message: "posts to " + httpresult.RedactURL(in.webhook.String())}
}

// Close closes the idle keep-alive connections.
func (in *instance) Close() error {
	in.trusted.CloseIdleConnections()
	in.guarded.CloseIdleConnections()
	return nil
}
