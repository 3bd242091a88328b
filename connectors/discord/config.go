package discord

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
)

// defaultAPIURL is the base of Discord's HTTP API. discordgo adds the version
// (/v9) and the resource path.
const defaultAPIURL = "https://discord.com/api"

// config is an instance's config. Exactly one of WebhookURL and Token may be
// set; with neither, every route target must set webhook_url.
type config struct {
	// WebhookURL is the webhook that messages go to, such as
	// https://discord.com/api/webhooks/<id>/<token>. Its path holds the
	// webhook's token.
	WebhookURL sdk.Secret `json:"webhook_url"`
	// Token is a bot token, for posting with the bot API to the channel a
	// target's channel_id names. A leading "Bot " is accepted and removed.
	Token sdk.Secret `json:"token"`
	// APIURL is the base of Discord's HTTP API in bot mode, without a version.
	// Default https://discord.com/api.
	APIURL string `json:"api_url"`
	// Username replaces the webhook's name on every message (webhook mode
	// only), 1 to 80 characters. Default: the name set in Discord.
	Username string `json:"username"`
	// AvatarURL replaces the webhook's avatar (webhook mode only). Default: the
	// avatar set in Discord.
	AvatarURL string `json:"avatar_url"`
}

// botMode reports whether messages go through the bot API.
func (c config) botMode() bool { return c.WebhookURL == "" && c.Token != "" }

// parseConfig decodes raw with the defaults applied and checks every rule.
func parseConfig(raw json.RawMessage) (config, []sdk.Diagnostic) {
	cfg := config{APIURL: defaultAPIURL}
	diagnostics := sdk.DecodeConfig(raw, &cfg)
	cfg.Token = sdk.Secret(strings.TrimSpace(strings.TrimPrefix(cfg.Token.Reveal(), "Bot ")))

	for _, rule := range configRules {
		diagnostics = append(diagnostics, rule(cfg)...)
	}
	return cfg, diagnostics
}

// configRules are the checks of a decoded config, one rule each.
var configRules = []func(config) []sdk.Diagnostic{
	checkMode,
	checkWebhookURL,
	checkAPIURL,
	checkUsername,
	checkAvatarURL,
}

func checkMode(cfg config) []sdk.Diagnostic {
	if cfg.WebhookURL != "" && cfg.Token != "" {
		return []sdk.Diagnostic{{Path: "token", Message: "both webhook_url and token are set; set webhook_url to post as a webhook, or token to post as a bot, not both"}}
	}
	return nil
}

func checkWebhookURL(cfg config) []sdk.Diagnostic {
	if cfg.WebhookURL == "" {
		return nil
	}
	if _, err := parseWebhookURL(cfg.WebhookURL.Reveal()); err != nil {
		return []sdk.Diagnostic{{Path: "webhook_url", Message: err.Error()}}
	}
	return nil
}

func checkAPIURL(cfg config) []sdk.Diagnostic {
	if _, err := parseAPIURL(cfg.APIURL); err != nil {
		return []sdk.Diagnostic{{Path: "api_url", Message: err.Error()}}
	}
	if cfg.APIURL != defaultAPIURL && !cfg.botMode() {
		return []sdk.Diagnostic{{Path: "api_url", Message: "api_url applies to bot mode (token); a webhook's requests go to the host of its webhook_url, so remove api_url"}}
	}
	return nil
}

// parseAPIURL parses the bot API's base URL: absolute http or https, without
// an API version, because discordgo adds its own.
func parseAPIURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid URL %s; write an absolute https URL such as %s", httpresult.RedactURL(raw), defaultAPIURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("URL %s has a query, fragment or user name; write only the scheme, host and path, such as %s", httpresult.RedactURL(raw), defaultAPIURL)
	}
	segments := strings.Split(strings.TrimSuffix(u.Path, "/"), "/")
	if last := segments[len(segments)-1]; apiVersion.MatchString(last) {
		return nil, fmt.Errorf("URL %s ends in the API version /%s; remove it, because Switchboard adds the version it speaks", raw, last)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

func checkUsername(cfg config) []sdk.Diagnostic {
	if cfg.Username == "" {
		return nil
	}
	if cfg.botMode() {
		return []sdk.Diagnostic{{Path: "username", Message: "username applies to webhooks only; a bot posts under its own name, so remove it or use webhook_url"}}
	}
	if err := checkUsernameValue(cfg.Username); err != nil {
		return []sdk.Diagnostic{{Path: "username", Message: err.Error()}}
	}
	return nil
}

// checkUsernameValue applies Discord's rules for a webhook's name: 1 to 80
// characters after trimming, and neither "clyde" nor "discord" in it.
func checkUsernameValue(name string) error {
	trimmed := strings.TrimSpace(name)
	if trimmed == "" {
		return errors.New("the name is blank; write 1 to 80 characters")
	}
	if n := textLength(trimmed); n > maxUsername {
		return fmt.Errorf("the name is %d characters long; Discord allows at most %d", n, maxUsername)
	}
	lower := strings.ToLower(trimmed)
	for _, word := range []string{"clyde", "discord"} {
		if strings.Contains(lower, word) {
			return fmt.Errorf("the name %q contains %q, which Discord rejects in webhook names; choose another name", trimmed, word)
		}
	}
	return nil
}

func checkAvatarURL(cfg config) []sdk.Diagnostic {
	if cfg.AvatarURL == "" {
		return nil
	}
	if cfg.botMode() {
		return []sdk.Diagnostic{{Path: "avatar_url", Message: "avatar_url applies to webhooks only; a bot posts with its own avatar, so remove it or use webhook_url"}}
	}
	if err := checkAvatarValue(cfg.AvatarURL); err != nil {
		return []sdk.Diagnostic{{Path: "avatar_url", Message: err.Error()}}
	}
	return nil
}

// checkAvatarValue requires an absolute http or https URL, which is what
// Discord fetches the image from.
func checkAvatarValue(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid avatar URL %q; write an absolute https URL of an image", raw)
	}
	return nil
}
