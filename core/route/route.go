// Package route compiles the routes of a config once, at load, and evaluates
// each event against them: event-type globs, where matchers, CEL conditions,
// and the targets with their rendered parameters. Routes are indexed by event
// type, so evaluation cost grows with the routes that can match an event type,
// not with the whole file. The package does no I/O.
package route

import (
	"fmt"
	"sort"
	"strings"

	"cel.dev/cel-go/cel"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/render"
	"github.com/turbocode/switchboard/sdk"
)

// Table is the compiled routes of one config snapshot. It is immutable apart
// from its event-type cache and safe for concurrent use.
type Table struct {
	routes []*route
	byName map[string]*route
	index  *index
}

// route is one compiled route.
type route struct {
	name  string
	index int
	// events are the event-type patterns as written, for listings and reasons.
	events []string
	// exactTypes are the patterns without wildcards; globs are the others. A
	// route with no events has one glob that matches every type.
	exactTypes []string
	globs      []glob
	derived    bool
	where      []*matcher
	condition  *condition
	targets    []*target
	stop       bool
	// message is the route's template, nil when the route has none.
	message *render.Template
	// flow is the route's digest, throttle and quiet options, nil when it
	// sets none.
	flow *routeFlow
}

// RouteInfo describes one route for listings.
type RouteInfo struct {
	Name   string
	Events []string
	// Targets are the connector names of the route's targets, in file order.
	Targets []string
}

// Compile compiles every route of cfg. info returns the Info of a configured
// connector instance by name, and engine parses the templates. Compile reports
// every problem it finds, each with its position in cfg.File, and returns a nil
// Table when there is any.
func Compile(cfg *config.Config, info func(connectorName string) (sdk.Info, bool), engine *render.Engine) (*Table, config.Errors) {
	if engine == nil {
		engine = render.New(render.Options{WebURL: cfg.Turbo.WebURL})
	}
	c := &compiler{cfg: cfg, info: info, engine: engine}

	env, err := celEnvironment()
	if err != nil {
		// The environment is built from constant declarations, so this is a
		// programming error rather than a config problem.
		c.errorf(config.Position{}, "build the CEL environment: %v", err)
		return nil, c.errs
	}
	c.env = env

	table := &Table{byName: make(map[string]*route, len(cfg.Routes))}
	for i := range cfg.Routes {
		r := c.compileRoute(&cfg.Routes[i], i)
		if earlier, exists := table.byName[r.name]; exists {
			c.errorf(cfg.Routes[i].At, "route name %q is already used by the route at line %d; give each route a unique name", r.name, cfg.Routes[earlier.index].At.Line)
		} else {
			table.byName[r.name] = r
		}
		table.routes = append(table.routes, r)
	}

	if len(c.errs) > 0 {
		return nil, c.errs
	}
	table.index = newIndex(table.routes)
	return table, nil
}

// Routes lists the routes in file order.
func (t *Table) Routes() []RouteInfo {
	infos := make([]RouteInfo, 0, len(t.routes))
	for _, r := range t.routes {
		targets := make([]string, len(r.targets))
		for i, tg := range r.targets {
			targets[i] = tg.connector
		}
		infos = append(infos, RouteInfo{Name: r.name, Events: append([]string(nil), r.events...), Targets: targets})
	}
	return infos
}

// compiler collects the problems of one Compile call.
type compiler struct {
	cfg    *config.Config
	info   func(string) (sdk.Info, bool)
	engine *render.Engine
	env    *cel.Env
	errs   config.Errors
}

func (c *compiler) errorf(at config.Position, format string, args ...any) {
	c.errs = append(c.errs, &config.Error{File: c.cfg.File, At: at, Message: fmt.Sprintf(format, args...)})
}

