package config

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/turbocode/switchboard/sdk"
)

// checkTargetsPresent requires a non-empty `to:` list on every route.
func checkTargetsPresent(d *decoder, cfg *Config) {
	for _, r := range routesToCheck(d, cfg) {
		path := childPath(r.At.Path, "to")
		switch {
		case d.failed[path] || len(r.To) > 0:
		case d.isSet(path):
			d.errorAt(path, "empty list; add at least one target such as {connector: NAME}")
		default:
			d.errorAt(path, "missing targets; add to: with at least one target such as [{connector: NAME}]")
		}
	}
}

// checkTargetConnectors requires each target to name a connector defined under
// `connectors:`.
func checkTargetConnectors(d *decoder, cfg *Config) {
	var names []string
	for _, c := range cfg.Connectors {
		names = append(names, c.Name)
	}

	for _, r := range routesToCheck(d, cfg) {
		for _, t := range r.To {
			path := childPath(t.At.Path, "connector")
			switch {
			case d.failed[t.At.Path] || d.failed[path]:
			case t.Connector == "":
				d.errorAt(path, "missing connector; %s", connectorHint(names))
			case !slices.Contains(names, t.Connector):
				d.errorAt(path, "%s", unknownConnectorMessage(d.rawValue(path, t.Connector), names))
			}
		}
	}
}

func unknownConnectorMessage(raw string, names []string) string {
	if suggestion := closest(raw, names); suggestion != "" {
		return fmt.Sprintf("unknown connector %q; did you mean %q? %s", shorten(raw), suggestion, capitalize(connectorHint(names)))
	}
	return fmt.Sprintf("unknown connector %q; %s", shorten(raw), connectorHint(names))
}

// connectorHint returns the part of a message that lists the names a target's
// `connector:` accepts.
func connectorHint(names []string) string {
	if len(names) == 0 {
		return "no connectors are defined; define one under connectors:"
	}
	return "defined connectors: " + strings.Join(names, ", ")
}

// checkTargetParams checks each target's parameters against the TargetParams that
// its connector kind declares: no unknown parameter, every required one present,
// each of the declared shape.
func checkTargetParams(d *decoder, cfg *Config) {
	if d.catalog == nil {
		return
	}
	byName := map[string]Connector{}
	for _, c := range cfg.Connectors {
		byName[c.Name] = c
	}
	infoByBlock := map[string]sdk.Info{}

	for _, r := range routesToCheck(d, cfg) {
		for _, t := range r.To {
			c, ok := byName[t.Connector]
			if !ok || d.failed[t.At.Path] {
				continue
			}
			info, known := infoByBlock[c.Name]
			if !known {
				kind, ok := KindOf(d.catalog, c)
				if !ok {
					continue
				}
				info = kind.Info()
				infoByBlock[c.Name] = info
			}
			d.checkParams(t, info)
		}
	}
}

// checkParams checks a target against its connector kind's parameters. The
// messages name the kind as Info names it, which for a plugin block is the
// plugin rather than "plugin".
func (d *decoder) checkParams(t Target, info sdk.Info) {
	for _, p := range CheckParams(t.Params, info) {
		path := childPath(t.At.Path, p.Name)
		switch {
		case d.failedUnder(path):
		case p.Reason == ParamUnknown:
			d.add(d.keyAt(path), p.Message)
		case p.Reason == ParamWrongKind:
			d.errorAt(path, "%s", p.Message)
		default:
			d.add(Position{Line: t.At.Line, Column: t.At.Column, Path: path}, p.Message)
		}
	}
}

// ParamReason is the reason a target parameter does not match its
// declaration.
type ParamReason int

const (
	// ParamUnknown is a parameter the connector kind does not declare.
	ParamUnknown ParamReason = iota
	// ParamWrongKind is a value of another shape than the declared one.
	ParamWrongKind
	// ParamMissing is a required parameter that is not set.
	ParamMissing
)

// ParamProblem is a target parameter that does not match the TargetParams
// of its connector kind.
type ParamProblem struct {
	Name    string
	Reason  ParamReason
	Message string
	// Suggestion is the declared name closest to an unknown one, or "".
	Suggestion string
}

// CheckParams checks target parameters against the TargetParams that info
// declares: no unknown parameter, every required one present, each of the
// declared shape. It returns the unknown and mistyped ones in name order,
// then the missing ones in declaration order. A value decoded from JSON,
// a []any or map[string]any of strings, has the shape of a list or a map.
func CheckParams(params map[string]any, info sdk.Info) []ParamProblem {
	specs, kindName := info.TargetParams, info.Name
	byName := map[string]sdk.ParamSpec{}
	var names []string
	for _, spec := range specs {
		byName[spec.Name] = spec
		names = append(names, spec.Name)
	}

	var problems []ParamProblem
	for _, name := range sortedKeys(params) {
		spec, ok := byName[name]
		switch {
		case !ok:
			problems = append(problems, ParamProblem{Name: name, Reason: ParamUnknown,
				Message: unknownParamMessage(name, kindName, names), Suggestion: closest(name, names)})
		case !paramHasKind(params[name], spec.Kind):
			problems = append(problems, ParamProblem{Name: name, Reason: ParamWrongKind,
				Message: fmt.Sprintf("want %s for parameter %s of connector type %s", describeKind(spec.Kind), name, kindName)})
		}
	}

	for _, spec := range specs {
		if _, ok := params[spec.Name]; spec.Required && !ok {
			problems = append(problems, ParamProblem{Name: spec.Name, Reason: ParamMissing,
				Message: fmt.Sprintf("missing parameter %s, which connector type %s requires", spec.Name, kindName)})
		}
	}
	return problems
}

func unknownParamMessage(name, kindName string, known []string) string {
	if len(known) == 0 {
		return fmt.Sprintf("unknown parameter %q; connector type %s takes no parameters", name, kindName)
	}
	if suggestion := closest(name, known); suggestion != "" {
		return fmt.Sprintf("unknown parameter %q; did you mean %q?", name, suggestion)
	}
	return fmt.Sprintf("unknown parameter %q; connector type %s takes: %s", name, kindName, strings.Join(known, ", "))
}

// paramHasKind reports whether a decoded parameter has the declared shape. A
// single string is a list of one.
func paramHasKind(value any, kind sdk.ParamKind) bool {
	switch v := value.(type) {
	case string:
		return kind == sdk.ParamString || kind == sdk.ParamList
	case []string:
		return kind == sdk.ParamList
	case map[string]string:
		return kind == sdk.ParamMap
	case []any:
		return kind == sdk.ParamList && allStrings(slices.Values(v))
	case map[string]any:
		return kind == sdk.ParamMap && allStrings(maps.Values(v))
	}
	return false
}

func allStrings(values iter.Seq[any]) bool {
	for value := range values {
		if _, ok := value.(string); !ok {
			return false
		}
	}
	return true
}

func describeKind(kind sdk.ParamKind) string {
	switch kind {
	case sdk.ParamList:
		return "a string or a list of strings"
	case sdk.ParamMap:
		return "a map of strings"
	}
	return "a string"
}

// keyAt returns where the key of path is, or where its value is when the key is
// unknown.
func (d *decoder) keyAt(path string) Position {
	if key, ok := d.keys[path]; ok {
		return positionOf(key, path)
	}
	return d.at(path)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}
