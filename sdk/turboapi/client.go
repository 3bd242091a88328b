// Package turboapi is a client of Turbo's REST API for the calls Switchboard's
// connectors make: read, create and update issues, assign, close and reopen
// them, add and remove tags, and create, edit and delete comments. Every call
// returns a *Error for an answer outside 2xx, and Classify turns any error into
// the sdk.Result a delivery reports.
//
// The package imports nothing from the daemon, so plugins can use it too.
package turboapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// maxResponseBytes bounds the body of an answer the client reads.
const maxResponseBytes = 4 << 20

// Options configure New.
type Options struct {
	// BaseURL is the API root, such as "http://localhost:8001/api/v1", the
	// top-level turbo.api_url. Required.
	BaseURL string
	// Token is sent as "Authorization: Bearer <token>" when set.
	Token sdk.Secret
	// HTTPClient sends the requests. Default: a client with a 30-second timeout
	// that follows no redirects.
	HTTPClient *http.Client
	// UserAgent is sent on every request. Default "Switchboard".
	UserAgent string
	// Now dates a Retry-After given as an HTTP date. Default time.Now.
	Now func() time.Time
}

// Client calls one Turbo instance. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	token     sdk.Secret
	http      *http.Client
	userAgent string
	now       func() time.Time
}

// New returns a client for the API at opts.BaseURL.
func New(opts Options) (*Client, error) {
	base, err := url.Parse(opts.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("invalid Turbo API URL %q; write an absolute http or https URL such as http://localhost:8001/api/v1", opts.BaseURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	c := &Client{base: base, token: opts.Token, http: opts.HTTPClient, userAgent: opts.UserAgent, now: opts.Now}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.userAgent == "" {
		c.userAgent = "Switchboard"
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// do sends one request with body encoded as JSON (none when nil) and decodes a
// 2xx answer into out (ignored when nil).
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	_, data, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the expected JSON: %w", method, path, err)
	}
	return nil
}

// send sends one request and returns the status and body of a 2xx response,
// or a *Error for any other status.
func (c *Client) send(ctx context.Context, method, path string, body any) (int, []byte, error) {
	req, err := c.newRequest(ctx, method, path, body)
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, nil, newError(method, path, resp, data, c.now())
	}
	if status, ok := ctx.Value(statusKey{}).(*int); ok {
		*status = resp.StatusCode
	}
	return resp.StatusCode, data, nil
}

// statusKey is the context key of RecordStatus.
type statusKey struct{}

// RecordStatus returns a context with which every successful call stores the
// HTTP status of its response in *status, for a caller of the typed methods
// that reports it (201 for a created comment, 204 for a removed tag). The
// caller must not share the context between goroutines.
func RecordStatus(ctx context.Context, status *int) context.Context {
	return context.WithValue(ctx, statusKey{}, status)
}

// Send makes any call of the API: method on path, relative to the API root
// ("issues/TURBO-42/reopen", with an optional query after "?"), with body as
// the JSON body (none when empty). It returns the status and body of a 2xx
// response, or a *Error.
func (c *Client) Send(ctx context.Context, method, path string, body json.RawMessage) (int, []byte, error) {
	var payload any
	if len(bytes.TrimSpace(body)) > 0 {
		payload = body
	}
	return c.send(ctx, method, path, payload)
}

func (c *Client) newRequest(ctx context.Context, method, path string, body any) (*http.Request, error) {
	ref := &url.URL{Path: path}
	if p, query, ok := strings.Cut(path, "?"); ok {
		ref = &url.URL{Path: p, RawQuery: query}
	}
	target := c.base.ResolveReference(ref)
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode the body: %w", method, path, err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, target.String(), reader)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
	}
	return req, nil
}

// escape makes an id safe as one path segment.
func escape(id string) string { return url.PathEscape(id) }

// IsNotFound reports whether err is Turbo's 404 answer.
func IsNotFound(err error) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound
}
