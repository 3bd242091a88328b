// Package sdk is the public API shared by Switchboard's built-in connectors and
// out-of-process plugins: the Connector interface, the delivery request and its
// result, and the helpers every connector needs (outcome classification, secrets,
// the network guard in sdk/netguard).
//
// The package imports nothing from the daemon, so a plugin's build pulls in the SDK
// and not the runtime.
package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/turbocode/switchboard/sdk/netguard"
)

// Connector is one kind of destination, such as "http" or "slack". The host calls
// its methods in this order:
//
//  1. Info, once, to learn the name, capabilities and parameters.
//  2. ValidateConfig, for each configured instance, when the config is loaded.
//     It must be fast and free of side effects: it may run again on every reload.
//  3. Configure, for each instance whose config passed validation.
//
// Info and ValidateConfig may be called from several goroutines at once.
type Connector interface {
	// Info describes the connector kind.
	Info() Info

	// ValidateConfig checks one instance's config and returns every problem found.
	// An empty result means the config is valid.
	ValidateConfig(cfg json.RawMessage) []Diagnostic

	// Configure builds a ready instance from a config that passed ValidateConfig.
	Configure(ctx context.Context, cfg InstanceConfig) (Instance, error)
}

// Instance is one configured connector, such as the "urgent-hook" block of type http.
// Its lifecycle after Configure is: Deliver and Health, called concurrently from
// many goroutines, then Close once, after every Deliver call has returned.
type Instance interface {
	// Deliver sends one delivery and reports what happened. It never returns a bare
	// error: every failure is a Result with an Outcome. It must return promptly when
	// ctx is cancelled, with OutcomeRetry.
	Deliver(ctx context.Context, req *DeliveryRequest) Result

	// Health reports whether the instance can currently deliver. It must not block
	// for longer than ctx allows.
	Health(ctx context.Context) Health

	// Close releases the instance's resources.
	Close() error
}

// Info describes a connector kind to the host.
type Info struct {
	// Name is the connector type as written in `type:` (for example "http").
	Name        string
	Version     string
	Description string

	// ConfigSchema is an optional JSON Schema of the instance config.
	ConfigSchema json.RawMessage
	// SecretPaths lists the dotted config paths whose values are secrets.
	SecretPaths []string

	// Capabilities are the delivery behaviours the connector asks the host for.
	Capabilities Capabilities

	// Markup tells the host how to escape values that templates insert into the
	// route's message, so that user text never acts as markup.
	Markup Markup

	// TargetParams lists the parameters a route target may set for this connector.
	// A target that sets a parameter not listed here is a config error.
	TargetParams []ParamSpec

	// DestinationParams names the target parameters that identify a destination
	// (for example "url" or "channel"). The host keys rate limits, circuit breakers
	// and fairness on the instance name plus these values.
	DestinationParams []string
}

// Capabilities are optional delivery behaviours.
type Capabilities struct {
	// Ordered asks the host to attempt deliveries that share an ordering key (the
	// root entity: the issue itself, or context.issue_id for a comment) one at a
	// time, in arrival order.
	Ordered bool
	// State asks the host to load the connector's per-entity state into each
	// DeliveryRequest and to store the state a Result returns.
	State bool
	// CurrentState asks the host to load, just before each attempt, the last
	// state of the request's root entity (EntityKey) that Switchboard stored
	// from the events it received, into DeliveryRequest.Current. A connector
	// that acts on an entity checks with it that the action still applies.
	CurrentState bool
	// RateLimit, when set, asks the host to pace deliveries to each destination
	// (for example one message a second per Slack channel), so that a burst does
	// not draw rate-limit answers. The host waits before sending, which uses no
	// attempt. A connector's `rate_limit` config key overrides it.
	RateLimit *RateLimit
	// TurboAPI says that the connector calls Turbo's REST API with
	// turbo.api_token, so that a config without the token is rejected when
	// it loads instead of at the first delivery.
	TurboAPI bool
}

