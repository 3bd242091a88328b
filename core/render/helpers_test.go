package render

import (
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

func TestTruncate(t *testing.T) {
	doc := map[string]any{"ascii": "abcdefghij", "unicode": "Ünïcödé ✓ done", "n": 12345.0}
	tests := []struct {
		name, text, want string
	}{
		{"shorter than length", "{{ truncate 20 .ascii }}", "abcdefghij"},
		{"exact length", "{{ truncate 10 .ascii }}", "abcdefghij"},
		{"cut", "{{ truncate 5 .ascii }}", "abcd…"},
		{"cut at rune boundary", "{{ truncate 4 .unicode }}", "Ünï…"},
		{"length one", "{{ truncate 1 .ascii }}", "…"},
		{"pipeline", "{{ .ascii | truncate 3 }}", "ab…"},
		{"number", "{{ truncate 3 .n }}", "12…"},
		{"missing", "[{{ truncate 3 .none }}]", "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, sdk.MarkupText, tt.text, doc); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTruncateDropsSafe(t *testing.T) {
	doc := map[string]any{"safe": Safe("<b>bold</b>")}
	got := render(t, sdk.MarkupHTML, "{{ truncate 5 .safe }}", doc)
	if want := "&lt;b&gt;b…"; got != want {
		t.Errorf("got %q, want %q: a cut Safe value must be escaped", got, want)
	}
}

func TestDefault(t *testing.T) {
	doc := map[string]any{"empty": "", "set": "lead", "zero": 0.0, "no": false, "list": []any{}, "object": map[string]any{}, "null": nil}
	tests := []struct {
		name, text, want string
	}{
		{"set", `{{ .set | default "nobody" }}`, "lead"},
		{"empty string", `{{ .empty | default "nobody" }}`, "nobody"},
		{"null", `{{ .null | default "nobody" }}`, "nobody"},
		{"missing", `{{ .missing | default "nobody" }}`, "nobody"},
		{"empty list", `{{ .list | default "none" }}`, "none"},
		{"empty object", `{{ .object | default "none" }}`, "none"},
		{"zero is a value", `{{ .zero | default "none" }}`, "0"},
		{"false is a value", `{{ .no | default "none" }}`, "false"},
		{"prefix form", `{{ default "nobody" .set }}`, "lead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, sdk.MarkupText, tt.text, doc); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDate(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	doc := map[string]any{"due": "2026-12-05T17:00:00Z", "precise": "2026-12-01T16:03:10.552901Z", "null": nil}
	tests := []struct {
		name     string
		location *time.Location
		text     string
		want     string
	}{
		{"date in UTC", nil, `{{ date "date" .due }}`, "2026-12-05"},
		{"datetime in UTC", nil, `{{ date "datetime" .due }}`, "2026-12-05 17:00 UTC"},
		{"rfc3339 in UTC", nil, `{{ date "rfc3339" .precise }}`, "2026-12-01T16:03:10Z"},
		{"datetime in Berlin", berlin, `{{ date "datetime" .due }}`, "2026-12-05 18:00 CET"},
		{"date crosses midnight", berlin, `{{ date "date" "2026-12-05T23:30:00Z" }}`, "2026-12-06"},
		{"go layout", nil, `{{ date "Jan 2, 2006" .due }}`, "Dec 5, 2026"},
		{"pipeline", nil, `{{ .due | date "2006" }}`, "2026"},
		{"null", nil, `[{{ date "date" .null }}]`, "[]"},
		{"missing", nil, `[{{ date "date" .missing }}]`, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := New(Options{Location: tt.location}).Parse("d", tt.text, sdk.MarkupText)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tmpl.Execute(doc)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDateRejectsNonTimestamp(t *testing.T) {
	tmpl, err := New(Options{}).Parse("d", `{{ date "date" .v }}`, sdk.MarkupText)
	if err != nil {
		t.Fatal(err)
	}
	for _, value := range []any{"tomorrow", 3.0} {
		if _, err := tmpl.Execute(map[string]any{"v": value}); err == nil {
			t.Errorf("date of %v: got no error", value)
		}
	}
}

func TestCaseHelpers(t *testing.T) {
	doc := map[string]any{"v": "login fails  after ünïcode reset", "status": "in_progress"}
	tests := []struct {
		name, text, want string
	}{
		{"upper", "{{ upper .v }}", "LOGIN FAILS  AFTER ÜNÏCODE RESET"},
		{"lower", `{{ lower "MiXeD" }}`, "mixed"},
		{"title", "{{ title .v }}", "Login Fails  After Ünïcode Reset"},
		{"title keeps underscores", "{{ title .status }}", "In_progress"},
		{"title keeps other letters", `{{ title "iOS app" }}`, "IOS App"},
		{"missing", "[{{ upper .none }}]", "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, sdk.MarkupText, tt.text, doc); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestJoin(t *testing.T) {
	doc := loadFixture(t, "issue-updated-status.json")
	doc["numbers"] = []any{1.0, 2.5}
	tests := []struct {
		name, text, want string
	}{
		{"strings", `{{ join ", " .data.changes }}`, "status, priority, assignee"},
		{"numbers", `{{ join "+" .numbers }}`, "1+2.5"},
		{"empty list", `[{{ join ", " .data.current.blocking }}]`, "[]"},
		{"missing", `[{{ join ", " .none }}]`, "[]"},
		{"pipeline", `{{ .data.changes | join "/" }}`, "status/priority/assignee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, sdk.MarkupText, tt.text, doc); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestJSONHelper(t *testing.T) {
	doc := map[string]any{"obj": map[string]any{"title": `say "<hi>"`, "n": 3.0}, "s": "a\u2028b"}
	tests := []struct {
		name   string
		markup sdk.Markup
		text   string
		want   string
	}{
		{"json markup embeds raw", sdk.MarkupJSON, `{"x": {{ json .obj }}}`, `{"x": {"n":3,"title":"say \"<hi>\""}}`},
		{"json markup string", sdk.MarkupJSON, `{{ json .s }}`, `"a\u2028b"`},
		{"html markup escapes", sdk.MarkupHTML, `{{ json .obj }}`, `{&#34;n&#34;:3,&#34;title&#34;:&#34;say \&#34;&lt;hi&gt;\&#34;&#34;}`},
		{"text markup", sdk.MarkupText, `{{ json .missing }}`, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, tt.markup, tt.text, doc); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestLink(t *testing.T) {
	tests := []struct {
		fixture string
		want    string
	}{
		{"issue-created-high.json", "https://turbo.example.com/issues/TURBO-42"},
		{"project-created.json", "https://turbo.example.com/projects/6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"},
		{"milestone-completed.json", "https://turbo.example.com/milestones/9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"},
		{"comment-created.json", "https://turbo.example.com/issues/3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b#comment-8e9f0a1b-2c3d-4e4f-8a5b-6c7d8e9f0a1b"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			doc := loadFixture(t, tt.fixture)
			if got := render(t, sdk.MarkupText, "{{ link }}", doc); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLinkWithoutFixture(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want string
	}{
		{"issue without key", map[string]any{"entity_type": "issue", "entity_id": "i-1"}, "https://turbo.example.com/issues/i-1"},
		{"initiative", map[string]any{"entity_type": "initiative", "entity_id": "n-1"}, "https://turbo.example.com/initiatives/n-1"},
		{"document", map[string]any{"entity_type": "document", "entity_id": "d-1"}, "https://turbo.example.com/documents/d-1"},
		{"comment without issue", map[string]any{"entity_type": "comment", "entity_id": "c-1"}, "https://turbo.example.com"},
		{"unknown entity", map[string]any{"entity_type": "note", "entity_id": "n-1"}, "https://turbo.example.com"},
		{"id is escaped", map[string]any{"entity_type": "project", "entity_id": "a/b?c"}, "https://turbo.example.com/projects/a%2Fb%3Fc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, sdk.MarkupText, "{{ link }}", tt.doc); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLinkForms(t *testing.T) {
	doc := loadFixture(t, "issue-created-high.json")
	want := "https://turbo.example.com/issues/TURBO-42"
	tests := []struct {
		name, text string
	}{
		{"bare", "{{ link }}"},
		{"explicit root", "{{ link $ }}"},
		{"as argument", `{{ printf "%s" link }}`},
		{"in pipeline start", `{{ link | printf "%s" }}`},
		{"inside range", "{{ range .data.changes }}{{ end }}{{ with .data }}{{ link }}{{ end }}"},
		{"in if", "{{ if link }}{{ link }}{{ end }}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, sdk.MarkupText, tt.text, doc); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestLinkRejectsNonEvent(t *testing.T) {
	tmpl, err := New(Options{}).Parse("l", `{{ "x" | link }}`, sdk.MarkupText)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmpl.Execute(nil); err == nil || !strings.Contains(err.Error(), "want the event") {
		t.Errorf("got %v, want an error that asks for the event", err)
	}
}

func TestPriorityHelpers(t *testing.T) {
	high := loadFixture(t, "issue-created-high.json")
	tests := []struct {
		name, text, want string
	}{
		{"color of event", "{{ priority_color }}", "#F79009"},
		{"emoji of event", "{{ priority_emoji }}", "🟠"},
		{"color critical", `{{ priority_color "critical" }}`, "#D92D20"},
		{"color medium", `{{ priority_color "medium" }}`, "#2E90FA"},
		{"color low", `{{ "low" | priority_color }}`, "#98A2B3"},
		{"color other", `{{ priority_color "urgent" }}`, "#667085"},
		{"color missing", `{{ priority_color .none }}`, "#667085"},
		{"emoji critical", `{{ priority_emoji "critical" }}`, "🔴"},
		{"emoji medium", `{{ priority_emoji "medium" }}`, "🔵"},
		{"emoji low", `{{ priority_emoji "LOW" }}`, "⚪"},
		{"emoji other", `{{ priority_emoji "none" }}`, "⚫"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, sdk.MarkupText, tt.text, high); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestChanges(t *testing.T) {
	updated := loadFixture(t, "issue-updated-status.json")
	got := render(t, sdk.MarkupText, "{{ range changes }}{{ . }}\n{{ end }}", updated)
	want := "status: open → in_progress\npriority: high → critical\nassignee: none → lead@example.com\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}

	created := loadFixture(t, "issue-created-high.json")
	if got := render(t, sdk.MarkupText, `[{{ join "; " changes }}]`, created); got != "[]" {
		t.Errorf("created event: got %q, want no changes", got)
	}
}

func TestChangesWithoutList(t *testing.T) {
	doc := map[string]any{"data": map[string]any{
		"previous": map[string]any{"status": "open", "title": "x", "updated_at": "1", "due_date": nil},
		"current":  map[string]any{"status": "review", "title": "x", "updated_at": "2", "due_date": "2026-12-05", "description": strings.Repeat("é", 100)},
	}}
	got := render(t, sdk.MarkupText, `{{ join "\n" changes }}`, doc)
	want := "description: none → " + strings.Repeat("é", 79) + "…\ndue_date: none → 2026-12-05\nstatus: open → review"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestChangesEscaped(t *testing.T) {
	doc := map[string]any{"data": map[string]any{
		"previous": map[string]any{"title": "a"},
		"current":  map[string]any{"title": "<!channel>"},
		"changes":  []any{"title"},
	}}
	got := render(t, sdk.MarkupSlack, "{{ range changes }}{{ . }}{{ end }}", doc)
	if want := "title: a → &lt;!channel&gt;"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLinkNotBrokenBySlackOrDiscordEscaping(t *testing.T) {
	doc := map[string]any{"entity_type": "comment", "entity_id": "c_1", "context": map[string]any{"issue_id": "i_2"}}
	for _, markup := range []sdk.Markup{sdk.MarkupSlack, sdk.MarkupDiscord} {
		tmpl, err := New(Options{WebURL: "https://turbo.example"}).Parse("t", "{{ link }}", markup)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tmpl.Execute(doc)
		if err != nil || got != "https://turbo.example/issues/i_2#comment-c_1" {
			t.Errorf("%s: link = %q, %v; want the URL unescaped", markup, got, err)
		}
	}
}
