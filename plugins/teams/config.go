package teams

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
)

// Size limits of a message, in bytes of the JSON body sent.
const (
	// HardMaxMessageBytes is Teams' documented limit: about 28 KB per
	// message, which Workflows' "Post card in a chat or channel" enforces
	// with "Request Entity too large".
	HardMaxMessageBytes = 28000
	// DefaultMaxMessageBytes stays below the 21 KB from which a Teams client
	// library saw requests fail, although the documented limit is higher.
	DefaultMaxMessageBytes = 20000
	// minMaxMessageBytes leaves room for the smallest card the connector
	// sends when the full one does not fit.
	minMaxMessageBytes = 1024
)

// config is an instance's config.
type config struct {
	// WebhookURL is the Workflows webhook that messages go to: the URL of a
	// "When a Teams webhook request is received" trigger. Its query holds the
	// signature that authorises posting, so it is a secret. Optional when
	// every route target sets webhook_url.
	WebhookURL sdk.Secret `json:"webhook_url"`
	// MaxMessageBytes bounds the JSON body of one message. A card that is
	// larger is cut to fit. Default 20000; at most 28000.
	MaxMessageBytes int `json:"max_message_bytes"`
}

// parseConfig decodes raw with the defaults applied and checks every rule.
func parseConfig(raw json.RawMessage) (config, []sdk.Diagnostic) {
	cfg := config{MaxMessageBytes: DefaultMaxMessageBytes}
	diagnostics := sdk.DecodeConfig(raw, &cfg)

	if cfg.WebhookURL != "" {
		if _, err := parseWebhookURL(cfg.WebhookURL.Reveal()); err != nil {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: "webhook_url", Message: err.Error()})
		}
	}
	if cfg.MaxMessageBytes < minMaxMessageBytes || cfg.MaxMessageBytes > HardMaxMessageBytes {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "max_message_bytes",
			Message: fmt.Sprintf("%d is out of range; Teams accepts about %d bytes per message, so set %d to %d", cfg.MaxMessageBytes, HardMaxMessageBytes, minMaxMessageBytes, HardMaxMessageBytes)})
	}
	return cfg, diagnostics
}

// parseWebhookURL checks a webhook URL: absolute http or https, with a host
// and without user information. Its errors show the URL redacted, because the
// query holds the webhook's signature.
func parseWebhookURL(raw string) (*url.URL, error) {
	shown := httpresult.RedactURL(raw)
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("invalid webhook URL %s; copy the URL of the workflow's \"When a Teams webhook request is received\" trigger", shown)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("webhook URL %s has scheme %q; use the https URL of the workflow's trigger", shown, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("webhook URL %s has no host; write the whole URL, such as https://prod-00.westus.logic.azure.com/workflows/<id>/triggers/manual/paths/invoke?...", shown)
	}
	if u.User != nil {
		return nil, fmt.Errorf("webhook URL %s contains a user name or password; remove it", shown)
	}
	return u, nil
}

// isRetiredConnectorURL reports whether u is an Office 365 connector's
// incoming webhook (https://<tenant>.webhook.office.com/webhookb2/...), which
// Microsoft retires in favour of Workflows webhooks.
func isRetiredConnectorURL(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	return host == "outlook.office.com" || strings.HasSuffix(host, ".webhook.office.com") || host == "webhook.office.com"
}
