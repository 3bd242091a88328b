package render

import (
	"reflect"
	"sort"
	"unicode/utf8"
)

// maxChangeValueRunes bounds each old and new value in a change line, so that
// an edited description does not fill the message.
const maxChangeValueRunes = 80

// changes lists what an update changed, one "field: old → new" line per field,
// in the order of data.changes. Without data.changes it compares every field of
// data.previous and data.current, in name order, skipping updated_at. A missing,
// null or empty value reads "none"; a value longer than 80 runes is cut with "…".
//
//	{{ range changes }}• {{ . }}{{ "\n" }}{{ end }}
func changes(value any) ([]string, error) {
	doc, ok := value.(map[string]any)
	if !ok {
		return nil, helperErrorf("changes", "got %T, want the event; write {{ changes }} or {{ changes $ }}", value)
	}

	previous, _ := lookup(doc, "data", "previous").(map[string]any)
	current, _ := lookup(doc, "data", "current").(map[string]any)
	fields := changedFields(doc, previous, current)

	lines := make([]string, 0, len(fields))
	for _, field := range fields {
		lines = append(lines, field+": "+changeValue(previous[field])+" → "+changeValue(current[field]))
	}
	return lines, nil
}

// changedFields returns the names in data.changes, or else the fields whose
// values differ between previous and current.
func changedFields(doc, previous, current map[string]any) []string {
	if listed, ok := lookup(doc, "data", "changes").([]any); ok {
		fields := make([]string, 0, len(listed))
		for _, item := range listed {
			if name, ok := item.(string); ok {
				fields = append(fields, name)
			}
		}
		return fields
	}

	if previous == nil || current == nil {
		return nil
	}
	var fields []string
	for _, name := range unionKeys(previous, current) {
		if name != "updated_at" && !reflect.DeepEqual(previous[name], current[name]) {
			fields = append(fields, name)
		}
	}
	return fields
}

func unionKeys(a, b map[string]any) []string {
	seen := make(map[string]bool, len(a)+len(b))
	for key := range a {
		seen[key] = true
	}
	for key := range b {
		seen[key] = true
	}

	keys := make([]string, 0, len(seen))
	for key := range seen {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

func changeValue(value any) string {
	text := formatValue(value)
	if text == "" {
		return "none"
	}
	if utf8.RuneCountInString(text) > maxChangeValueRunes {
		text, _ = truncate(maxChangeValueRunes, text)
	}
	return text
}
