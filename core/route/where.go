package route

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/turbocode/switchboard/core/config"
)

// envelopeKeys are the top-level keys of the envelope that a where path may
// start with.
var envelopeKeys = []string{"event_id", "event_type", "timestamp", "entity_type", "entity_id", "action", "actor", "data", "context", "derived", "parent_event_id"}

// matcher is one compiled `where:` entry.
type matcher struct {
	path string
	keys []string
	// values are the accepted values: string, float64 (every YAML number), bool
	// or nil.
	values []any
}

// compileMatcher checks the path and the value types of one where entry.
func (c *compiler) compileMatcher(m *config.Match) *matcher {
	keys := strings.Split(m.Path, ".")
	for _, key := range keys {
		if key == "" {
			c.errorf(m.At, "where path %q has an empty key; write a dotted path such as data.current.priority", m.Path)
			return nil
		}
	}
	if !isEnvelopeKey(keys[0]) {
		c.errorf(m.At, "where path %q does not start with a key of the event; start it with one of %s", m.Path, strings.Join(envelopeKeys, ", "))
		return nil
	}

	values := make([]any, 0, len(m.Values))
	for _, value := range m.Values {
		normalized, ok := normalizeValue(value)
		if !ok {
			c.errorf(m.At, "where %s: value %v is %s; use a string, number, true, false or null", m.Path, value, shapeOf(value))
			return nil
		}
		values = append(values, normalized)
	}
	if len(values) == 0 {
		c.errorf(m.At, "where %s has no values; list at least one value", m.Path)
		return nil
	}
	return &matcher{path: m.Path, keys: keys, values: values}
}

func isEnvelopeKey(key string) bool {
	for _, known := range envelopeKeys {
		if key == known {
			return true
		}
	}
	return false
}

// normalizeValue turns a YAML scalar into the form generic JSON uses, so that
// YAML 3 and JSON 3.0 compare equal.
func normalizeValue(value any) (any, bool) {
	switch v := value.(type) {
	case nil, string, bool, float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int8:
		return float64(v), true
	case int16:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint:
		return float64(v), true
	case uint8:
		return float64(v), true
	case uint16:
		return float64(v), true
	case uint32:
		return float64(v), true
	case uint64:
		return float64(v), true
	default:
		return nil, false
	}
}

// lookupPath returns the value at keys in doc, and whether every key was found.
func lookupPath(doc map[string]any, keys []string) (any, bool) {
	var value any = doc
	for _, key := range keys {
		object, ok := value.(map[string]any)
		if !ok {
			return nil, false
		}
		if value, ok = object[key]; !ok {
			return nil, false
		}
	}
	return value, true
}

// match looks the path up in doc and reports whether the value equals one of
// the matcher's values. An array matches when any element does. It also returns
// the value found, for Explain.
func (m *matcher) match(doc map[string]any) (value any, present, matched bool) {
	value, present = lookupPath(doc, m.keys)
	if list, ok := value.([]any); ok {
		for _, item := range list {
			if m.accepts(item, true) {
				return value, present, true
			}
		}
		return value, present, false
	}
	return value, present, m.accepts(value, present)
}

// accepts compares one event value with the matcher's values: strings exactly,
// numbers numerically, bools as bools, and null with JSON null or a missing key.
// Values of different types never match, so "3" does not match 3.
func (m *matcher) accepts(value any, present bool) bool {
	for _, want := range m.values {
		switch w := want.(type) {
		case nil:
			if !present || value == nil {
				return true
			}
		case string:
			if v, ok := value.(string); ok && v == w {
				return true
			}
		case float64:
			if v, ok := value.(float64); ok && v == w {
				return true
			}
		case bool:
			if v, ok := value.(bool); ok && v == w {
				return true
			}
		}
	}
	return false
}

// describeMismatch describes in plain words why the matcher rejected value, such as
// `where data.current.priority: "low" is not one of [high critical]`.
func (m *matcher) describeMismatch(value any, present bool) string {
	return fmt.Sprintf("where %s: %s is not one of %s", m.path, describeEventValue(value, present), describeValues(m.values))
}

func describeEventValue(value any, present bool) string {
	if !present {
		return "(missing)"
	}
	switch v := value.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case float64:
		return formatNumber(v)
	default:
		encoded, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return truncateText(string(encoded), 120)
	}
}

func describeValues(values []any) string {
	parts := make([]string, len(values))
	for i, value := range values {
		switch v := value.(type) {
		case nil:
			parts[i] = "null"
		case float64:
			parts[i] = formatNumber(v)
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// truncateText cuts s to at most max bytes at a rune boundary, marking the cut
// with "…".
func truncateText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