// RateLimit is a token bucket: Burst deliveries may go at once, then one every
// 1/PerSecond seconds.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// Markup names the escaping the host applies to template values.
type Markup string

// The escapings the host knows.
const (
	MarkupText    Markup = "text"    // no escaping
	MarkupJSON    Markup = "json"    // values are escaped as the inside of a JSON string
	MarkupHTML    Markup = "html"    // HTML entities
	MarkupSlack   Markup = "slack"   // Slack mrkdwn: &, < and > as entities
	MarkupDiscord Markup = "discord" // Discord markdown: formatting characters and mentions neutralised
)

// ParamSpec describes one target parameter.
type ParamSpec struct {
	Name        string
	Description string
	Required    bool
	// Kind is the value shape: ParamString (default), ParamList or ParamMap.
	Kind ParamKind
}

// ParamKind is the shape of a target parameter's value.
type ParamKind int

// The shapes of a target parameter.
const (
	ParamString ParamKind = iota // one template, rendered to a string
	ParamList                    // a list of templates, rendered to []string
	ParamMap                     // a map of templates, rendered to map[string]string
)

// Diagnostic is one problem found in an instance config.
type Diagnostic struct {
	// Path is the dotted key path relative to the connector's block, such as
	// "signing.secret"; empty for the block itself.
	Path    string
	Message string
}

// InstanceConfig is what Configure receives.
type InstanceConfig struct {
	// Name is the instance name, the key under `connectors:`.
	Name string
	// Config is the connector's own keys as JSON, with ${...} already expanded.
	// The keys the host handles itself (type, timeout, allow_private,
	// allow_cidrs, rate_limit) are removed.
	Config json.RawMessage
	// AllowPrivate lets destinations that come from templates or event data resolve
	// to private, loopback and other internal addresses.
	AllowPrivate bool
	// AllowCIDRs are the ranges such destinations may reach although the
	// network guard blocks them (the connector's allow_cidrs).
	AllowCIDRs []netip.Prefix
	// Resolver looks up the host names of every destination the connector
	// dials, for the network guard and for trusted addresses alike; nil means
	// the system's resolver.
	Resolver netguard.Resolver
	// Turbo holds the Turbo addresses from the top-level `turbo:` block.
	Turbo TurboSettings
	// Logger is already enriched with the connector's name.
	Logger *slog.Logger
	// Clock is the time source; connectors use it for every wait they make.
	Clock Clock
}

// TurboSettings are the Turbo addresses from the top-level `turbo:` block.
type TurboSettings struct {
	WebURL   string
	APIURL   string
	APIToken Secret
}

// Health is an instance's own view of whether it can deliver.
type Health struct {
	OK      bool
	Message string
	// Waiting, with OK false, says that the instance can deliver but its
	// calls wait for now, such as for a rate limit; Message says how long.
	// The host reports the connector as waiting, not failed.
	Waiting bool
}

// Event is one event as a connector sees it.
type Event struct {
	ID            string
	Type          string
	Time          time.Time
	EntityType    string
	EntityID      string
	Action        string
	Derived       bool
	ParentEventID string
	// Envelope is the whole event in the envelope format, as stored.
	Envelope json.RawMessage
}

