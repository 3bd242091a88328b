package route

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/render"
	"github.com/turbocode/switchboard/sdk"
)

// target is one compiled entry of a route's `to:`.
type target struct {
	connector string
	info      sdk.Info
	params    []*param // sorted by name
	// untrusted names the parameters rendered from templates that are not
	// literal, sorted, each list followed by its templated items (to, to[1]).
	// Planned values share this slice.
	untrusted []string
	// referenced names the parameters whose value, as written, has a ${...}
	// reference (config.Target.Referenced).
	referenced map[string]bool
}

// param is one compiled target parameter. Its kind decides which one of
// single, list and entries is set.
type param struct {
	name string
	kind sdk.ParamKind
	// single is a ParamString's template; a ParamList written as one string
	// is a list of one template.
	single  *render.Template
	list    []*render.Template
	entries []mapEntry // sorted by key
}

type mapEntry struct {
	key  string
	tmpl *render.Template
}

// compileTarget checks one target against its connector's Info and parses its
// parameter templates with the text markup: escaping a parameter for its
// destination is the connector's job.
func (c *compiler) compileTarget(cr *config.Route, i int) *target {
	ct := &cr.To[i]
	info, ok := c.info(ct.Connector)
	if !ok {
		c.errorf(ct.At, "connector %q is not configured; %s", ct.Connector, c.knownConnectors())
		return nil
	}

	tg := &target{connector: ct.Connector, info: info, referenced: ct.Referenced}
	specs := make(map[string]sdk.ParamSpec, len(info.TargetParams))
	for _, spec := range info.TargetParams {
		specs[spec.Name] = spec
	}

	for _, name := range sortedKeys(ct.Params) {
		spec, known := specs[name]
		if !known {
			c.errorf(paramAt(ct, name), "connector %s (type %s) has no parameter %q; %s", ct.Connector, info.Name, name, describeParams(info.TargetParams))
			continue
		}
		if p := c.compileParam(cr, ct, spec); p != nil {
			tg.params = append(tg.params, p)
		}
	}
	for _, spec := range info.TargetParams {
		if _, set := ct.Params[spec.Name]; spec.Required && !set {
			c.errorf(ct.At, "the target for connector %s is missing the required parameter %q", ct.Connector, spec.Name)
		}
	}

	tg.untrusted = untrustedParams(tg.params)
	return tg
}

func (c *compiler) knownConnectors() string {
	if len(c.cfg.Connectors) == 0 {
		return "define it under connectors:"
	}
	names := make([]string, len(c.cfg.Connectors))
	for i, conn := range c.cfg.Connectors {
		names[i] = conn.Name
	}
	return "the configured connectors are " + strings.Join(names, ", ")
}

func describeParams(specs []sdk.ParamSpec) string {
	if len(specs) == 0 {
		return "it takes no parameters"
	}
	names := make([]string, len(specs))
	for i, spec := range specs {
		names[i] = spec.Name
	}
	sort.Strings(names)
	return "its parameters are " + strings.Join(names, ", ")
}

// paramAt returns where a parameter's value is, or the target's position with
// the parameter's path when the loader recorded none.
func paramAt(ct *config.Target, name string) config.Position {
	if at, ok := ct.ParamAt[name]; ok {
		return at
	}
	at := ct.At
	at.Path = joinPath(ct.At.Path, name)
	return at
}

