package render

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

// loadFixture reads one envelope of testdata/turbo/envelope as generic JSON.
func loadFixture(t testing.TB, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "turbo", "envelope", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return doc
}

func render(t *testing.T, markup sdk.Markup, text string, doc map[string]any) string {
	t.Helper()
	tmpl, err := New(Options{WebURL: "https://turbo.example.com/"}).Parse("test", text, markup)
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	out, err := tmpl.Execute(doc)
	if err != nil {
		t.Fatalf("execute %q: %v", text, err)
	}
	return out
}

func TestExecuteEnvelopeFields(t *testing.T) {
	doc := loadFixture(t, "issue-created-high.json")
	tests := []struct {
		name, text, want string
	}{
		{"event type", "{{ .event_type }}", "issue.created"},
		{"nested field", "{{ .data.current.title }}", "Login fails with 500 after password reset"},
		{"context", "{{ .context.project_id }}", "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"},
		{"integer number", "{{ .data.current.issue_number }}", "42"},
		{"null value", "[{{ .data.current.assignee }}]", "[]"},
		{"missing key", "[{{ .data.current.nope }}]", "[]"},
		{"missing parent", "[{{ .data.previous.title }}]", "[]"},
		{"empty list", "[{{ .data.current.blocking }}]", "[]"},
		{"if on null", "{{ if .data.current.assignee }}yes{{ else }}no{{ end }}", "no"},
		{"with", "{{ with .actor }}{{ .type }}:{{ .name }}{{ end }}", "user:dev@example.com"},
		{"range over map", "{{ range $k, $v := .context }}{{ $k }}={{ $v }}{{ end }}", "project_id=6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"},
		{"printf", `{{ printf "%s!" .action }}`, "created!"},
		{"variable", "{{ $t := .data.current.type }}{{ $t }}", "bug"},
		{"object as json", "{{ .actor }}", `{"metadata":{},"name":"dev@example.com","type":"user"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, sdk.MarkupText, tt.text, doc); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExecuteNilDoc(t *testing.T) {
	if got := render(t, sdk.MarkupHTML, "a{{ .x.y }}b", nil); got != "ab" {
		t.Errorf("got %q, want %q", got, "ab")
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{42, "42"},
		{-3, "-3"},
		{0.5, "0.5"},
		{1234567, "1234567"},
		{1e20, "100000000000000000000"},
		{1e21, "1e+21"},
		{12.25, "12.25"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := formatNumber(tt.in); got != tt.want {
				t.Errorf("formatNumber(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeByMarkup(t *testing.T) {
	doc := map[string]any{"v": "a & <b> \"q\" \\ *x* _y_ ~z~ `c` |s| > #h @everyone @here <@123> <#456> <@&789> [l](u)\n\t\u2028\u2029\x01"}
	tests := []struct {
		markup sdk.Markup
		want   string
	}{
		{sdk.MarkupText, doc["v"].(string)},
		{sdk.MarkupJSON, `a & <b> \"q\" \\ *x* _y_ ~z~ ` + "`c`" + ` |s| > #h @everyone @here <@123> <#456> <@&789> [l](u)\n\t\u2028\u2029\u0001`},
		{sdk.MarkupHTML, "a &amp; &lt;b&gt; &#34;q&#34; \\ *x* _y_ ~z~ `c` |s| &gt; #h @everyone @here &lt;@123&gt; &lt;#456&gt; &lt;@&amp;789&gt; [l](u)\n\t\u2028\u2029\x01"},
		{sdk.MarkupSlack, "a &amp; &lt;b&gt; \"q\" \\ ∗x∗ ˍyˍ ∼z∼ ˋcˋ |s| &gt; #h @everyone @here &lt;@123&gt; &lt;#456&gt; &lt;@&amp;789&gt; [l](u)\n\t\u2028\u2029\x01"},
		{sdk.MarkupDiscord, "a & \\<b\\> \"q\" \\\\ \\*x\\* \\_y\\_ \\~z\\~ \\`c\\` \\|s\\| \\> \\#h @\u200beveryone @\u200bhere \\<@\u200b123\\> \\<\\#456\\> \\<@\u200b&789\\> \\[l\\](u)\n\t\u2028\u2029\x01"},
	}
	for _, tt := range tests {
		t.Run(string(tt.markup), func(t *testing.T) {
			if got := render(t, tt.markup, "{{ .v }}", doc); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestEscapeKeepsTemplateText(t *testing.T) {
	doc := map[string]any{"title": "<script>"}
	got := render(t, sdk.MarkupHTML, "<b>{{ .title }}</b>", doc)
	if want := "<b>&lt;script&gt;</b>"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEscapeOnceThroughVariablesAndTemplates(t *testing.T) {
	doc := map[string]any{"v": "<x>"}
	tests := []struct {
		name, text string
	}{
		{"declared variable", "{{ $v := .v }}{{ $v }}"},
		{"assigned variable", "{{ $v := 1 }}{{ $v = .v }}{{ $v }}"},
		{"defined template", `{{ define "part" }}{{ .v }}{{ end }}{{ template "part" . }}`},
		{"block", `{{ block "part" . }}{{ .v }}{{ end }}`},
		{"range", "{{ range .list }}{{ end }}{{ .v }}"},
		{"pipeline", "{{ .v | lower }}"},
		{"parenthesised", "{{ (lower .v) }}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, sdk.MarkupHTML, tt.text, doc); got != "&lt;x&gt;" {
				t.Errorf("got %q, want %q", got, "&lt;x&gt;")
			}
		})
	}
}

func TestEscapeInsideBranches(t *testing.T) {
	doc := map[string]any{"v": "<x>", "list": []any{"<a>", "<b>"}}
	tests := []struct {
		name, text, want string
	}{
		{"if", "{{ if .v }}{{ .v }}{{ end }}", "&lt;x&gt;"},
		{"else", "{{ if .none }}{{ else }}{{ .v }}{{ end }}", "&lt;x&gt;"},
		{"else if", "{{ if .none }}{{ else if .v }}{{ .v }}{{ end }}", "&lt;x&gt;"},
		{"range", "{{ range .list }}{{ . }}{{ end }}", "&lt;a&gt;&lt;b&gt;"},
		{"range else", "{{ range .none }}{{ else }}{{ .v }}{{ end }}", "&lt;x&gt;"},
		{"with", "{{ with .v }}{{ . }}{{ end }}", "&lt;x&gt;"},
		{"list printed", "{{ .list }}", "&lt;a&gt;, &lt;b&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, sdk.MarkupHTML, tt.text, doc); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSafePassesUnescaped(t *testing.T) {
	doc := map[string]any{"safe": Safe("<b>ok</b>"), "plain": "<b>no</b>"}
	got := render(t, sdk.MarkupHTML, "{{ .safe }} {{ .plain }}", doc)
	if want := "<b>ok</b> &lt;b&gt;no&lt;/b&gt;"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLiteral(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"#urgent", true},
		{"", true},
		{"{{/* a comment */}}#urgent", true},
		{"{{ .context.project_id }}", false},
		{"#{{ .x }}", false},
		{`{{ define "x" }}text{{ end }}`, false},
		{"{{ if true }}a{{ end }}", false},
	}
	engine := New(Options{})
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			tmpl, err := engine.Parse("t", tt.text, sdk.MarkupText)
			if err != nil {
				t.Fatal(err)
			}
			if got := tmpl.Literal(); got != tt.want {
				t.Errorf("Literal() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLiteralRendersItsText(t *testing.T) {
	got := render(t, sdk.MarkupSlack, "<#C123|urgent> & more", nil)
	if want := "<#C123|urgent> & more"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestOutputBound(t *testing.T) {
	engine := New(Options{})
	tmpl, err := engine.Parse("big", "{{ .v }}{{ .v }}", sdk.MarkupText)
	if err != nil {
		t.Fatal(err)
	}

	half := strings.Repeat("x", MaxOutputBytes/2)
	if out, err := tmpl.Execute(map[string]any{"v": half}); err != nil || len(out) != MaxOutputBytes {
		t.Errorf("at the bound: len %d, err %v; want %d bytes and no error", len(out), err, MaxOutputBytes)
	}

	out, err := tmpl.Execute(map[string]any{"v": half + "x"})
	if err == nil {
		t.Fatalf("over the bound: got %d bytes and no error", len(out))
	}
	if !strings.Contains(err.Error(), "output is larger than 262144 bytes") {
		t.Errorf("error %q does not name the bound", err)
	}
	if out != "" {
		t.Errorf("over the bound: got partial output of %d bytes", len(out))
	}
}

func TestParseErrorLine(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		wantLine int
		wantText string
	}{
		{"unclosed action", "first\nsecond {{ .a", 2, "unclosed action"},
		{"unknown function", "a\nb\n{{ nosuch .a }}", 3, `function "nosuch" not defined`},
		{"missing end", "{{ if .a }}\nx", 2, "unexpected EOF"},
		{"unknown markup", "x", 0, `unknown markup "markdown"`},
	}
	engine := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			markup := sdk.MarkupText
			if tt.name == "unknown markup" {
				markup = "markdown"
			}
			_, err := engine.Parse("route urgent", tt.text, markup)
			var renderErr *Error
			if !errors.As(err, &renderErr) {
				t.Fatalf("got %v (%T), want *Error", err, err)
			}
			if renderErr.Line != tt.wantLine {
				t.Errorf("line %d, want %d (%v)", renderErr.Line, tt.wantLine, err)
			}
			if !strings.Contains(renderErr.Message, tt.wantText) {
				t.Errorf("message %q does not contain %q", renderErr.Message, tt.wantText)
			}
			if renderErr.Name != "route urgent" || !strings.Contains(err.Error(), "route urgent") {
				t.Errorf("error %q does not name the template", err)
			}
		})
	}
}

func TestExecuteErrorLine(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		wantLine int
		wantText string
	}{
		{"helper error", "a\nb\n{{ truncate 0 .x }}", 3, "truncate: length 0 is invalid"},
		{"field of null", "x\n{{ .data.current.assignee.name }}", 2, "cannot read field name of a null value"},
		{"bad date", "{{ date \"date\" .event_type }}", 1, `"issue.created" is not an RFC 3339 timestamp`},
		{"inside defined template", "{{ define \"p\" }}\n\n{{ truncate -1 .x }}{{ end }}{{ template \"p\" . }}", 3, "truncate"},
	}
	doc := loadFixture(t, "issue-created-high.json")
	engine := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := engine.Parse("params", tt.text, sdk.MarkupText)
			if err != nil {
				t.Fatal(err)
			}
			_, err = tmpl.Execute(doc)
			var renderErr *Error
			if !errors.As(err, &renderErr) {
				t.Fatalf("got %v (%T), want *Error", err, err)
			}
			if renderErr.Line != tt.wantLine {
				t.Errorf("line %d, want %d (%v)", renderErr.Line, tt.wantLine, err)
			}
			if !strings.Contains(renderErr.Message, tt.wantText) {
				t.Errorf("message %q does not contain %q", renderErr.Message, tt.wantText)
			}
			if strings.Contains(renderErr.Message, "error calling") {
				t.Errorf("message %q repeats text/template's prefix", renderErr.Message)
			}
		})
	}
}