func (c *compiler) compileRoute(cr *config.Route, index int) *route {
	r := &route{
		name:    cr.Name,
		index:   index,
		events:  append([]string(nil), cr.Events...),
		derived: cr.Derived,
		stop:    cr.Stop,
	}

	c.compileEvents(r, cr)
	for i := range cr.Where {
		if m := c.compileMatcher(&cr.Where[i]); m != nil {
			r.where = append(r.where, m)
		}
	}
	if strings.TrimSpace(cr.If) != "" {
		r.condition = c.compileCondition(cr.If, fieldAt(cr, "if"))
	}
	for i := range cr.To {
		if tg := c.compileTarget(cr, i); tg != nil {
			r.targets = append(r.targets, tg)
		}
	}
	if cr.Template != "" {
		r.message = c.compileMessage(cr)
	}
	r.flow = c.compileFlow(cr)
	return r
}

// fieldAt returns where the route's key is, or the route's own position with
// the key's path when the loader recorded none.
func fieldAt(cr *config.Route, key string) config.Position {
	if at, ok := cr.FieldAt[key]; ok {
		return at
	}
	at := cr.At
	at.Path = joinPath(cr.At.Path, key)
	return at
}

func joinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

// compileMessage parses the route's template with its connectors' markup. A
// route renders one message per delivery from one template, so its targets
// must share a markup.
func (c *compiler) compileMessage(cr *config.Route) *render.Template {
	at := fieldAt(cr, "template")

	markups := map[sdk.Markup][]string{}
	for _, target := range cr.To {
		if info, ok := c.info(target.Connector); ok {
			markup := markupOf(info)
			markups[markup] = append(markups[markup], target.Connector)
		}
	}
	if len(markups) > 1 {
		c.errorf(at, "the targets of this route use different markups (%s), but a route has one template; split the route by connector", describeMarkups(markups))
		return nil
	}

	markup := sdk.MarkupText
	for only := range markups {
		markup = only
	}
	return c.parseTemplate(templateName(cr.Name, at, "template"), cr.Template, markup, at)
}

// markupOf returns the connector's markup; a connector that declares none gets
// plain text.
func markupOf(info sdk.Info) sdk.Markup {
	if info.Markup == "" {
		return sdk.MarkupText
	}
	return info.Markup
}

func describeMarkups(markups map[sdk.Markup][]string) string {
	parts := make([]string, 0, len(markups))
	for markup, connectors := range markups {
		parts = append(parts, fmt.Sprintf("%s for %s", markup, strings.Join(connectors, ", ")))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// templateName names a template in runtime errors by its config path, such as
// "routes[0].to[1].channel", or by route name and key when no path was recorded.
func templateName(routeName string, at config.Position, key string) string {
	if at.Path != "" {
		return at.Path
	}
	return fmt.Sprintf("route %s %s", routeName, key)
}

// parseTemplate parses text and reports a parse error at its line in the config.
func (c *compiler) parseTemplate(name, text string, markup sdk.Markup, at config.Position) *render.Template {
	tmpl, err := c.engine.Parse(name, text, markup)
	if err == nil {
		return tmpl
	}

	renderErr, ok := err.(*render.Error)
	if !ok {
		c.errorf(at, "invalid template: %v", err)
		return nil
	}
	c.errorf(lineWithin(at, text, renderErr.Line), "invalid template: %s%s", renderErr.Message, lineNote(text, renderErr.Line))
	return nil
}

// lineWithin returns the config position of line (from 1) of a value that
// starts at at. A multi-line value is taken to be a block scalar (`|`), whose
// text starts on the line after the key; its column is then unknown.
//
// NOTE: a multi-line value written as a quoted string starts on the key's own
// line, so its positions are one line too far down.
func lineWithin(at config.Position, text string, line int) config.Position {
	if line < 1 || !strings.Contains(text, "\n") {
		return at
	}
	at.Line += line
	at.Column = 0
	return at
}

// lineNote names the line inside a multi-line value, which the position alone
// cannot show exactly.
func lineNote(text string, line int) string {
	if line < 1 || !strings.Contains(text, "\n") {
		return ""
	}
	return fmt.Sprintf(" (line %d of the value)", line)
}

// describeLocation names a column of an expression, and its line when the
// expression has several.
func describeLocation(text string, line, column int) string {
	if line < 1 || !strings.Contains(text, "\n") {
		return fmt.Sprintf("column %d of the expression", column)
	}
	return fmt.Sprintf("line %d, column %d of the expression", line, column)
}
