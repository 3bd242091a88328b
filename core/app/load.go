// Package app wires Switchboard's parts into the running daemon: it loads the
// config, configures the connectors, compiles the routes, opens the store, and
// runs ingest, the dispatcher and the retention job until it is stopped.
// cmd/switchboard gives it the built-in connector kinds; nothing in core names
// a connector.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/dispatch"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/render"
	"github.com/turbocode/switchboard/core/route"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/netguard"
)

// Registry maps a connector type name to its implementation. It implements
// config.Catalog.
type Registry map[string]sdk.Connector

// Connector implements config.Catalog.
func (r Registry) Connector(typeName string) (sdk.Connector, bool) {
	c, ok := r[typeName]
	return c, ok
}

// Types implements config.Catalog.
func (r Registry) Types() []string {
	names := make([]string, 0, len(r))
	for name := range r {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Plan is a loaded, validated config with its compiled routes. It touches no
// network, file or store, so `check` and `routes test` use it as it is.
type Plan struct {
	Config *config.Config
	Routes *route.Table
	// Infos holds each connector instance's Info, by instance name.
	Infos map[string]sdk.Info
	// Warnings are the routes' event names that probably do not do what
	// their author meant (route.Lint); the config is valid with them.
	Warnings config.Errors
}

// LoadPlan loads the config file and compiles its routes, returning every
// problem found as config.Errors.
func LoadPlan(path string, registry Registry) (*Plan, error) {
	cfg, err := config.Load(path, registry)
	var loadErrs config.Errors
	if err != nil && (cfg == nil || !errors.As(err, &loadErrs)) {
		return nil, err
	}

	plan, err := Compile(cfg, registry)
	if len(loadErrs) == 0 {
		return plan, err
	}
	var routeErrs config.Errors
	errors.As(err, &routeErrs)
	return nil, mergeErrors(loadErrs, routeErrs)
}

// mergeErrors adds the route problems to the config problems, leaving out a
// route problem that a config problem on the same line already covers (the
// same key path, or one inside it): the config loader and the route compiler
// both see, for example, an unknown connector.
func mergeErrors(loadErrs, routeErrs config.Errors) config.Errors {
	merged := append(config.Errors(nil), loadErrs...)
	for _, e := range routeErrs {
		if !covered(loadErrs, e) {
			merged = append(merged, e)
		}
	}
	return merged.Sorted()
}

func covered(loadErrs config.Errors, e *config.Error) bool {
	for _, le := range loadErrs {
		if le.At.Line == e.At.Line && strings.HasPrefix(le.At.Path, e.At.Path) {
			return true
		}
	}
	return false
}

// Compile compiles the routes of a loaded config.
func Compile(cfg *config.Config, registry Registry) (*Plan, error) {
	infos := make(map[string]sdk.Info, len(cfg.Connectors))
	for _, c := range cfg.Connectors {
		if kind, ok := config.KindOf(registry, c); ok {
			infos[c.Name] = kind.Info()
		}
	}
	lookup := func(name string) (sdk.Info, bool) {
		info, ok := infos[name]
		return info, ok
	}

	engine := render.New(render.Options{WebURL: cfg.Turbo.WebURL, Location: time.UTC})
	table, errs := route.Compile(cfg, lookup, engine)
	errs = append(errs, validateTargets(cfg, registry)...)
	if len(errs) > 0 {
		// CEL, templates and connectors quote the values they reject, and
		// those may have come from ${...} references.
		return nil, cfg.MaskErrors(errs).Sorted()
	}
	return &Plan{Config: cfg, Routes: table, Infos: infos, Warnings: route.Lint(cfg, eventCatalogue())}, nil
}

// validateTargets lets each connector that can check its route targets at
// load do so, and places its problems at the target's parameters.
func validateTargets(cfg *config.Config, registry Registry) config.Errors {
	blocks := make(map[string]config.Connector, len(cfg.Connectors))
	for _, c := range cfg.Connectors {
		blocks[c.Name] = c
	}
	var errs config.Errors
	for _, r := range cfg.Routes {
		for _, target := range r.To {
			block, ok := blocks[target.Connector]
			if !ok {
				continue
			}
			kind, ok := config.KindOf(registry, block)
			validator, can := kind.(sdk.TargetValidator)
			if !ok || !can {
				continue
			}
			options, err := json.Marshal(block.Options)
			if err != nil {
				continue
			}
			for _, d := range validator.ValidateTarget(options, targetSpec(target)) {
				at := target.At
				if pos, ok := target.ParamAt[d.Path]; ok {
					at = pos
				} else if d.Path != "" {
					// A missing parameter is reported at the target, under its own path.
					at.Path += "." + d.Path
				}
				errs = append(errs, &config.Error{File: cfg.File, At: at, Message: d.Message})
			}
		}
	}
	return errs
}

// targetSpec splits a target's parameters into literal values and templates.
// A value with "{{" in it is a template.
func targetSpec(target config.Target) sdk.TargetSpec {
	spec := sdk.TargetSpec{Literal: sdk.Params{}}
	for name, value := range target.Params {
		if hasTemplate(value) {
			spec.Templated = append(spec.Templated, name)
			continue
		}
		spec.Literal[name] = value
	}
	return spec
}

func hasTemplate(value any) bool {
	switch v := value.(type) {
	case string:
		return strings.Contains(v, "{{")
	case []string:
		for _, item := range v {
			if strings.Contains(item, "{{") {
				return true
			}
		}
	case map[string]string:
		for _, item := range v {
			if strings.Contains(item, "{{") {
				return true
			}
		}
	}
	return false
}

// runtime is one config snapshot with live connector instances; the dispatcher
// reads it for each attempt.
type runtime struct {
	plan       *Plan
	connectors map[string]*dispatch.Connector
	// retired holds, for each route a reload removed, the table of the last
	// config that had it.
	retired map[string]*route.Table
}

var _ dispatch.Snapshot = (*runtime)(nil)

func (rt *runtime) Connector(name string) (*dispatch.Connector, bool) {
	c, ok := rt.connectors[name]
	return c, ok
}

func (rt *runtime) RenderMessage(routeName string, events []*event.Incoming) (string, bool, error) {
	return rt.renderMessage(routeName, events, route.MessageCounts{})
}

// configure builds a connector instance for every connector in the plan.
// resolver, when not nil, looks up the names of guarded destinations.
func configure(ctx context.Context, plan *Plan, registry Registry, clock sdk.Clock, log *slog.Logger, resolver netguard.Resolver) (*runtime, error) {
	rt := &runtime{plan: plan, connectors: map[string]*dispatch.Connector{}}
	cfg := plan.Config
	for _, c := range cfg.Connectors {
		conn, err := configureConnector(ctx, plan, c, registry, clock, log, resolver)
		if err != nil {
			rt.close(log)
			return nil, err
		}
		rt.connectors[c.Name] = conn
	}
	return rt, nil
}

// configureConnector configures one connector block of the plan.
func configureConnector(ctx context.Context, plan *Plan, c config.Connector, registry Registry, clock sdk.Clock, log *slog.Logger, resolver netguard.Resolver) (*dispatch.Connector, error) {
	cfg := plan.Config
	inst, err := configureOne(ctx, cfg, c, registry, clock, log, resolver)
	if err != nil {
		return nil, err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = cfg.Delivery.Timeout
	}
	info := plan.Infos[c.Name]
	rateLimit := info.Capabilities.RateLimit
	if c.RateLimit != nil {
		rateLimit = &sdk.RateLimit{PerSecond: c.RateLimit.PerSecond, Burst: c.RateLimit.Burst}
	}
	return &dispatch.Connector{Instance: inst, Info: info, Timeout: timeout, RateLimit: rateLimit}, nil
}

func configureOne(ctx context.Context, cfg *config.Config, c config.Connector, registry Registry, clock sdk.Clock, log *slog.Logger, resolver netguard.Resolver) (sdk.Instance, error) {
	kind, ok := config.KindOf(registry, c)
	if !ok {
		return nil, fmt.Errorf("connector %s: unknown type %q", c.Name, c.Type)
	}
	options, err := json.Marshal(c.Options)
	if err != nil {
		return nil, fmt.Errorf("connector %s: encode options: %w", c.Name, err)
	}
	inst, err := kind.Configure(ctx, sdk.InstanceConfig{
		Name:         c.Name,
		Config:       options,
		AllowPrivate: c.AllowPrivate,
		AllowCIDRs:   c.AllowCIDRs,
		Resolver:     resolver,
		Turbo:        sdk.TurboSettings{WebURL: cfg.Turbo.WebURL, APIURL: cfg.Turbo.APIURL, APIToken: cfg.Turbo.APIToken},
		Logger:       log.With("connector", c.Name),
		Clock:        clock,
	})
	if err != nil {
		return nil, fmt.Errorf("configure connector %s (%s): %w", c.Name, c.Type, err)
	}
	return inst, nil
}

func (rt *runtime) close(log *slog.Logger) {
	var errs []error
	for name, c := range rt.connectors {
		if err := c.Instance.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close connector %s: %w", name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		log.Warn("closing connectors failed", "err", err)
	}
}

// ConfigureForPreview configures one connector instance of the plan, for showing
// what it would send; the caller closes it.
func ConfigureForPreview(ctx context.Context, plan *Plan, registry Registry, name string) (sdk.Instance, error) {
	for _, c := range plan.Config.Connectors {
		if c.Name == name {
			return configureOne(ctx, plan.Config, c, registry, clock.System, slog.New(slog.DiscardHandler), nil)
		}
	}
	return nil, fmt.Errorf("no connector named %s", name)
}
