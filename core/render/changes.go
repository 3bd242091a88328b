package render

import "github.com/turbocode/switchboard/sdk/eventview"

// changes lists what an update changed, one "field: old → new" line per field,
// as eventview reads them: in the order of data.changes, or else every field
// that differs between data.previous and data.current. A missing, null or empty
// value reads "none"; a value longer than 80 runes is cut with "…".
//
//	{{ range changes }}• {{ . }}{{ "\n" }}{{ end }}
func changes(value any) ([]string, error) {
	doc, ok := value.(map[string]any)
	if !ok {
		return nil, helperErrorf("changes", "got %T, want the event; write {{ changes }} or {{ changes $ }}", value)
	}
	view := eventview.FromDoc(doc)
	lines := make([]string, 0, len(view.Changes))
	for _, c := range view.Changes {
		lines = append(lines, c.String())
	}
	return lines, nil
}
