// Package config loads switchboard.yaml: it expands ${...} references on the parsed
// values, rejects unknown keys, fills defaults, and reports every problem at once
// with its file, line, column and key path. A loaded Config is an immutable
// snapshot; a reload builds a new one.
package config

import (
	"net/netip"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// Config is one validated snapshot of the configuration file.
type Config struct {
	// File is the path the config was loaded from.
	File string

	Server     Server
	Storage    Storage
	Ingest     Ingest
	Turbo      Turbo
	Delivery   Delivery
	Schedule   Schedule
	Plugins    Plugins
	Log        Log
	Connectors []Connector // in file order
	Routes     []Route     // in file order

	// expanded holds the values ${...} references took from the environment
	// or files, by key path, for MaskErrors.
	expanded map[string][]string
}

// Server holds the listeners.
type Server struct {
	// Listen is the ingest address (/v1/..., /healthz, /readyz). Default "127.0.0.1:8470".
	Listen string
	// AdminListen is the management address (API, web UI, /metrics); it may equal
	// Listen. Default "127.0.0.1:8471".
	AdminListen string
	// AdminToken is the bearer token of the management API. Default: none, which
	// leaves the management API closed.
	AdminToken sdk.Secret
	// InstanceID names this process as the owner of its delivery leases, so that a
	// restart takes its own leases back at once. Default: the host name.
	InstanceID string
	// ShutdownTimeout bounds how long SIGTERM waits for in-flight attempts. Default 15s.
	ShutdownTimeout time.Duration
}

// Storage selects and tunes the store.
type Storage struct {
	// Driver is "sqlite" (default) or "postgres".
	Driver string
	// DSN is a file path for sqlite (default "data/switchboard.db") or a
	// postgres:// URL (or a key=value connection string) for postgres. It may
	// hold a password: print it only through RedactDSN.
	DSN string
	// MaxConns bounds the PostgreSQL connection pool of this instance; each
	// instance also holds one more connection for notifications. Default 16.
	// Only for driver postgres.
	MaxConns int
	// Retention is how long events whose deliveries all finished (delivered,
	// skipped or cancelled) are kept, with their attempts. Dead and pending
	// deliveries are never deleted by retention. Default 168h (7 days).
	Retention time.Duration
	// RetentionInterval is how often the retention job runs. Default 10m.
	RetentionInterval time.Duration
	// RetentionBatch is how many events one retention transaction deletes at most.
	// Default 500.
	RetentionBatch int
	// MaxSizeBytes is the size of the store's files above which ingest answers
	// 503 with Retry-After instead of accepting more. Default 0: no limit.
	MaxSizeBytes int64
}

// Ingest tunes the inbound endpoints.
type Ingest struct {
	// Secrets verify inbound signatures; several allow rotation. A value starting
	// with "whsec_" is a Standard Webhooks key; any other value is a raw key for
	// Turbo's X-Webhook-Signature. Required unless Insecure is set.
	Secrets []sdk.Secret
	// Insecure accepts unsigned requests. Default false.
	Insecure bool
	// MaxBodyBytes bounds a request body, in bytes. Default 1048576 (1 MiB).
	MaxBodyBytes int64
	// MaxBatch bounds the events in one request. Default 500.
	MaxBatch int
	// Tolerance is how far a signed timestamp may be from now. Default 5m.
	Tolerance time.Duration
	// MaxBacklog is the number of pending deliveries above which ingest answers
	// 503 with Retry-After. Default 1000000.
	MaxBacklog int
	// RetryAfter is the wait a 503 answer asks for. Default 5s.
	RetryAfter time.Duration
	// Derive derives change events from each received event and keeps every
	// entity's last state (docs/events.md). Default true; false saves that work
	// when no route uses derived events, and due-date events then stop too.
	Derive bool
}

// Turbo holds the addresses of the Turbo platform.
type Turbo struct {
	// WebURL is the base of links to entities in messages. Default "http://localhost:3001".
	WebURL string
	// APIURL is Turbo's REST API. Default "http://localhost:8001/api/v1".
	APIURL   string
	APIToken sdk.Secret
}

// Delivery is the retry and dispatch policy.
type Delivery struct {
	// MaxAttempts bounds the attempts of one delivery. Default 12.
	MaxAttempts int
	// MaxAge bounds a delivery's life from its creation. Default 24h.
	MaxAge time.Duration
	// Timeout bounds one attempt unless the connector sets its own. Default 30s.
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the exponential backoff with full jitter.
	// Defaults 1s and 1h.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Workers is the number of concurrent attempts. Default 64.
	Workers int
	// MaxInFlightPerDestination bounds the concurrent attempts to one destination,
	// so that a slow destination cannot take every worker. Default 8.
	MaxInFlightPerDestination int
	// Lease is how long a claim on a delivery lasts before another worker may take
	// it. It must exceed the longest connector timeout. Default: the longest
	// timeout plus 30s.
	Lease time.Duration
	// PollInterval is the longest the dispatcher waits before looking for due
	// retries and expired leases. Default 1s.
	PollInterval time.Duration
	// CircuitThreshold is the number of consecutive failed attempts that opens a
	// destination's circuit. Default 5.
	CircuitThreshold int
	// CircuitCooldown is how long an open circuit waits before one probe attempt.
	// It doubles on each failed probe, up to MaxBackoff. Default 30s.
	CircuitCooldown time.Duration
	// DisableAfter pauses a connector whose attempts have all failed for this
	// long, with the reason, until an operator resumes it. Default 0: never.
	DisableAfter time.Duration
}

// Plugins locates out-of-process connectors.
type Plugins struct {
	// Dir holds switchboard-connector-<name> executables. Default "plugins.d".
	Dir string
}

// Log configures the process log.
type Log struct {
	// Level is debug, info (default), warn or error.
	Level string
	// Format is auto (default: text on a terminal, JSON otherwise), text or json.
	Format string
}

// Connector is one block under `connectors:`.
type Connector struct {
	// Name is the block's key.
	Name string
	// Type is the connector kind (http, file, slack, ...).
	Type string
	// Timeout bounds one attempt; 0 means Delivery.Timeout.
	Timeout time.Duration
	// AllowPrivate lets addresses that come from templates or event data reach
	// private and loopback ranges. Default false.
	AllowPrivate bool
	// AllowCIDRs are ranges that addresses from templates or event data may
	// reach although the network guard blocks them, for a deliberate internal
	// destination without allow_private. Default: none.
	AllowCIDRs []netip.Prefix
	// RateLimit paces deliveries to each of the connector's destinations; nil
	// means the connector's own default, if it has one.
	RateLimit *RateLimit
	// Options holds the connector's own keys, with ${...} expanded, as generic
	// values (map[string]any, []any, string, int, float64, bool, nil) ready to be
	// encoded as JSON for sdk.Connector.ValidateConfig and Configure.
	Options map[string]any
	// At is where the block starts.
	At Position
	// Positions maps a dotted option path ("signing.secret") to where its value is.
	Positions map[string]Position
	// Referenced holds the option values that came from ${...} references,
	// which may be credentials. A connector's messages about the options show
	// Redacted in their place, so a secret in the wrong key is never printed.
	Referenced []string
}

// RateLimit is a connector's `rate_limit` block: a token bucket of Burst
// deliveries (default 1), refilled at PerSecond per second.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// Route is one entry under `routes:`.
type Route struct {
	Name string
	// Events are event-type globs ("issue.*"); empty matches every event type.
	Events []string
	// Where holds field matchers, in file order; all must hold.
	Where []Match
	// If is a CEL expression over the envelope; empty means true.
	If string
	// To lists the targets.
	To []Target
	// Stop ends route evaluation for an event this route matched.
	Stop bool
	// Derived lets a glob match derived events too.
	Derived bool
	// Template is the message template; empty means the connector's default message.
	Template string
	// Digest, Throttle and Quiet shape when the route's messages go out; each
	// is nil when the route does not set it.
	Digest   *Digest
	Throttle *Throttle
	Quiet    *Quiet
	// Index is the route's position in the file, from 0.
	Index int
	// At is where the route starts; FieldAt maps "events", "where", "if",
	// "template", "to" and "throttle.key" to where those values are.
	At      Position
	FieldAt map[string]Position
}

// Match is one `where:` entry: the value at Path must equal one of Values.
type Match struct {
	// Path is a dotted path into the envelope, such as "data.current.priority".
	Path string
	// Values are YAML scalars: string, int, float64, bool or nil.
	Values []any
	At     Position
}

// Target is one entry under a route's `to:`.
type Target struct {
	Connector string
	// Params are the other keys. A value is a template string, a []string of
	// templates, or a map[string]string of templates.
	Params map[string]any
	At     Position
	// ParamAt maps a parameter name to where its value is.
	ParamAt map[string]Position
	// Referenced holds the parameter paths ("url", "headers.X-Api-Key",
	// "to[1]") whose value, as written, has a ${...} reference: it may be a
	// credential, so previews show it as <secret>.
	Referenced map[string]bool
}

// Position is a place in the config file. Line and Column count from 1.
type Position struct {
	Line   int
	Column int
	// Path is the key path, such as "routes[0].where.data.current.priority".
	Path string
}
