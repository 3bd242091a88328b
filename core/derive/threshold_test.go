package derive

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestDerivedEventNamesThreshold(t *testing.T) {
	tests := []struct {
		name, entity, previous, current string
		// want lists the derived event types with their data.threshold.
		want []string
	}{
		{"project crosses three", "project", `{"completion_percentage":10}`, `{"completion_percentage":80}`,
			[]string{"project.completion_milestone 25", "project.completion_milestone 50", "project.completion_milestone 75"}},
		{"project reaches 100", "project", `{"completion_percentage":99.5}`, `{"completion_percentage":100}`,
			[]string{"project.completion_milestone 100"}},
		{"milestone enters a tenth", "milestone", `{"progress":19}`, `{"progress":21}`,
			[]string{"milestone.progress_updated 20"}},
		{"milestone falls back", "milestone", `{"progress":45}`, `{"progress":38}`,
			[]string{"milestone.progress_updated 30"}},
		{"status change has none", "milestone", `{"status":"active"}`, `{"status":"completed"}`,
			[]string{"milestone.status_changed -", "milestone.completed -"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Changes(entityUpdate(t, "e1", tt.entity, "x1", tt.previous, tt.current), nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range res.Derived {
				var data struct {
					Threshold json.RawMessage `json:"threshold"`
				}
				if err := json.Unmarshal(d.Envelope.Data, &data); err != nil {
					t.Fatal(err)
				}
				threshold := string(data.Threshold)
				if threshold == "" {
					threshold = "-"
				}
				got = append(got, d.Envelope.EventType+" "+threshold)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("derived %q, want %q", got, tt.want)
			}
		})
	}
}
