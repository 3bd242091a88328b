package slack

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/turbocode/switchboard/sdk/httpresult"
)

// exchange records the response to one request: slack-go turns responses into
// errors that drop the status, the Retry-After format it cannot parse, and a
// webhook's plain-text error body, all of which the outcome depends on.
type exchange struct {
	// status is 0 when no response arrived.
	status int
	header http.Header
	body   []byte
}

type exchangeKey struct{}

// withExchange returns a context under which recordingTransport fills ex.
func withExchange(ctx context.Context, ex *exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, ex)
}

// recordingTransport copies the status, headers and the start of the body of
// each response whose request context carries an exchange, and hands slack-go
// the same body to parse. It also sends Switchboard's User-Agent, which
// slack-go does not set.
type recordingTransport struct {
	next http.RoundTripper
}

func (t recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", "Switchboard/"+Version)
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	ex, ok := req.Context().Value(exchangeKey{}).(*exchange)
	if !ok {
		return resp, nil
	}

	// A body that fails to arrive leaves the exchange empty: the failure is
	// the transport's, and classified as such.
	body, err := httpresult.ReadBody(resp.Body)
	if err != nil {
		return nil, err
	}
	ex.status, ex.header, ex.body = resp.StatusCode, resp.Header.Clone(), body
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}
