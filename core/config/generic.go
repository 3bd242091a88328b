package config

import (
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// optionWalker converts a connector's own keys into generic values and records
// where each one is, under its path relative to the connector block.
type optionWalker struct {
	d         *decoder
	block     string // the block's key path, such as "connectors.urgent-hook"
	positions map[string]Position
	entered   map[*yaml.Node]bool // the mappings and lists being converted
	// referenced collects the string values expanded from ${...} references.
	referenced *[]string
}

// value converts n, found at the option path rel ("signing.secret", "secrets[1]"),
// into map[string]any, []any, string, int, float64, bool or nil.
func (w *optionWalker) value(n *yaml.Node, rel string, depth int) any {
	path := childPath(w.block, rel)
	w.positions[rel] = positionOf(n, path)
	if depth >= maxDepth {
		w.d.errorf(n, path, "options are nested more than %d levels deep", maxDepth)
		return nil
	}

	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		if w.entered[n] {
			w.d.errorf(n, path, "an alias refers to a value that contains it; a value cannot contain itself")
			return nil
		}
		w.entered[n] = true
		defer delete(w.entered, n)
	}

	switch n.Kind {
	case yaml.MappingNode:
		out := map[string]any{}
		for _, p := range w.d.pairs(n, path) {
			out[p.name] = w.value(p.value, rel+"."+p.name, depth+1)
		}
		return out
	case yaml.SequenceNode:
		items := w.d.items(n, path)
		out := make([]any, 0, len(items))
		for i, item := range items {
			out = append(out, w.value(item, itemPath(rel, i), depth+1))
		}
		return out
	}
	value, _ := w.d.scalarValue(n, path)
	if text, ok := value.(string); ok && w.referenced != nil && n.ShortTag() == "!!str" && strings.Contains(n.Value, "${") {
		*w.referenced = append(*w.referenced, text)
	}
	return value
}

// scalarValue converts a scalar by its YAML type: a string (expanded), int,
// float64, bool or nil. A string stays a string even when its expanded text looks
// like a number. Timestamps and binary values are kept as the text written.
func (d *decoder) scalarValue(n *yaml.Node, path string) (any, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "want a single value, got %s", describe(n))
		return nil, false
	}

	switch n.ShortTag() {
	case "!!null":
		return nil, true
	case "!!bool":
		return strings.EqualFold(n.Value, "true"), true
	case "!!int":
		return d.intValue(n, path)
	case "!!float":
		return d.floatValue(n, path)
	case "!!str":
		return d.expandScalar(n, path)
	case "!!timestamp", "!!binary":
		return n.Value, true
	}
	d.errorf(n, path, "unsupported YAML tag %s; remove the tag", n.Tag)
	return nil, false
}

// intValue converts a YAML integer. One that does not fit in an int becomes a
// float64, as it would when decoded from JSON.
func (d *decoder) intValue(n *yaml.Node, path string) (any, bool) {
	text := strings.ReplaceAll(n.Value, "_", "")
	if value, err := strconv.ParseInt(text, 0, 64); err == nil {
		return int(value), true
	}
	if value, err := strconv.ParseUint(text, 0, 64); err == nil {
		return float64(value), true
	}
	d.errorf(n, path, "want an integer, got %s; write a whole number in digits", rawText(n))
	return nil, false
}

// floatValue converts a YAML float. Infinity and NaN are rejected because JSON,
// the form in which connectors receive their options, cannot carry them.
func (d *decoder) floatValue(n *yaml.Node, path string) (any, bool) {
	value, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil || math.IsInf(value, 0) || math.IsNaN(value) {
		d.errorf(n, path, "want a finite number, got %s", rawText(n))
		return nil, false
	}
	return value, true
}
