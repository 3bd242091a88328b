package route

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/render"
	"github.com/turbocode/switchboard/sdk"
)

// Flow holds a route's digest, throttle and quiet options for one planned
// delivery. Planned.Flow is nil for a route that sets none of them, so routes
// without options pay nothing for them.
type Flow struct {
	// Digest is the route's digest option, or nil.
	Digest *config.Digest
	// Throttle is the route's throttle option, or nil; ThrottleKey is its key
	// template rendered for the event.
	Throttle    *config.Throttle
	ThrottleKey string
	// Quiet is the route's quiet hours, or nil.
	Quiet *config.Quiet
	// RouteHash is a hash of the route's whole config. A digest is keyed on
	// it, so that a reload that leaves the route unchanged continues the open
	// digest and one that changes the route starts a new one.
	RouteHash string
}

// routeFlow is the compiled form of a route's options.
type routeFlow struct {
	digest      *config.Digest
	throttle    *config.Throttle
	throttleKey *render.Template
	quiet       *config.Quiet
	hash        string
}

// compileFlow compiles the options of cr, or returns nil when it sets none.
func (c *compiler) compileFlow(cr *config.Route) *routeFlow {
	if cr.Digest == nil && cr.Throttle == nil && cr.Quiet == nil {
		return nil
	}
	f := &routeFlow{digest: cr.Digest, throttle: cr.Throttle, quiet: cr.Quiet, hash: routeHash(cr)}
	if cr.Throttle != nil && cr.Throttle.Key != "" {
		at := fieldAt(cr, "throttle.key")
		f.throttleKey = c.parseTemplate(templateName(cr.Name, at, "throttle.key"), cr.Throttle.Key, sdk.MarkupText, at)
	}
	return f
}

// plan returns the Flow of one delivery of the route.
func (f *routeFlow) plan(ev *evaluation, routeName string) (*Flow, error) {
	flow := &Flow{Digest: f.digest, Throttle: f.throttle, Quiet: f.quiet, RouteHash: f.hash}
	if f.throttleKey == nil {
		return flow, nil
	}

	doc, err := ev.document()
	if err != nil {
		return nil, err
	}
	key, err := f.throttleKey.Execute(doc)
	if err != nil {
		return nil, fmt.Errorf("render throttle key of route %q: %w", routeName, err)
	}
	flow.ThrottleKey = key
	return flow, nil
}

// Quiet returns the quiet hours of the named route, or nil when it has none
// or is not in the loaded config.
func (t *Table) Quiet(routeName string) *config.Quiet {
	r, ok := t.byName[routeName]
	if !ok || r.flow == nil {
		return nil
	}
	return r.flow.quiet
}

// hashedRoute is the part of a route that routeHash hashes: every key that
// changes what the route matches or sends, without the positions in the file.
type hashedRoute struct {
	Events   []string
	Where    []hashedMatch
	If       string
	To       []hashedTarget
	Stop     bool
	Derived  bool
	Template string
	Digest   *config.Digest
	Throttle *config.Throttle
	Quiet    *hashedQuiet
}

type hashedMatch struct {
	Path   string
	Values []any
}

type hashedTarget struct {
	Connector string
	Params    map[string]any
}

type hashedQuiet struct {
	From, To int64
	TZ       string
}

// routeHash returns 16 hex digits of a SHA-256 over the route's config.
func routeHash(cr *config.Route) string {
	h := hashedRoute{Events: cr.Events, If: cr.If, Stop: cr.Stop, Derived: cr.Derived, Template: cr.Template,
		Digest: cr.Digest, Throttle: cr.Throttle}
	for _, m := range cr.Where {
		h.Where = append(h.Where, hashedMatch{Path: m.Path, Values: m.Values})
	}
	for _, t := range cr.To {
		h.To = append(h.To, hashedTarget{Connector: t.Connector, Params: t.Params})
	}
	if q := cr.Quiet; q != nil {
		h.Quiet = &hashedQuiet{From: int64(q.From), To: int64(q.To), TZ: q.TZ}
	}

	// The fields are strings, numbers, booleans and maps of them, which
	// encoding/json always encodes, with map keys sorted.
	data, _ := json.Marshal(h)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}
