package config

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// pair is one mapping entry, with aliases already followed.
type pair struct {
	name  string
	key   *yaml.Node
	value *yaml.Node
}

// field is one known key of a mapping and the function that decodes its value,
// given the value node and the key's full path.
type field struct {
	key    string
	decode func(value *yaml.Node, path string)
}

// decodeFields decodes mapping n, whose keys must all be among fields. An unknown
// key is reported with the closest known key, when one is close.
func (d *decoder) decodeFields(n *yaml.Node, path string, fields []field) {
	byKey := make(map[string]field, len(fields))
	names := make([]string, 0, len(fields))
	for _, f := range fields {
		byKey[f.key] = f
		names = append(names, f.key)
	}

	for _, p := range d.pairs(n, path) {
		keyPath := childPath(path, p.name)
		f, ok := byKey[p.name]
		if !ok {
			d.errorf(p.key, keyPath, "%s", unknownKeyMessage(p.name, names))
			continue
		}
		f.decode(p.value, keyPath)
	}
}

// unknownKeyMessage names the unknown key and the fix: the closest known key, or
// the list of known keys when none is close.
func unknownKeyMessage(key string, known []string) string {
	if suggestion := closest(key, known); suggestion != "" {
		return fmt.Sprintf("unknown key %q; did you mean %q?", key, suggestion)
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return fmt.Sprintf("unknown key %q; use one of: %s", key, strings.Join(sorted, ", "))
}

// pairs returns the entries of mapping n in file order, with the entries of merge
// keys (<<) after the explicit ones, and records where each key and value is. A
// null n has no entries, and any other non-mapping is reported.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	n = resolve(n)
	if n == nil || isNull(n) || !d.visit(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping of keys to values, got %s", describe(n))
		return nil
	}

	entries := d.collectPairs(n, path, 0)
	for _, p := range entries {
		keyPath := childPath(path, p.name)
		d.keys[keyPath] = p.key
		d.values[keyPath] = p.value
	}
	return entries
}

// collectPairs reads the entries of mapping n and reports duplicate keys. Entries
// that a merge key brings in never override an explicit key, and an earlier merge
// source wins over a later one, as YAML's merge key type specifies.
func (d *decoder) collectPairs(n *yaml.Node, path string, depth int) []pair {
	var own, merged []pair
	seen := map[string]*yaml.Node{}

	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := resolve(n.Content[i]), resolve(n.Content[i+1])
		if !d.visit(value) {
			break
		}
		if key.ShortTag() == "!!merge" {
			merged = append(merged, d.mergeSources(value, path, depth)...)
			continue
		}

		name, ok := d.keyName(key, path)
		if !ok {
			continue
		}
		if first, dup := seen[name]; dup {
			d.errorf(key, childPath(path, name), "duplicate key %q; it is already set on line %d", name, first.Line)
			continue
		}
		seen[name] = key
		own = append(own, pair{name: name, key: key, value: value})
	}

	for _, p := range merged {
		if _, ok := seen[p.name]; !ok {
			seen[p.name] = p.key
			own = append(own, p)
		}
	}
	return own
}

// mergeSources returns the entries that a merge key's value brings in: one
// mapping, or a list of mappings.
func (d *decoder) mergeSources(value *yaml.Node, path string, depth int) []pair {
	if depth >= maxDepth {
		d.errorf(value, path, "merge keys (<<) are nested more than %d levels deep", maxDepth)
		return nil
	}

	sources := []*yaml.Node{value}
	if value.Kind == yaml.SequenceNode {
		sources = value.Content
	}

	var out []pair
	for _, source := range sources {
		source = resolve(source)
		if !d.visit(source) {
			return out
		}
		if source.Kind != yaml.MappingNode {
			d.errorf(source, path, "a merge key (<<) takes a mapping or a list of mappings, got %s", describe(source))
			continue
		}
		out = append(out, d.collectPairs(source, path, depth+1)...)
	}
	return out
}

// keyName returns a mapping key's text, which is never expanded.
func (d *decoder) keyName(key *yaml.Node, path string) (string, bool) {
	if key.Kind != yaml.ScalarNode {
		d.errorf(key, path, "a key must be a plain string, got %s", describe(key))
		return "", false
	}
	return key.Value, true
}

// items returns the entries of list n and records where each one is. A null n has
// no entries, and any other non-list is reported.
func (d *decoder) items(n *yaml.Node, path string) []*yaml.Node {
	n = resolve(n)
	if n == nil || isNull(n) || !d.visit(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "want a list, got %s", describe(n))
		return nil
	}

	out := make([]*yaml.Node, 0, len(n.Content))
	for i, item := range n.Content {
		item = resolve(item)
		if !d.visit(item) {
			break
		}
		d.values[itemPath(path, i)] = item
		out = append(out, item)
	}
	return out
}
