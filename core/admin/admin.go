// Package admin serves Switchboard's management side on server.admin_listen:
// the JSON management API under /api/v1 (protected by server.admin_token),
// the web UI under /ui (a cookie session opened with the same token), and
// /metrics, /healthz and /readyz. The ingest endpoints are served elsewhere,
// with their own authentication.
package admin

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/route"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// Backend is the running daemon as the management side uses it; core/app
// implements it.
type Backend interface {
	// Store returns the store to read and to record operator actions in.
	Store() store.Store
	// Snapshot returns the config and routes in force.
	Snapshot() Snapshot
	// Connectors returns every configured connector with its state.
	Connectors() []ConnectorStatus
	// Retry makes the deliveries due now and wakes the dispatcher; it returns
	// the ids it made due.
	Retry(ctx context.Context, ids []int64) ([]int64, error)
	// Cancel cancels the given scheduled deliveries, with reason as their
	// last error, except those whose attempt runs; it returns the ids it
	// cancelled.
	Cancel(ctx context.Context, ids []int64, reason string) ([]int64, error)
	// Replay creates new deliveries of a stored event: one per target its
	// routes plan now, or, with a connector, only those to it (a delivery
	// with no parameters when no route plans one).
	Replay(ctx context.Context, eventID, connector string) ([]*store.Delivery, error)
	// Pause holds the connector's deliveries until Resume.
	Pause(ctx context.Context, connector, reason, actor string) error
	// Resume lets a paused connector deliver and makes its held deliveries due.
	Resume(ctx context.Context, connector string) error
	// TestSend delivers a sample event through the connector with params,
	// storing nothing.
	TestSend(ctx context.Context, connector string, params sdk.Params) (*TestResult, error)
	// Preview returns the request the connector would send for req, without
	// sending it; ErrNoPreview means it cannot show one.
	Preview(ctx context.Context, connector string, req *sdk.DeliveryRequest) (string, error)
	// Backup writes an online copy of the store to path.
	Backup(ctx context.Context, path string) error
	// Reload returns the outcome of the last config reload.
	Reload() ReloadStatus
	// Ready returns why the instance cannot take events, or nil.
	Ready() error
	// SettingsDifferences returns the storage settings whose value differs
	// on another running instance on the same database. A store that one
	// instance has to itself returns none.
	SettingsDifferences() []store.SettingDifference
}

// Snapshot is the config in force with its compiled routes, and the
// destinations whose circuit is open, each with the end of its cooldown.
type Snapshot struct {
	Config   *config.Config
	Routes   *route.Table
	Circuits map[string]time.Time
}

// ConnectorStatus is one configured connector and how it is doing.
type ConnectorStatus struct {
	Name string
	Type string
	// Info is the declaration of the connector's kind, with its target
	// parameters. Its Name is empty when the kind is not known, such as a
	// plugin that never started.
	Info sdk.Info
	// Paused is set for a connector paused by an operator or disabled by
	// Switchboard, with who, why and when.
	Paused      bool
	PauseReason string
	PausedBy    string
	Automatic   bool
	PausedAt    time.Time
	// PauseUnknown is the reason the pause state is unknown, such as a store
	// that cannot be read. It is empty when the state is known.
	PauseUnknown string
	// Attempts and Delivered count its recent attempts (at most 100), and
	// FailedInARow those since the last one delivered.
	Attempts     int
	Delivered    int
	FailedInARow int
	LastSuccess  time.Time
	LastFailure  time.Time
	LastError    string
	// OpenCircuits are its destinations whose circuit is open.
	OpenCircuits []string
	// Rejections describe the destinations its instance does not send to
	// after a rejection (sdk.RejectionKeeper), until an operator retries or
	// tests.
	Rejections []string
	// Unhealthy is set when the instance's Health reports that it cannot
	// deliver, and HealthMessage is the message Health returned.
	Unhealthy     bool
	HealthMessage string
	// Waiting is set when Health reports that the instance's calls wait for
	// now, such as for a rate limit, rather than that it cannot deliver.
	Waiting bool
}

// TestResult is the outcome of a test send.
type TestResult struct {
	Outcome    sdk.Outcome
	StatusCode int
	Response   string
	Reason     string
	Duration   time.Duration
	Params     sdk.Params
}

