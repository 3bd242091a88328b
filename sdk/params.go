package sdk

import (
	"fmt"
	"sort"
)

// Params holds a route target's rendered parameters. A value is a string, a
// []string or a map[string]string, as the parameter's ParamSpec.Kind says.
type Params map[string]any

// String returns the named parameter as a string, "" when it is not set.
func (p Params) String(name string) string {
	switch v := p[name].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// Strings returns the named parameter as a list. A single string becomes a list
// of one; an unset parameter is nil.
func (p Params) Strings(name string) []string {
	switch v := p[name].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			out = append(out, fmt.Sprint(item))
		}
		return out
	case string:
		return []string{v}
	default:
		return nil
	}
}

// Map returns the named parameter as a map; an unset parameter is nil.
func (p Params) Map(name string) map[string]string {
	switch v := p[name].(type) {
	case map[string]string:
		return v
	case map[string]any:
		out := make(map[string]string, len(v))
		for key, item := range v {
			out[key] = fmt.Sprint(item)
		}
		return out
	default:
		return nil
	}
}

// Names returns the parameter names in sorted order.
func (p Params) Names() []string {
	names := make([]string, 0, len(p))
	for name := range p {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
