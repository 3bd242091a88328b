package slack

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
)

// defaultAPIURL is the Slack Web API base that chat.postMessage is appended to.
const defaultAPIURL = "https://slack.com/api/"

// config is an instance's config. Exactly one of Token and WebhookURL is set.
type config struct {
	// Token is a bot token (xoxb-...) for chat.postMessage.
	Token sdk.Secret `json:"token"`
	// WebhookURL is an incoming webhook's URL. Its path holds a credential.
	WebhookURL sdk.Secret `json:"webhook_url"`
	// APIURL is the Web API base, token mode only. Default
	// https://slack.com/api/; a missing trailing slash is added.
	APIURL string `json:"api_url"`
	// Channel is the channel of targets that set none, token mode only.
	Channel string `json:"channel"`
	// Thread posts later messages about an issue as replies to the first one on
	// the same channel. Token mode only; default false.
	Thread bool `json:"thread"`
	// Username, IconEmoji and IconURL override the app's name and icon. Bot
	// tokens need the chat:write.customize scope; Slack's app webhooks ignore
	// them, legacy webhooks and Slack-compatible servers honour them.
	Username  string `json:"username"`
	IconEmoji string `json:"icon_emoji"`
	IconURL   string `json:"icon_url"`
}

// webhookMode reports whether the instance posts through an incoming webhook.
func (c config) webhookMode() bool { return c.WebhookURL != "" }

// maxUsernameRunes bounds username; Slack shows display names of up to 80
// characters.
const maxUsernameRunes = 80

// parseConfig decodes raw with the defaults applied and checks every rule.
func parseConfig(raw json.RawMessage) (config, []sdk.Diagnostic) {
	var cfg config
	diagnostics := sdk.DecodeConfig(raw, &cfg)
	for _, rule := range configRules {
		diagnostics = append(diagnostics, rule(cfg)...)
	}

	if !cfg.webhookMode() && cfg.APIURL == "" {
		cfg.APIURL = defaultAPIURL
	}
	if cfg.APIURL != "" && !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	return cfg, diagnostics
}

// configRules are the checks of a decoded config, one rule each.
var configRules = []func(config) []sdk.Diagnostic{
	checkCredentials,
	checkWebhookURL,
	checkToken,
	checkAPIURL,
	checkWebhookOnlyKeys,
	checkDefaultChannel,
	checkUsername,
	checkIcon,
}

// checkCredentials requires exactly one of token and webhook_url. An empty
// value counts as unset, which is what an unset ${VARIABLE} leaves.
func checkCredentials(cfg config) []sdk.Diagnostic {
	switch {
	case cfg.Token != "" && cfg.WebhookURL != "":
		return []sdk.Diagnostic{{Path: "webhook_url", Message: "set either token (chat.postMessage) or webhook_url (an incoming webhook), not both"}}
	case cfg.Token == "" && cfg.WebhookURL == "":
		return []sdk.Diagnostic{{Message: "missing credentials; set token: ${SLACK_BOT_TOKEN} (a bot token, xoxb-...) to post with chat.postMessage, " +
			"or webhook_url: ${SLACK_WEBHOOK_URL} to post through an incoming webhook (an unset ${VARIABLE} expands to nothing)"}}
	}
	return nil
}

func checkWebhookURL(cfg config) []sdk.Diagnostic {
	if cfg.WebhookURL == "" {
		return nil
	}
	if err := checkHTTPURL(cfg.WebhookURL.Reveal(), true); err != nil {
		return []sdk.Diagnostic{{Path: "webhook_url", Message: err.Error() + "; copy the webhook URL from the app's Incoming Webhooks page"}}
	}
	return nil
}

// checkToken rejects whitespace and control characters, which a token never
// has and which a copied line break or a YAML mistake brings in, and the
// values that are not a bot token: a webhook URL, and Slack's user, app-level
// and refresh tokens. The message never shows the token.
func checkToken(cfg config) []sdk.Diagnostic {
	token := cfg.Token.Reveal()
	for _, r := range token {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return []sdk.Diagnostic{{Path: "token", Message: "the token contains a space, line break or control character; copy it again without them"}}
		}
	}
	for _, wrong := range wrongTokens {
		if strings.HasPrefix(strings.ToLower(token), wrong.prefix) {
			return []sdk.Diagnostic{{Path: "token", Message: wrong.message}}
		}
	}
	return nil
}

