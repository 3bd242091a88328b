package admin

import "testing"

func TestFilterDetailGivenOnly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		filters map[string]string
		want    string
	}{
		{"none", map[string]string{}, "no filters"},
		{"all empty", map[string]string{"route": "", "connector": "", "since": ""}, "no filters"},
		{"one", map[string]string{"route": "", "connector": "hook"}, `connector="hook"`},
		{"listing order", map[string]string{"until": "2026-12-02T00:00:00Z", "event_type": "issue.created", "route": "urgent"},
			`route="urgent" event_type="issue.created" until="2026-12-02T00:00:00Z"`},
		{"quotes escaped", map[string]string{"route": `a"b`}, `route="a\"b"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := filterDetail(tc.filters); got != tc.want {
				t.Errorf("filterDetail = %s, want %s", got, tc.want)
			}
		})
	}
}
