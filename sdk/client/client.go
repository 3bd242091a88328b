// Package client sends events to Switchboard from a Go service. It builds
// envelopes (filling the event id and timestamp), signs each request as ingest
// expects, splits large sends into batches within ingest's limits, and retries
// with backoff on 5xx, 408, 429 and network errors, never sooner than a
// Retry-After. Other 4xx responses are returned at once as a *StatusError.
//
// Resending is always safe: an event whose id ingest already stored comes back
// with Duplicate set and is not delivered again.
package client

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/signature"
)

// Limits of one request, as Switchboard's ingest applies them by default
// (ingest.max_batch and ingest.max_body_bytes).
const (
	DefaultMaxBatch      = 500
	DefaultMaxBatchBytes = 1 << 20
)

// Default retry settings.
const (
	DefaultMaxAttempts = 6
	DefaultMinBackoff  = 500 * time.Millisecond
	DefaultMaxBackoff  = 30 * time.Second
	DefaultTimeout     = 30 * time.Second
)

// Options configure a Client. Only URL is required, and Secret unless
// Unsigned is set.
type Options struct {
	// URL is the base URL of Switchboard's ingest listener, such as
	// "http://127.0.0.1:8470"; events go to URL + "/v1/events".
	URL string
	// Secret signs every request. A "whsec_" secret signs with Standard
	// Webhooks headers (webhook-id, webhook-timestamp, webhook-signature), any
	// other with X-Webhook-Signature, Turbo's scheme. It must be one of the
	// instance's ingest.secrets.
	Secret sdk.Secret
	// Unsigned sends without a signature, for an instance with
	// ingest.insecure: true.
	Unsigned bool

	// HTTPClient sends the requests. Default: a client with Timeout per
	// request that does not follow redirects.
	HTTPClient *http.Client
	// Timeout bounds one request when HTTPClient is nil. Default 30s.
	Timeout time.Duration

	// MaxBatch is the number of events per request; at most the instance's
	// ingest.max_batch. Default 500.
	MaxBatch int
	// MaxBatchBytes bounds the encoded size of one request; at most the
	// instance's ingest.max_body_bytes. Default 1 MiB.
	MaxBatchBytes int

	// MaxAttempts bounds the attempts of one request, the first included.
	// Default 6.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait before a retry: exponential
	// from MinBackoff with full jitter, capped at MaxBackoff, and never less
	// than the server's Retry-After. Defaults 500ms and 30s.
	MinBackoff time.Duration
	MaxBackoff time.Duration

	// Clock times the waits and stamps events and signatures. Default: the
	// system clock.
	Clock sdk.Clock
	// Logger receives a line per retry. Default: discard.
	Logger *slog.Logger
}

// Client sends events to one Switchboard instance. It is safe for concurrent
// use.
type Client struct {
	endpoint string
	signer   signer
	http     *http.Client
	opts     Options
}

// New checks opts and returns a Client.
func New(opts Options) (*Client, error) {
	endpoint, err := eventsEndpoint(opts.URL)
	if err != nil {
		return nil, err
	}
	s, err := newSigner(opts.Secret, opts.Unsigned)
	if err != nil {
		return nil, err
	}

	opts = withDefaults(opts)
	httpClient := opts.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{
			Timeout:       opts.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &Client{endpoint: endpoint, signer: s, http: httpClient, opts: opts}, nil
}

func withDefaults(opts Options) Options {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.MaxBatchBytes <= 0 {
		opts.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	opts.MaxBackoff = max(opts.MaxBackoff, opts.MinBackoff)
	if opts.Clock == nil {
		opts.Clock = sdk.SystemClock
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return opts
}

// eventsEndpoint returns the URL of POST /v1/events under base.
func eventsEndpoint(base string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("invalid Switchboard URL %q; write the ingest listener's base URL, such as http://127.0.0.1:8470", base)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("Switchboard URL %q has a query or fragment; write only the scheme, host and an optional path prefix", base)
	}
	return strings.TrimRight(u.String(), "/") + "/v1/events", nil
}

// signer sets the signature headers of one request.
type signer struct {
	// standardKey is the HMAC key of a whsec_ secret; turboKey the raw key
	// for X-Webhook-Signature. Both are nil for unsigned requests.
	standardKey []byte
	turboKey    []byte
}

func newSigner(secret sdk.Secret, unsigned bool) (signer, error) {
	switch {
	case unsigned && !secret.IsZero():
		return signer{}, errors.New("both Secret and Unsigned are set; set Secret to sign, or Unsigned for an instance with ingest.insecure: true")
	case unsigned:
		return signer{}, nil
	case secret.IsZero():
		return signer{}, errors.New("no Secret is set; set it to one of the instance's ingest.secrets, or set Unsigned for an instance with ingest.insecure: true")
	case signature.IsStandardKey(secret.Reveal()):
		key, err := signature.DecodeStandardKey(secret.Reveal())
		if err != nil {
			return signer{}, fmt.Errorf("Secret: %w", err)
		}
		return signer{standardKey: key}, nil
	default:
		return signer{turboKey: []byte(secret.Reveal())}, nil
	}
}

// sign sets the signature headers for body. A Standard Webhooks signature
// gets a new webhook-id and the current time on every attempt, so that a late
// retry stays within ingest's timestamp tolerance.
func (s signer) sign(header http.Header, body []byte, now time.Time) error {
	switch {
	case s.standardKey != nil:
		id, err := newMessageID()
		if err != nil {
			return err
		}
		header.Set(signature.HeaderWebhookID, id)
		header.Set(signature.HeaderWebhookTimestamp, fmt.Sprint(now.Unix()))
		header.Set(signature.HeaderWebhookSignature, signature.SignStandard([][]byte{s.standardKey}, id, now, body))
	case s.turboKey != nil:
		header.Set(signature.HeaderTurboSignature, signature.SignTurbo(s.turboKey, body))
	}
	return nil
}