// wrongTokens are the prefixes of values that people put in token by
// mistake, with the fix. Slack's token prefixes are listed in its token
// types documentation (api.slack.com/authentication/token-types).
var wrongTokens = []struct{ prefix, message string }{
	{"https://", "the token is a URL; an incoming webhook URL goes in webhook_url, so move it there and remove token"},
	{"http://", "the token is a URL; an incoming webhook URL goes in webhook_url, so move it there and remove token"},
	{"xoxp-", "the token is a user token (xoxp-), which posts as the person who installed the app; use the app's bot token (xoxb-) from OAuth & Permissions"},
	{"xapp-", "the token is an app-level token (xapp-), which cannot post messages; use the app's bot token (xoxb-) from OAuth & Permissions"},
	{"xoxe", "the token is a refresh token (xoxe), which cannot post messages; use the app's bot token (xoxb-) from OAuth & Permissions"},
}

func checkAPIURL(cfg config) []sdk.Diagnostic {
	if cfg.APIURL == "" {
		return nil
	}
	if cfg.webhookMode() {
		return []sdk.Diagnostic{{Path: "api_url", Message: "api_url applies to token mode only; with webhook_url, the webhook URL is the whole address, so remove api_url"}}
	}
	if err := checkHTTPURL(cfg.APIURL, false); err != nil {
		return []sdk.Diagnostic{{Path: "api_url", Message: err.Error() + "; write the Web API base, such as https://slack.com/api/"}}
	}
	return nil
}

// checkWebhookOnlyKeys rejects the token-mode keys that an incoming webhook
// cannot honour.
func checkWebhookOnlyKeys(cfg config) []sdk.Diagnostic {
	if !cfg.webhookMode() {
		return nil
	}
	var diagnostics []sdk.Diagnostic
	if cfg.Thread {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "thread", Message: "thread: true needs token mode: Slack's incoming webhooks " +
			"return no message ts, so later messages cannot find their thread; use token instead of webhook_url, or remove thread"})
	}
	if cfg.Channel != "" {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "channel", Message: "an incoming webhook posts to the channel chosen when it was created; " +
			"remove channel, or use token to choose channels per route"})
	}
	return diagnostics
}

func checkDefaultChannel(cfg config) []sdk.Diagnostic {
	if cfg.Channel == "" || cfg.webhookMode() {
		return nil
	}
	if err := checkChannel(cfg.Channel); err != nil {
		return []sdk.Diagnostic{{Path: "channel", Message: err.Error()}}
	}
	return nil
}

func checkUsername(cfg config) []sdk.Diagnostic {
	if cfg.Username == "" {
		return nil
	}
	if utf8.RuneCountInString(cfg.Username) > maxUsernameRunes || hasControl(cfg.Username) {
		return []sdk.Diagnostic{{Path: "username", Message: fmt.Sprintf("invalid username %q; use at most %d characters and no line breaks", cfg.Username, maxUsernameRunes)}}
	}
	return nil
}

// emojiName matches an emoji code such as :rotating_light: or :+1:.
var emojiName = regexp.MustCompile(`^:[a-z0-9_+'-]+:$`)

func checkIcon(cfg config) []sdk.Diagnostic {
	var diagnostics []sdk.Diagnostic
	if cfg.IconEmoji != "" && cfg.IconURL != "" {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "icon_url", Message: "set either icon_emoji or icon_url, not both: Slack shows one icon"})
	}
	if cfg.IconEmoji != "" && !emojiName.MatchString(cfg.IconEmoji) {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "icon_emoji", Message: fmt.Sprintf("invalid emoji %q; write an emoji code with colons, such as \":rotating_light:\"", cfg.IconEmoji)})
	}
	if cfg.IconURL != "" {
		if err := checkHTTPURL(cfg.IconURL, false); err != nil {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: "icon_url", Message: err.Error() + "; write the URL of an image, such as https://example.com/turbo.png"})
		}
	}
	return diagnostics
}

// checkHTTPURL requires an absolute http or https URL. Its errors show a
// secret URL redacted, because a webhook URL's path is a credential, and any
// other URL as written.
func checkHTTPURL(raw string, secret bool) error {
	shown := strconv.Quote(raw)
	if secret {
		shown = httpresult.RedactURL(raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %s", shown)
	}
	if u.Scheme == "" {
		return fmt.Errorf("URL %s has no scheme such as https://", shown)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("URL %s has scheme %q, not http or https", shown, u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("URL %s has no host", shown)
	}
	return nil
}

// maxChannelRunes bounds a channel reference: Slack channel names have at most
// 80 characters, plus the leading "#".
const maxChannelRunes = 81

// checkChannel accepts a channel name (#urgent or urgent) or an ID (C0123456789,
// or a user ID for a direct message): at most 81 characters with no spaces,
// control characters or the mrkdwn characters < > & |.
func checkChannel(channel string) error {
	invalid := channel == "" || utf8.RuneCountInString(channel) > maxChannelRunes || channel == "#"
	for _, r := range channel {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>&|,", r) {
			invalid = true
		}
	}
	if invalid {
		return fmt.Errorf("invalid channel %q; write a channel name such as \"#urgent\" or a channel ID such as C0123456789", channel)
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
