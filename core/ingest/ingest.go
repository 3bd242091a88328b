// Package ingest serves Switchboard's inbound HTTP endpoints: POST /v1/events
// (envelopes, and CloudEvents in structured, batch and binary mode), POST
// /v1/turbo/webhook (Turbo's native webhook), GET /healthz and GET /readyz.
// It checks each request's size, content type and signature, parses it with
// core/event and hands the events to an Acceptor. Every response is JSON.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
)

// Acceptor routes and stores the events of one request; the application
// implements it. Accept returns once the events and their deliveries are
// durable, with one result per event in request order. Its errors decide the
// response: *store.ConflictError gives 409, store.ErrUnavailable, ErrBacklogFull
// and ErrStoreFull give 503 with Retry-After, anything else 500.
type Acceptor interface {
	Accept(ctx context.Context, events []*event.Incoming) ([]store.EventResult, error)
}

// ErrBacklogFull is the error an Acceptor returns when the delivery backlog is
// over its limit, so that ingest responds 503 with Retry-After.
var ErrBacklogFull = errors.New("the delivery backlog is over its limit")

// ErrStoreFull is the error an Acceptor returns when the store is over its size
// limit, so that ingest responds 503 with Retry-After.
var ErrStoreFull = errors.New("the event store is over its size limit")

// Defaults for the zero values of Options.
const (
	DefaultMaxBodyBytes = 1 << 20 // 1 MiB
	DefaultTolerance    = 5 * time.Minute
	DefaultRetryAfter   = 5 * time.Second
)

// minRawSecretLength is the shortest secret Turbo's webhook settings accept.
const minRawSecretLength = 16

// Options configure the handler.
type Options struct {
	// Acceptor receives the events of every request that passes the checks.
	// Required.
	Acceptor Acceptor
	// Secrets verify signatures: a value starting with "whsec_" is a Standard
	// Webhooks key, any other value a raw key (at least 16 characters) for
	// X-Webhook-Signature. At least one is required unless Insecure is set.
	Secrets []sdk.Secret
	// Insecure accepts requests without checking any signature.
	Insecure bool
	// MaxBodyBytes bounds a request body, in bytes. Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxBatch bounds the events of one request. Default event.DefaultMaxBatch.
	MaxBatch int
	// Tolerance is how far a Standard Webhooks timestamp may be from now, in
	// either direction. Default DefaultTolerance.
	Tolerance time.Duration
	// RetryAfter is the wait that 503 responses ask for, rounded up to whole
	// seconds. Default DefaultRetryAfter.
	RetryAfter time.Duration
	// Clock stamps received events and checks signature timestamps. Default
	// clock.System.
	Clock sdk.Clock
	// Logger receives a line per accepted request and per rejected one. A
	// rejection with a 4xx status is logged at info or warn at most once per
	// status per 10 seconds, and at debug otherwise (see logRejection). Default
	// slog.Default().
	Logger *slog.Logger
	// Ready reports why the instance cannot take events, for GET /readyz; nil
	// means always ready.
	Ready func() error
	// GitHubSecrets verify the webhooks at POST /v1/github/webhook; without
	// one that endpoint answers 404.
	GitHubSecrets []sdk.Secret
}

// handler is the http.Handler NewHandler returns.
type handler struct {
	acceptor     Acceptor
	standardKeys [][]byte
	turboKeys    [][]byte
	githubKeys   [][]byte
	insecure     bool
	maxBody      int64
	maxBatch     int
	tolerance    time.Duration
	retryAfter   []string // the Retry-After header value
	clock        sdk.Clock
	log          *slog.Logger
	rejections   *rejectionSampler
	ready        func() error
}

// route is one endpoint: a path and the method it serves.
type route struct {
	path, method string
	serve        func(*handler, http.ResponseWriter, *http.Request)
}

// routes are every endpoint the handler serves.
var routes = []route{
	{"/v1/events", http.MethodPost, (*handler).postEvents},
	{"/v1/turbo/webhook", http.MethodPost, (*handler).postTurboWebhook},
	{"/v1/github/webhook", http.MethodPost, (*handler).postGitHubWebhook},
	{"/healthz", http.MethodGet, (*handler).getHealth},
	{"/readyz", http.MethodGet, (*handler).getReady},
}

// IsEventEndpoint reports whether path is one of the endpoints that take
// events, as opposed to a health check or a path the handler does not serve.
func IsEventEndpoint(path string) bool {
	for _, r := range routes {
		if r.path == path && r.method == http.MethodPost {
			return true
		}
	}
	return false
}

// NewHandler returns the ingest handler. It decodes the secrets once and
// returns an error naming the problem when one is invalid or none is set
// without Insecure.
func NewHandler(opts Options) (http.Handler, error) {
	if opts.Acceptor == nil {
		return nil, errors.New("ingest: Options.Acceptor is nil; pass the component that stores events")
	}
	h := &handler{
		acceptor:  opts.Acceptor,
		insecure:  opts.Insecure,
		maxBody:   valueOr(opts.MaxBodyBytes, DefaultMaxBodyBytes),
		maxBatch:  valueOr(opts.MaxBatch, event.DefaultMaxBatch),
		tolerance: valueOr(opts.Tolerance, DefaultTolerance),
		clock:     opts.Clock,
		log:       opts.Logger,
		ready:     opts.Ready,

		rejections: newRejectionSampler(rejectionLogWindow),
		githubKeys: decodeGitHubSecrets(opts.GitHubSecrets),
	}
	if h.clock == nil {
		h.clock = clock.System
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	retrySeconds := int(math.Ceil(valueOr(opts.RetryAfter, DefaultRetryAfter).Seconds()))
	h.retryAfter = []string{strconv.Itoa(retrySeconds)}

	if err := h.decodeSecrets(opts.Secrets); err != nil {
		return nil, err
	}
	if h.insecure {
		h.log.Warn("ingest accepts unsigned requests because ingest.insecure is set; anyone who can reach the listener can inject events")
	}
	return h, nil
}

func valueOr[T int | int64 | time.Duration](value, fallback T) T {
	if value <= 0 {
		return fallback
	}
	return value
}

// decodeSecrets sorts the secrets into Standard Webhooks keys and raw keys.
func (h *handler) decodeSecrets(secrets []sdk.Secret) error {
	if len(secrets) == 0 && !h.insecure {
		return errors.New("ingest: no secrets are set; set ingest.secrets, or ingest.insecure: true to accept unsigned requests")
	}
	for i, secret := range secrets {
		key, standard, err := decodeSecret(secret.Reveal())
		if err != nil {
			return fmt.Errorf("ingest.secrets[%d]: %w", i, err)
		}
		if standard {
			h.standardKeys = append(h.standardKeys, key)
		} else {
			h.turboKeys = append(h.turboKeys, key)
		}
	}
	return nil
}

// ServeHTTP dispatches a request to its endpoint.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for i := range routes {
		rt := &routes[i]
		if r.URL.Path != rt.path {
			continue
		}
		if r.Method != rt.method {
			w.Header().Set("Allow", rt.method)
			h.fail(w, r, methodNotAllowed(r.Method, rt))
			return
		}
		rt.serve(h, w, r)
		return
	}
	h.fail(w, r, notFound(r.URL.Path))
}
