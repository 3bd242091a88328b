package httpresult

import (
	"context"
	"errors"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/netguard"
)

// ClassifyError returns the result of a request that got no response. A
// destination the network guard rejected is permanent. Everything else is
// retried: timeouts, refused or reset connections, DNS failures, TLS errors and
// a cancelled context. The reason is the error's text, with the URL of each
// *url.Error in the chain redacted by RedactURL.
func ClassifyError(err error) sdk.Result { return classifyError(err, RedactURL) }

// ClassifyErrorShowingPath is ClassifyError for an API whose paths hold no
// secret, such as Turbo's REST API: the error keeps the URL's path, so that
// it names the call that failed; user information and query stay redacted.
func ClassifyErrorShowingPath(err error) sdk.Result { return classifyError(err, RedactLocation) }

func classifyError(err error, redactURL func(string) string) sdk.Result {
	if err == nil {
		return sdk.Retry("the request failed without an error value", 0)
	}
	reason := redactError(err, redactURL)

	var blocked *netguard.BlockedError
	var invalidHost *netguard.InvalidHostError
	switch {
	case errors.As(err, &blocked), errors.As(err, &invalidHost):
		return sdk.Permanent(reason)
	case errors.Is(err, context.Canceled):
		return sdk.Retry("request cancelled: "+reason, 0)
	case isTimeout(err):
		return sdk.Retry("timed out: "+reason, 0)
	default:
		return sdk.Retry(reason, 0)
	}
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// redactError returns err's text with the URL of each *url.Error in its chain
// redacted by redactURL, in both the plain and the Go-quoted form that
// url.Error prints.
func redactError(err error, redactURL func(string) string) string {
	text := err.Error()
	for cause := err; cause != nil; cause = errors.Unwrap(cause) {
		urlErr, ok := cause.(*url.Error)
		if !ok || urlErr.URL == "" {
			continue
		}
		redacted := redactURL(urlErr.URL)
		quoted := strconv.Quote(urlErr.URL)
		text = strings.ReplaceAll(text, quoted[1:len(quoted)-1], redacted)
		text = strings.ReplaceAll(text, urlErr.URL, redacted)
	}
	return text
}

// RedactURL returns raw with its user information, path and query replaced by
// "<redacted>" and its fragment dropped, because each may carry credentials:
// a Slack or Discord webhook URL keeps its token in the path. Scheme and host
// stay, so an operator can still tell the destination. A URL written without
// a scheme, such as hooks.slack.com/services/..., keeps its first segment when
// that looks like a host name, so the error can show what was written. A
// value that does not parse as a URL becomes "<invalid URL>".
func RedactURL(raw string) string { return redact(raw, true) }

// RedactLocation redacts a redirect's Location as RedactURL does, but keeps the
// path: the destination chose it, and the operator needs it to update the
// target.
func RedactLocation(raw string) string { return redact(raw, false) }

func redact(raw string, hidePath bool) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid URL>"
	}
	if u.Opaque != "" {
		return u.Scheme + ":<redacted>"
	}
	schemeless := false
	if u.Scheme == "" && u.Host == "" {
		if host, rest, found := strings.Cut(u.Path, "/"); found && looksLikeHost(host) {
			u.Host, u.Path, u.RawPath = host, "/"+rest, ""
			schemeless = true
		}
	}

	var b strings.Builder
	if u.Scheme != "" {
		b.WriteString(u.Scheme)
		b.WriteString(":")
	}
	if (u.Scheme != "" || u.Host != "") && !schemeless {
		b.WriteString("//")
	}
	if u.User != nil {
		b.WriteString("<redacted>@")
	}
	b.WriteString(u.Host)
	if path := u.EscapedPath(); hidePath && path != "" && path != "/" {
		b.WriteString("/<redacted>")
	} else {
		b.WriteString(path)
	}
	if u.RawQuery != "" || u.ForceQuery {
		b.WriteString("?<redacted>")
	}
	return b.String()
}

// hostName matches a DNS name with at least one dot.
var hostName = regexp.MustCompile(`^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)

// looksLikeHost reports whether the first segment of a URL written without a
// scheme is a host name rather than part of a path that may be secret.
func looksLikeHost(segment string) bool { return hostName.MatchString(segment) }