// ReloadStatus is the outcome of the last config reload.
type ReloadStatus struct {
	File string
	// LoadedAt is when the config in force was loaded.
	LoadedAt time.Time
	// FailedAt and Error are set when the last reload was rejected; the config
	// loaded at LoadedAt stays in force.
	FailedAt time.Time
	Error    string
}

// Options configure New.
type Options struct {
	Backend Backend
	// Token is server.admin_token. Required.
	Token  sdk.Secret
	Clock  sdk.Clock
	Logger *slog.Logger
	// Metrics serves /metrics; nil leaves it out.
	Metrics http.Handler
	// Version is shown in the UI and in GET /api/v1/status.
	Version string
	// SecureCookies marks the UI's cookies Secure, for an admin listener
	// behind TLS.
	SecureCookies bool
}

// server is the handler New returns.
type server struct {
	backend Backend
	token   tokenChecker
	// failures counts requests with a wrong admin token per address.
	failures *tokenFailures
	clock    sdk.Clock
	log      *slog.Logger
	version  string
	ui       *ui
}

// New returns the handler of the admin listener.
func New(opts Options) (http.Handler, error) {
	tc, err := newTokenChecker(opts.Token)
	if err != nil {
		return nil, err
	}
	s := &server{backend: opts.Backend, token: tc, failures: newTokenFailures(opts.Clock), clock: opts.Clock, log: opts.Logger,
		version: opts.Version}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.ui, err = newUI(s, opts.SecureCookies); err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	for _, ep := range s.endpoints() {
		mux.Handle(ep.method+" "+ep.pattern, s.authenticated(ep.serve))
	}
	mux.HandleFunc("/api/", s.unknownEndpoint)
	mux.HandleFunc("GET /healthz", s.getHealth)
	mux.HandleFunc("GET /readyz", s.getReady)
	if opts.Metrics != nil {
		mux.Handle("GET /metrics", opts.Metrics)
	}
	s.ui.register(mux)
	return securityHeaders(s.guardAPI(mux)), nil
}

// endpoint is one operation of the management API.
type endpoint struct {
	method, pattern string
	serve           func(w http.ResponseWriter, r *http.Request, actor string) error
}

// endpoints are every operation of /api/v1; docs/openapi/admin.yaml
// documents each one, and a test checks that the two agree.
func (s *server) endpoints() []endpoint {
	return []endpoint{
		{"GET", "/api/v1/status", s.getStatus},
		{"GET", "/api/v1/events", s.listEvents},
		{"GET", "/api/v1/events/{id}", s.getEvent},
		{"POST", "/api/v1/events/{id}/replay", s.replayEvent},
		{"GET", "/api/v1/deliveries", s.listDeliveries},
		{"POST", "/api/v1/deliveries/retry", s.retryDeliveries},
		{"GET", "/api/v1/deliveries/{id}", s.getDelivery},
		{"POST", "/api/v1/deliveries/{id}/retry", s.retryDelivery},
		{"POST", "/api/v1/deliveries/cancel", s.cancelDeliveries},
		{"POST", "/api/v1/deliveries/{id}/cancel", s.cancelDelivery},
		{"GET", "/api/v1/connectors", s.listConnectors},
		{"GET", "/api/v1/connectors/{name}", s.getConnector},
		{"POST", "/api/v1/connectors/{name}/test", s.testConnector},
		{"POST", "/api/v1/connectors/{name}/pause", s.pauseConnector},
		{"POST", "/api/v1/connectors/{name}/resume", s.resumeConnector},
		{"GET", "/api/v1/routes", s.listRoutes},
		{"POST", "/api/v1/dry-run", s.dryRun},
		{"GET", "/api/v1/actions", s.listActions},
		{"GET", "/api/v1/backup", s.getBackup},
	}
}

// securityHeaders keeps every page out of frames and stops browsers from
// guessing content types; the UI's pages add their content security policy.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

func (s *server) getHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *server) getReady(w http.ResponseWriter, _ *http.Request) {
	if err := s.backend.Ready(); err != nil {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "not ready: " + err.Error(), Code: codeUnavailable})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
