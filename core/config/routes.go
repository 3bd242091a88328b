package config

import "gopkg.in/yaml.v3"

// routeFieldsAt are the route keys whose value positions Route.FieldAt records.
var routeFieldsAt = []string{"events", "where", "if", "template", "to", "throttle.key"}

// decodeRoutes decodes the `routes:` list, keeping file order.
func (d *decoder) decodeRoutes(n *yaml.Node, path string) []Route {
	var out []Route
	for i, item := range d.items(n, path) {
		out = append(out, d.decodeRoute(item, itemPath(path, i), i))
	}
	return out
}

func (d *decoder) decodeRoute(n *yaml.Node, path string, index int) Route {
	r := Route{Index: index, At: positionOf(n, path), FieldAt: map[string]Position{}}

	d.decodeFields(n, path, []field{
		{"name", d.stringField(&r.Name)},
		{"events", d.stringListField(&r.Events)},
		{"where", func(n *yaml.Node, path string) { r.Where = d.decodeWhere(n, path) }},
		{"if", d.stringField(&r.If)},
		{"to", func(n *yaml.Node, path string) { r.To = d.decodeTargets(n, path) }},
		{"stop", d.boolField(&r.Stop)},
		{"derived", d.boolField(&r.Derived)},
		{"template", d.stringField(&r.Template)},
		{"digest", func(n *yaml.Node, path string) { r.Digest = d.decodeDigest(n, path) }},
		{"throttle", func(n *yaml.Node, path string) { r.Throttle = d.decodeThrottle(n, path) }},
		{"quiet", func(n *yaml.Node, path string) { r.Quiet = d.decodeQuiet(n, path) }},
	})

	for _, key := range routeFieldsAt {
		keyPath := childPath(path, key)
		if value, ok := d.values[keyPath]; ok {
			r.FieldAt[key] = positionOf(value, keyPath)
		}
	}
	return r
}

// decodeWhere decodes `where:`, a mapping of dotted field path to one value or a
// list of values, keeping file order.
func (d *decoder) decodeWhere(n *yaml.Node, path string) []Match {
	var out []Match
	for _, p := range d.pairs(n, path) {
		matchPath := childPath(path, p.name)
		out = append(out, Match{
			Path:   p.name,
			Values: d.matchValues(p.value, matchPath),
			At:     positionOf(p.value, matchPath),
		})
	}
	return out
}

// matchValues decodes one matcher's value: a scalar, or a list of scalars.
func (d *decoder) matchValues(n *yaml.Node, path string) []any {
	switch n.Kind {
	case yaml.ScalarNode:
		value, _ := d.scalarValue(n, path)
		return []any{value}
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			d.errorf(n, path, "empty list; list at least one value to match")
			return nil
		}
		var values []any
		for i, item := range d.items(n, path) {
			value, _ := d.scalarValue(item, itemPath(path, i))
			values = append(values, value)
		}
		return values
	}
	d.errorf(n, path, "want a value or a list of values, got %s; write a nested field as a dotted path such as data.current.priority", describe(n))
	return nil
}
