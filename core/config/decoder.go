package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxVisits bounds the nodes one parse walks. Aliases let a small file name the
// same subtree many times over (the "billion laughs" attack), so the walk counts
// every node it enters, including the ones it reaches through an alias.
const maxVisits = 100_000

// maxDepth bounds the nesting of a connector's options and of merge keys, which
// also stops an alias that refers to its own ancestor.
const maxDepth = 64

// decoder walks the YAML tree once, collecting every problem instead of stopping at
// the first one, and remembers where each key path was found so that the checks
// after decoding can point at the value they reject.
type decoder struct {
	file     string
	dir      string
	catalog  Catalog
	expander expander
	errs     Errors

	values map[string]*yaml.Node // the value node at each key path
	keys   map[string]*yaml.Node // the key node of each mapping entry
	failed map[string]bool       // key paths whose value was rejected while decoding
	// failedWithin holds every failed path and each of its ancestors.
	failedWithin map[string]bool
	// expanded holds the values that ${...} references took from the
	// environment or files, by the key path of the value that has them.
	expanded map[string][]string

	visits int
}

func newDecoder(name string, catalog Catalog, env Env) *decoder {
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	return &decoder{
		file:     name,
		catalog:  catalog,
		expander: expander{env: env, dir: filepath.Dir(name)},
		values:   map[string]*yaml.Node{},
		keys:     map[string]*yaml.Node{},
		failed:   map[string]bool{},

		failedWithin: map[string]bool{},
		expanded:     map[string][]string{},
	}
}

// add records a problem at a position.
func (d *decoder) add(at Position, message string) {
	d.errs = append(d.errs, &Error{File: d.file, At: at, Message: message})
}

// errorf records a problem at node n and marks path as failed, so that later
// checks skip a value that was already reported.
func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	d.add(positionOf(n, path), fmt.Sprintf(format, args...))
	d.failed[path] = true
	for ancestor := path; ancestor != "" && !d.failedWithin[ancestor]; ancestor = parentPath(ancestor) {
		d.failedWithin[ancestor] = true
	}
}

// errorAt records a problem found after decoding, at the place where path's value
// is or, when the key is absent, where its nearest enclosing key is.
func (d *decoder) errorAt(path, format string, args ...any) {
	d.add(d.at(path), fmt.Sprintf(format, args...))
}

// positionOf returns the place of node n, labelled with path.
func positionOf(n *yaml.Node, path string) Position {
	return Position{Line: n.Line, Column: n.Column, Path: path}
}

// at returns where path's value is. For an absent key it returns the place of the
// nearest enclosing key that is present, or the start of the file.
func (d *decoder) at(path string) Position {
	if n, ok := d.values[path]; ok {
		return positionOf(n, path)
	}
	for parent := parentPath(path); parent != ""; parent = parentPath(parent) {
		if n, ok := d.keys[parent]; ok {
			return positionOf(n, path)
		}
		if n, ok := d.values[parent]; ok {
			return positionOf(n, path)
		}
	}
	return Position{Line: 1, Column: 1, Path: path}
}

// isSet reports whether the file gave path a value that decoded without error.
func (d *decoder) isSet(path string) bool {
	n, ok := d.values[path]
	return ok && !isNull(n) && !d.failed[path]
}

// failedUnder reports whether path or anything below it was rejected.
func (d *decoder) failedUnder(path string) bool {
	return d.failedWithin[path]
}

// writtenValue returns path's value as written in the file, for a message (see
// rawText). It is the text before ${...} expansion, so that no secret reaches a
// message. fallback is returned when the key is absent.
func (d *decoder) writtenValue(path, fallback string) string {
	n, ok := d.values[path]
	if !ok {
		return fallback
	}
	return rawText(n)
}

// rawText returns a scalar's text as written in the file, shortened for a message:
// plain numbers, booleans and nulls as they are, strings quoted.
func rawText(n *yaml.Node) string {
	text := shorten(n.Value)
	if n.Style == 0 && n.ShortTag() != "!!str" {
		return text
	}
	return strconv.Quote(text)
}

// valueText returns what a message shows of scalar n, whose value after
// expanding its ${...} references is expanded: its text as written, followed
// by the expanded value when a reference made it, so that the reader sees
// both which variable and which value are wrong. Only fields that hold no
// secret (numbers, booleans) use it, and MaskErrors still hides a value of
// minMasked or more characters taken from the environment or a file.
func valueText(n *yaml.Node, expanded string) string {
	if !strings.Contains(n.Value, "${") {
		return rawText(n)
	}
	return fmt.Sprintf("%s (from %s)", strconv.Quote(shorten(expanded)), rawText(n))
}

// describe names what node n is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "no value"
		}
		return rawText(n)
	}
	return "an unsupported YAML node"
}

// isNull reports whether n is YAML's null (~, null or nothing).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// childPath appends key to the key path parent.
func childPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// itemPath appends a list index to the key path parent.
func itemPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// parentPath drops the last key or index of path. Keys that contain dots (where
// paths) are dropped one segment at a time, which at() tolerates.
func parentPath(path string) string {
	cut := strings.LastIndexAny(path, ".[")
	if cut < 0 {
		return ""
	}
	return path[:cut]
}

// visit counts one node against maxVisits and reports whether the walk may enter it.
func (d *decoder) visit(n *yaml.Node) bool {
	d.visits++
	if d.visits == maxVisits+1 {
		d.add(positionOf(n, ""), fmt.Sprintf("the file has more than %d values, counting each value again for every alias that repeats it; use fewer aliases", maxVisits))
	}
	return d.visits <= maxVisits
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// rawValue returns the text of path's value as written in the file, before
// expansion, or fallback when the key is absent.
func (d *decoder) rawValue(path, fallback string) string {
	if n, ok := d.values[path]; ok {
		return n.Value
	}
	return fallback
}
