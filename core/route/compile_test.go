package route

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/render"
)

func TestCompileErrors(t *testing.T) {
	logTo := []config.Target{to("log", nil)}
	tests := []struct {
		name  string
		route config.Route
		// line is the config line of the error, relative to the route's first
		// line. testConfig puts events at +1, if at +2, template at +3 and
		// where entries from +10. Target j is at +20+5j, with its parameters
		// in name order on the lines after it.
		line     int
		path     string
		contains []string
	}{
		{
			name:     "upper case glob",
			route:    config.Route{Events: []string{"Issue.*"}, To: logTo},
			line:     1,
			path:     ".events",
			contains: []string{`event pattern "Issue.*" has 'I' at position 1`, "a-z, 0-9"},
		},
		{
			name:     "bracket glob",
			route:    config.Route{Events: []string{"issue.[ab]"}, To: logTo},
			line:     1,
			path:     ".events",
			contains: []string{`"issue.[ab]" has '['`},
		},
		{
			name:     "empty pattern",
			route:    config.Route{Events: []string{""}, To: logTo},
			line:     1,
			path:     ".events",
			contains: []string{"an event pattern is empty"},
		},
		{
			name:     "cel syntax error",
			route:    config.Route{If: `data.current.priority == `, To: logTo},
			line:     2,
			path:     ".if",
			contains: []string{"invalid if expression: Syntax error", "(column 26 of the expression)"},
		},
		{
			name:     "cel unknown variable",
			route:    config.Route{If: `priority == "high"`, To: logTo},
			line:     2,
			path:     ".if",
			contains: []string{"undeclared reference to 'priority'"},
		},
		{
			name:     "cel type error",
			route:    config.Route{If: `event_type == 3`, To: logTo},
			line:     2,
			path:     ".if",
			contains: []string{"found no matching overload for '_==_'"},
		},
		{
			name:     "cel multi-line error",
			route:    config.Route{If: "event_type == \"issue.created\" &&\n  nosuch", To: logTo},
			line:     2 + 2,
			path:     ".if",
			contains: []string{"undeclared reference to 'nosuch' (line 2, column 3 of the expression)"},
		},
		{
			name:     "cel returns int",
			route:    config.Route{If: `1 + 2`, To: logTo},
			line:     2,
			path:     ".if",
			contains: []string{"returns int, but it must return bool"},
		},
		{
			name:     "cel returns dyn",
			route:    config.Route{If: `data.current.is_archived`, To: logTo},
			line:     2,
			path:     ".if",
			contains: []string{"returns dyn, but it must return bool", "== true"},
		},
		{
			name:     "where empty key",
			route:    config.Route{Where: []config.Match{where("data..priority", "high")}, To: logTo},
			line:     10,
			path:     ".where.data..priority",
			contains: []string{`where path "data..priority" has an empty key`},
		},
		{
			name:     "where unknown root",
			route:    config.Route{Where: []config.Match{where("date.current.priority", "high")}, To: logTo},
			line:     10,
			path:     ".where.date.current.priority",
			contains: []string{`does not start with a key of the event`, "data, context"},
		},
		{
			name:     "where list value",
			route:    config.Route{Where: []config.Match{where("data.current.priority", "high"), where("data.current.tags", []any{"a"})}, To: logTo},
			line:     11,
			path:     ".where.data.current.tags",
			contains: []string{"value [a] is a list", "use a string, number, true, false or null"},
		},
		{
			name:     "where without values",
			route:    config.Route{Where: []config.Match{where("data.current.priority")}, To: logTo},
			line:     10,
			path:     ".where.data.current.priority",
			contains: []string{"has no values"},
		},
		{
			name:     "unknown connector",
			route:    config.Route{To: []config.Target{to("teams", nil)}},
			line:     20,
			path:     ".to[0]",
			contains: []string{`connector "teams" is not configured`, "hook, log, mail, slack"},
		},
		{
			name:     "unknown parameter",
			route:    config.Route{To: []config.Target{to("slack", map[string]any{"channel": "#a", "chanel": "#b"})}},
			line:     21,
			path:     ".to[0].chanel",
			contains: []string{`connector slack (type slack) has no parameter "chanel"`, "its parameters are channel, thread"},
		},
		{
			name:     "parameter of connector without parameters",
			route:    config.Route{To: []config.Target{to("log", map[string]any{"path": "x"})}},
			line:     21,
			path:     ".to[0].path",
			contains: []string{`has no parameter "path"`, "it takes no parameters"},
		},
		{
			name:     "missing required parameter",
			route:    config.Route{To: []config.Target{to("log", nil), to("slack", map[string]any{"thread": "t"})}},
			line:     25,
			path:     ".to[1]",
			contains: []string{`missing the required parameter "channel"`},
		},
		{
			name:     "string parameter given a list",
			route:    config.Route{To: []config.Target{to("slack", map[string]any{"channel": []any{"#a"}})}},
			line:     21,
			path:     ".to[0].channel",
			contains: []string{"parameter channel must be a string, not a list"},
		},
		{
			name:     "list parameter given a map",
			route:    config.Route{To: []config.Target{to("mail", map[string]any{"to": map[string]any{"a": "b"}})}},
			line:     21,
			path:     ".to[0].to",
			contains: []string{"parameter to must be a string or a list of strings, not a map"},
		},
		{
			name:     "list parameter with a number",
			route:    config.Route{To: []config.Target{to("mail", map[string]any{"to": []any{"a@example.com", 3}})}},
			line:     21,
			path:     ".to[0].to",
			contains: []string{"must be a string or a list of strings, not a list whose item 2 is a number"},
		},
		{
			name:     "map parameter given a string",
			route:    config.Route{To: []config.Target{to("hook", map[string]any{"headers": "X-A: b"})}},
			line:     21,
			path:     ".to[0].headers",
			contains: []string{"parameter headers must be a map of strings, not a string"},
		},
		{
			name:     "parameter template syntax",
			route:    config.Route{To: []config.Target{to("slack", map[string]any{"channel": "#{{ .data.current.type "})}},
			line:     21,
			path:     ".to[0].channel",
			contains: []string{"invalid template: unclosed action"},
		},
		{
			name:     "parameter template unknown function",
			route:    config.Route{To: []config.Target{to("hook", map[string]any{"headers": map[string]any{"X-A": "{{ nosuch }}"}})}},
			line:     21,
			path:     ".to[0].headers",
			contains: []string{`function "nosuch" not defined`},
		},
		{
			name:     "route template on a later line",
			route:    config.Route{Template: "line one\nline two {{ if .x }}\n", To: logTo},
			line:     3 + 3,
			path:     ".template",
			contains: []string{"invalid template: unexpected EOF", "line 3 of the value"},
		},
		{
			name:     "route template with mixed markups",
			route:    config.Route{Template: "{{ .event_type }}", To: []config.Target{to("slack", map[string]any{"channel": "#a"}), to("mail", map[string]any{"to": "a@example.com"})}},
			line:     3,
			path:     ".template",
			contains: []string{"different markups (html for mail; slack for slack)", "split the route"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.route.Name = "r"
			cfg := testConfig(config.Route{Name: "ok", To: []config.Target{to("log", nil)}}, tt.route)
			table, errs := Compile(cfg, lookupInfo, render.New(render.Options{}))
			if table != nil {
				t.Error("got a table despite errors")
			}
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(errs), errs)
			}

			err := errs[0]
			if err.File != "switchboard.yaml" {
				t.Errorf("file %q, want switchboard.yaml", err.File)
			}
			if want := 200 + tt.line; err.At.Line != want {
				t.Errorf("line %d, want %d: %v", err.At.Line, want, err)
			}
			if want := "routes[1]" + tt.path; err.At.Path != want {
				t.Errorf("path %q, want %q", err.At.Path, want)
			}
			for _, part := range tt.contains {
				if !strings.Contains(err.Message, part) {
					t.Errorf("message %q does not contain %q", err.Message, part)
				}
			}
		})
	}
}

