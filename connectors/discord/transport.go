package discord

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/turbocode/switchboard/sdk/httpresult"
)

// exchange is one request to Discord as the transport saw it. discordgo turns
// responses into errors that drop the headers, and for a 429 without a JSON
// body the status too. So the transport records the response, and the
// connector classifies it instead of discordgo's error.
type exchange struct {
	// base is the request's destination: the scheme, host and path prefix
	// that replace discordgo's https://discord.com/api.
	base *url.URL
	// sent is the URL the request went to after the rewrite, empty until the
	// transport sends it.
	sent string

	responded bool
	status    int
	header    http.Header
	// body is the start of the response body, at most httpresult.MaxBodyRead
	// bytes.
	body []byte
}

type exchangeKey struct{}

// withExchange returns ctx carrying ex, for the transport to find.
func withExchange(ctx context.Context, ex *exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, ex)
}

// discordgoPrefix is the path prefix of every URL discordgo builds
// (https://discord.com/api/v9/...), which the transport replaces with the
// exchange's base path.
const discordgoPrefix = "/api"

// rewriteTransport sends discordgo's requests to the exchange's base instead
// of discord.com and records the response. A request without an exchange in
// its context fails, so nothing reaches a host the connector did not choose.
type rewriteTransport struct {
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ex, _ := req.Context().Value(exchangeKey{}).(*exchange)
	if ex == nil || ex.base == nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, errors.New("discord transport: the request carries no destination")
	}

	out := req.Clone(req.Context())
	out.URL.Scheme = ex.base.Scheme
	out.URL.Host = ex.base.Host
	out.URL.Path = ex.base.Path + strings.TrimPrefix(req.URL.Path, discordgoPrefix)
	out.URL.RawPath = ""
	out.Host = ""
	ex.sent = out.URL.String()

	resp, err := t.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	body, readErr := httpresult.ReadBody(resp.Body)
	ex.responded = true
	ex.status = resp.StatusCode
	ex.header = resp.Header.Clone()
	ex.body = body
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if readErr != nil {
		return nil, readErr
	}
	return resp, nil
}

// newClient returns a copy of client whose transport goes through a
// rewriteTransport. The copy keeps client's redirect policy and timeout.
func newClient(client *http.Client) *http.Client {
	wrapped := *client
	wrapped.Transport = &rewriteTransport{next: client.Transport}
	return &wrapped
}

// retarget makes the *url.Error in err name the URL the request went to.
// http.Client reports the URL of the request it was given, which is
// discordgo's https://discord.com/api/... before the transport rewrote it.
func retarget(err error, ex *exchange) error {
	var urlErr *url.Error
	if err == nil || ex.sent == "" || !errors.As(err, &urlErr) {
		return err
	}
	urlErr.URL = ex.sent
	return err
}