func TestExecuteConcurrently(t *testing.T) {
	doc := loadFixture(t, "issue-updated-status.json")
	tmpl, err := New(Options{WebURL: "https://turbo.example.com"}).Parse("c", "{{ link }} {{ join \", \" changes }}", sdk.MarkupSlack)
	if err != nil {
		t.Fatal(err)
	}
	want, err := tmpl.Execute(doc)
	if err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	outputs := make([]string, 8)
	for i := range outputs {
		wg.Go(func() {
			for range 50 {
				out, err := tmpl.Execute(doc)
				if err != nil {
					outputs[i] = err.Error()
					return
				}
				outputs[i] = out
			}
		})
	}
	wg.Wait()
	for i, out := range outputs {
		if out != want {
			t.Errorf("goroutine %d: got %q, want %q", i, out, want)
		}
	}
}

func BenchmarkExecute(b *testing.B) {
	doc := loadFixture(b, "issue-updated-status.json")
	text := `{{ priority_emoji }} *{{ .data.current.issue_key }}* {{ truncate 80 .data.current.title }}
Status: {{ .data.current.status | title }} · Priority: {{ upper .data.current.priority }}
Assignee: {{ .data.current.assignee | default "nobody" }} · Due: {{ date "date" .data.current.due_date }}
{{ range changes }}• {{ . }}
{{ end }}<{{ link }}|Open in Turbo>`
	tmpl, err := New(Options{WebURL: "https://turbo.example.com"}).Parse("bench", text, sdk.MarkupSlack)
	if err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Execute(doc); err != nil {
			b.Fatal(err)
		}
	}
}