func TestCompileReportsEveryError(t *testing.T) {
	cfg := testConfig(
		config.Route{Name: "a", Events: []string{"Issue.*"}, If: "nosuch", To: []config.Target{to("teams", nil)}},
		config.Route{Name: "a", Where: []config.Match{where("nope.x", 1)}, To: []config.Target{to("slack", nil)}},
	)
	_, errs := Compile(cfg, lookupInfo, nil)

	wantLines := []int{101, 102, 120, 200, 210, 220}
	var gotLines []int
	for _, err := range errs.Sorted() {
		gotLines = append(gotLines, err.At.Line)
	}
	if len(gotLines) != len(wantLines) {
		t.Fatalf("got errors on lines %v, want %v:\n%v", gotLines, wantLines, errs)
	}
	for i := range wantLines {
		if gotLines[i] != wantLines[i] {
			t.Errorf("error %d on line %d, want %d", i, gotLines[i], wantLines[i])
		}
	}
	if !strings.Contains(errs.Error(), `route name "a" is already used by the route at line 100`) {
		t.Errorf("errors do not report the duplicate name:\n%v", errs)
	}
}

func TestCompileWithoutRoutes(t *testing.T) {
	table, errs := Compile(testConfig(), lookupInfo, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if planned := table.Evaluate(loadEvent(t, "issue-created-high.json")); len(planned) != 0 {
		t.Errorf("planned %d deliveries without routes", len(planned))
	}
}