// compileParam checks a value's shape against its kind and parses its
// templates.
func (c *compiler) compileParam(cr *config.Route, ct *config.Target, spec sdk.ParamSpec) *param {
	at := paramAt(ct, spec.Name)
	value := ct.Params[spec.Name]
	p := &param{name: spec.Name, kind: spec.Kind}
	failed := false
	parse := func(suffix, text string, at config.Position) *render.Template {
		tmpl := c.parseTemplate(templateName(cr.Name, at, "to."+ct.Connector+"."+spec.Name+suffix), text, sdk.MarkupText, at)
		failed = failed || tmpl == nil
		return tmpl
	}

	switch spec.Kind {
	case sdk.ParamString:
		text, ok := value.(string)
		if !ok {
			c.errorf(at, "parameter %s must be a string, not %s", spec.Name, shapeOf(value))
			return nil
		}
		p.single = parse("", text, at)

	case sdk.ParamList:
		texts, bad := stringList(value)
		if bad != nil {
			c.errorf(at, "parameter %s must be a string or a list of strings, not %s", spec.Name, bad)
			return nil
		}
		for i, text := range texts {
			itemAt := at
			if recorded, ok := ct.ParamAt[fmt.Sprintf("%s[%d]", spec.Name, i)]; ok {
				itemAt = recorded
			}
			p.list = append(p.list, parse(fmt.Sprintf("[%d]", i), text, itemAt))
		}

	case sdk.ParamMap:
		entries, ok := stringMap(value)
		if !ok {
			c.errorf(at, "parameter %s must be a map of strings, not %s", spec.Name, shapeOf(value))
			return nil
		}
		for _, key := range sortedKeys(entries) {
			entryAt := at
			if recorded, ok := ct.ParamAt[spec.Name+"."+key]; ok {
				entryAt = recorded
			}
			p.entries = append(p.entries, mapEntry{key: key, tmpl: parse("."+key, entries[key], entryAt)})
		}

	default:
		c.errorf(at, "parameter %s has a kind (%d) this version does not know; update Switchboard or the connector", spec.Name, spec.Kind)
		return nil
	}

	if failed {
		return nil
	}
	return p
}

// stringList accepts a string (a list of one), a []string or a []any of
// strings. Otherwise it describes what it got instead.
func stringList(value any) ([]string, error) {
	switch v := value.(type) {
	case string:
		return []string{v}, nil
	case []string:
		return v, nil
	case []any:
		texts := make([]string, len(v))
		for i, item := range v {
			text, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("a list whose item %d is %s", i+1, shapeOf(item))
			}
			texts[i] = text
		}
		return texts, nil
	default:
		return nil, errors.New(shapeOf(value))
	}
}

// stringMap accepts a map[string]string or a map[string]any of strings.
func stringMap(value any) (map[string]string, bool) {
	switch v := value.(type) {
	case map[string]string:
		return v, true
	case map[string]any:
		entries := make(map[string]string, len(v))
		for key, item := range v {
			text, ok := item.(string)
			if !ok {
				return nil, false
			}
			entries[key] = text
		}
		return entries, true
	default:
		return nil, false
	}
}

func shapeOf(value any) string {
	switch value.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case []string, []any:
		return "a list"
	case map[string]string, map[string]any:
		return "a map"
	case bool:
		return "a bool"
	case float64, float32, int, int64, uint64:
		return "a number"
	default:
		return fmt.Sprintf("a %T", value)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

// untrustedParams names the parameters with a template that is not literal,
// and after a list's name each such item of it as name[index], so that a
// connector can tell a list's literal items from its templated ones.
func untrustedParams(params []*param) []string {
	var names []string
	for _, p := range params {
		if p.literal() {
			continue
		}
		names = append(names, p.name)
		for i, tmpl := range p.list {
			if !tmpl.Literal() {
				names = append(names, fmt.Sprintf("%s[%d]", p.name, i))
			}
		}
	}
	return names
}

func (p *param) literal() bool {
	if p.single != nil && !p.single.Literal() {
		return false
	}
	for _, tmpl := range p.list {
		if !tmpl.Literal() {
			return false
		}
	}
	for _, entry := range p.entries {
		if !entry.tmpl.Literal() {
			return false
		}
	}
	return true
}

// render renders the parameter over doc: a string for ParamString, a []string
// for ParamList and a map[string]string for ParamMap.
func (p *param) render(doc map[string]any) (any, error) {
	switch p.kind {
	case sdk.ParamList:
		values := make([]string, len(p.list))
		for i, tmpl := range p.list {
			text, err := tmpl.Execute(doc)
			if err != nil {
				return nil, err
			}
			values[i] = text
		}
		return values, nil

	case sdk.ParamMap:
		values := make(map[string]string, len(p.entries))
		for _, entry := range p.entries {
			text, err := entry.tmpl.Execute(doc)
			if err != nil {
				return nil, err
			}
			values[entry.key] = text
		}
		return values, nil

	default:
		return p.single.Execute(doc)
	}
}