// DeliveryRequest is one attempt to deliver.
type DeliveryRequest struct {
	// DeliveryID is stable across attempts and is the idempotency key a connector
	// passes to its destination (for example Standard Webhooks' webhook-id).
	DeliveryID string
	// Attempt counts from 1.
	Attempt  int
	Deadline time.Time
	Route    string
	// Events holds one event, or several for a digest.
	Events []Event
	// Target holds the route target's parameters, already rendered.
	Target Params
	// Untrusted names the target parameters rendered from templates: their values
	// may come from event data, so addresses in them go through the network guard.
	// A list's templated items follow its name as name[index], such as to[1].
	Untrusted []string
	// Message is the route template's output, escaped for the connector's Markup.
	// It is empty when the route has no template and the connector should send its
	// default message.
	Message string
	// EntityKey identifies the root entity of the events (for example "issue:<id>").
	EntityKey string
	// State is the connector's stored state for EntityKey, nil when none exists,
	// and StateVersion its version (0 when none exists).
	State        []byte
	StateVersion int64

	// TotalEvents counts the events of a digest: Events lists the first of
	// them, up to the route's max_items, and MoreEvents returns how many are
	// left out. It is 0 for a delivery that is no digest.
	TotalEvents int
	// Suppressed counts the messages the route's throttle held back for the
	// same key since the previous one. A default message reports them with
	// SuppressedNotice.
	Suppressed int
	// Current is the data.current of the root entity (EntityKey) as Switchboard
	// last stored it, read just before the attempt, when the connector asks
	// for CurrentState; nil when Switchboard holds no state of that entity.
	Current json.RawMessage
}

// MoreEvents returns how many events of a digest Events leaves out, for a
// closing line such as "… and 12 more".
func (r *DeliveryRequest) MoreEvents() int {
	return max(r.TotalEvents-len(r.Events), 0)
}

// SuppressedNotice returns the sentence that reports Suppressed, such as "3
// similar messages were suppressed", or "" when it is 0. It is plain text;
// the connector escapes it for its markup.
func (r *DeliveryRequest) SuppressedNotice() string {
	switch {
	case r.Suppressed <= 0:
		return ""
	case r.Suppressed == 1:
		return "1 similar message was suppressed"
	default:
		return fmt.Sprintf("%d similar messages were suppressed", r.Suppressed)
	}
}

// IsUntrusted reports whether the named target parameter came from a template.
func (r *DeliveryRequest) IsUntrusted(param string) bool {
	for _, name := range r.Untrusted {
		if name == param {
			return true
		}
	}
	return false
}

// IsUntrustedItem reports whether item i of the named list parameter came from
// a template. When the request names the list but none of its items, as a
// delivery stored by an earlier version does, every item counts as templated.
func (r *DeliveryRequest) IsUntrustedItem(param string, i int) bool {
	if !r.IsUntrusted(param) {
		return false
	}
	item := param + "[" + strconv.Itoa(i) + "]"
	itemsNamed := false
	for _, name := range r.Untrusted {
		if name == item {
			return true
		}
		itemsNamed = itemsNamed || strings.HasPrefix(name, param+"[")
	}
	return !itemsNamed
}

// Previewer is implemented by instances that can show what Deliver would send
// for a request, without sending it: `switchboard routes test` prints it. The
// text must not contain secrets.
type Previewer interface {
	Preview(ctx context.Context, req *DeliveryRequest) (string, error)
}

// WithDefaults returns cfg with a nil Logger replaced by one that discards and a
// nil Clock by SystemClock, so that a connector's Configure can be called from
// tests with a bare InstanceConfig.
func (cfg InstanceConfig) WithDefaults() InstanceConfig {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock
	}
	return cfg
}

// TargetValidator is implemented by connectors that can check a route target
// against an instance config when the config loads, before any event arrives:
// a target with nowhere to send, or a literal address of the wrong kind. It must
// be fast and free of side effects, like ValidateConfig.
type TargetValidator interface {
	// ValidateTarget returns the target's problems; a Diagnostic's Path is the
	// parameter's name, or empty for the target as a whole.
	ValidateTarget(config json.RawMessage, target TargetSpec) []Diagnostic
}

// TargetSpec is a route target as written in the config.
type TargetSpec struct {
	// Literal holds the parameters whose values have no template action; their
	// values are final.
	Literal Params
	// Templated names the parameters rendered per event, whose values are not
	// known until then.
	Templated []string
}

// Has reports whether the target sets the parameter, literally or by template.
func (t TargetSpec) Has(param string) bool {
	if _, ok := t.Literal[param]; ok {
		return true
	}
	for _, name := range t.Templated {
		if name == param {
			return true
		}
	}
	return false
}
