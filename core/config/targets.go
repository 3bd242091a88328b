package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeTargets decodes a route's `to:` list. In each target, `connector` names
// the connector and every other key is a parameter.
func (d *decoder) decodeTargets(n *yaml.Node, path string) []Target {
	items := d.items(n, path)
	out := make([]Target, 0, len(items))
	for i, item := range items {
		out = append(out, d.decodeTarget(item, itemPath(path, i)))
	}
	return out
}

func (d *decoder) decodeTarget(n *yaml.Node, path string) Target {
	t := Target{At: positionOf(n, path), Params: map[string]any{}, ParamAt: map[string]Position{}, Referenced: map[string]bool{}}

	for _, p := range d.pairs(n, path) {
		paramPath := childPath(path, p.name)
		if p.name == "connector" {
			d.stringField(&t.Connector)(p.value, paramPath)
			continue
		}
		if value, ok := d.paramValue(p.value, paramPath); ok {
			t.Params[p.name] = value
			t.ParamAt[p.name] = positionOf(p.value, paramPath)
			markReferences(p.value, p.name, t.Referenced)
		}
	}
	return t
}

// paramValue decodes a target parameter: a string, a []string or a
// map[string]string. Numbers and booleans become the text written, because every
// parameter is a template.
func (d *decoder) paramValue(n *yaml.Node, path string) (any, bool) {
	const want = "a string, a list of strings or a map of strings"
	switch n.Kind {
	case yaml.ScalarNode:
		return d.paramText(n, path, want)
	case yaml.SequenceNode:
		return d.paramList(n, path)
	case yaml.MappingNode:
		return d.paramMap(n, path)
	}
	d.errorf(n, path, "want %s, got %s", want, describe(n))
	return nil, false
}

func (d *decoder) paramList(n *yaml.Node, path string) ([]string, bool) {
	list := []string{}
	ok := true
	for i, item := range d.items(n, path) {
		text, itemOK := d.paramText(item, itemPath(path, i), "a string")
		list = append(list, text)
		ok = ok && itemOK
	}
	return list, ok
}

func (d *decoder) paramMap(n *yaml.Node, path string) (map[string]string, bool) {
	out := map[string]string{}
	ok := true
	for _, p := range d.pairs(n, path) {
		text, entryOK := d.paramText(p.value, childPath(path, p.name), "a string")
		out[p.name] = text
		ok = ok && entryOK
	}
	return out, ok
}

// paramText returns a scalar parameter's expanded text. A null is rejected,
// because a template that renders to nothing is better written as "".
func (d *decoder) paramText(n *yaml.Node, path, want string) (string, bool) {
	if isNull(n) {
		d.errorf(n, path, "want %s, got no value; write \"\" for an empty text", want)
		return "", false
	}
	return d.scalarText(n, path, want)
}

// markReferences records in refs each path under name whose scalar value, as
// written, has a ${...} reference.
func markReferences(n *yaml.Node, name string, refs map[string]bool) {
	n = resolve(n)
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.Contains(n.Value, "${") {
			refs[name] = true
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			markReferences(item, itemPath(name, i), refs)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			markReferences(n.Content[i+1], childPath(name, n.Content[i].Value), refs)
		}
	}
}
