package discord

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/turbocode/switchboard/sdk/httpresult"
)

// webhook is a parsed webhook URL.
type webhook struct {
	ID string
	// Token authorises posting to the webhook; it is a secret.
	Token string
	// ThreadID is the thread_id query parameter of the URL, or empty.
	ThreadID string
	// Base is the destination of the webhook's requests: the URL's scheme and
	// host and the path before /webhooks without an API version, such as
	// https://discord.com/api.
	Base *url.URL
}

// tokenSyntax is the syntax of a webhook token. Discord's are 68 characters
// of the URL-safe base64 alphabet; the check only keeps the token from
// changing the request path.
var tokenSyntax = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

// apiVersion matches a path segment that names an API version, such as v10.
var apiVersion = regexp.MustCompile(`^v[0-9]+$`)

// errNotWebhookPath is the error for a URL whose path is not a webhook's.
var errNotWebhookPath = errors.New("its path does not end in /api/webhooks/<id>/<token>; copy the URL with Copy Webhook URL in the channel's Integrations settings")

// parseWebhookURL reads a Discord webhook URL such as
// https://discord.com/api/webhooks/<id>/<token>. The path may name an API
// version (/api/v10/webhooks/...), and the query may set thread_id. Its errors
// show the URL with its path redacted, because the path holds the token.
func parseWebhookURL(raw string) (*webhook, error) {
	shown := httpresult.RedactURL(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid webhook URL %s; copy the URL with Copy Webhook URL in the channel's Integrations settings", shown)
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf("webhook URL %s has no scheme such as https://; copy the URL with Copy Webhook URL in the channel's Integrations settings", shown)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("webhook URL %s has scheme %q; use https", shown, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("webhook URL %s has no host; write an absolute URL such as https://discord.com/api/webhooks/<id>/<token>", shown)
	}
	if u.User != nil {
		return nil, fmt.Errorf("webhook URL %s contains a user name or password; remove it", shown)
	}

	w, err := webhookFromPath(u)
	if err != nil {
		return nil, fmt.Errorf("webhook URL %s: %w", shown, err)
	}
	if err := w.readQuery(u.Query()); err != nil {
		return nil, fmt.Errorf("webhook URL %s: %w", shown, err)
	}
	return w, nil
}

func webhookFromPath(u *url.URL) (*webhook, error) {
	segments := strings.Split(strings.TrimSuffix(u.EscapedPath(), "/"), "/")
	n := len(segments)
	if n >= 4 && segments[n-4] == "webhooks" && (segments[n-1] == "slack" || segments[n-1] == "github") {
		return nil, fmt.Errorf("it ends in /%s, Discord's compatibility endpoint for another format; remove /%s", segments[n-1], segments[n-1])
	}
	if n < 3 || segments[n-3] != "webhooks" {
		return nil, errNotWebhookPath
	}

	id, token := segments[n-2], segments[n-1]
	if !isSnowflake(id) {
		return nil, errors.New("its webhook id is not a numeric Discord id; copy the URL again")
	}
	if !tokenSyntax.MatchString(token) {
		return nil, errors.New("its token has characters a Discord webhook token never has; copy the URL again")
	}

	prefix := segments[:n-3]
	if len(prefix) > 0 && apiVersion.MatchString(prefix[len(prefix)-1]) {
		prefix = prefix[:len(prefix)-1]
	}
	basePath, err := url.PathUnescape(strings.Join(prefix, "/"))
	if err != nil {
		return nil, errNotWebhookPath
	}
	base := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: basePath}
	return &webhook{ID: id, Token: token, Base: base}, nil
}

// readQuery takes thread_id from the URL's query. wait is allowed and ignored,
// because every request sets wait=true. Other parameters are errors.
func (w *webhook) readQuery(query url.Values) error {
	for name, values := range query {
		switch name {
		case "wait":
		case "thread_id":
			if len(values) != 1 || !isSnowflake(values[0]) {
				return errors.New("its thread_id is not a numeric Discord id")
			}
			w.ThreadID = values[0]
		default:
			return fmt.Errorf("it has the query parameter %q, which Switchboard does not send; remove it", name)
		}
	}
	return nil
}

// Redacted returns the webhook's address with its token replaced by
// <redacted>, for logs, previews and errors: the id stays, so an operator can
// tell webhooks apart.
func (w *webhook) Redacted() string {
	return strings.TrimSuffix(w.Base.String(), "/") + "/webhooks/" + w.ID + "/<redacted>"
}
