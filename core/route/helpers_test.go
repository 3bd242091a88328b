package route

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/render"
	"github.com/turbocode/switchboard/sdk"
)

// loadEvent reads one envelope of testdata/turbo/envelope as ingest would hand
// it over: the decoded envelope plus its raw bytes.
func loadEvent(t testing.TB, name string) *event.Incoming {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "turbo", "envelope", name))
	if err != nil {
		t.Fatal(err)
	}
	var env event.Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return &event.Incoming{Envelope: &env, Format: event.FormatEnvelope, Body: raw}
}

// derivedEvent turns a fixture into a derived event of another type, as the
// derive step would.
func derivedEvent(t testing.TB, name, eventType string) *event.Incoming {
	t.Helper()
	in := loadEvent(t, name)

	var doc map[string]any
	if err := json.Unmarshal(in.Body, &doc); err != nil {
		t.Fatal(err)
	}
	doc["event_type"] = eventType
	doc["derived"] = true
	doc["parent_event_id"] = in.Envelope.EventID
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}

	env := *in.Envelope
	env.EventType = eventType
	env.Derived = true
	env.ParentEventID = in.Envelope.EventID
	return &event.Incoming{Envelope: &env, Format: event.FormatDerived, Body: body}
}

// connectorInfos are fake connector instances shaped like the built-ins.
var connectorInfos = map[string]sdk.Info{
	"slack": {
		Name:              "slack",
		Markup:            sdk.MarkupSlack,
		TargetParams:      []sdk.ParamSpec{{Name: "channel", Required: true}, {Name: "thread", Kind: sdk.ParamString}},
		DestinationParams: []string{"channel"},
	},
	"hook": {
		Name:              "http",
		Markup:            sdk.MarkupJSON,
		Capabilities:      sdk.Capabilities{Ordered: true},
		TargetParams:      []sdk.ParamSpec{{Name: "url"}, {Name: "headers", Kind: sdk.ParamMap}},
		DestinationParams: []string{"url"},
	},
	"mail": {
		Name:              "email",
		Markup:            sdk.MarkupHTML,
		TargetParams:      []sdk.ParamSpec{{Name: "to", Required: true, Kind: sdk.ParamList}, {Name: "subject"}},
		DestinationParams: []string{"to"},
	},
	"log": {Name: "file"},
}

func lookupInfo(name string) (sdk.Info, bool) {
	info, ok := connectorInfos[name]
	return info, ok
}

// testConfig returns a config of routes with made-up positions: route i starts
// at line 100*(i+1), and its keys sit on the following lines.
func testConfig(routes ...config.Route) *config.Config {
	cfg := &config.Config{File: "switchboard.yaml"}
	for _, name := range []string{"hook", "log", "mail", "slack"} {
		cfg.Connectors = append(cfg.Connectors, config.Connector{Name: name, Type: connectorInfos[name].Name})
	}

	for i, r := range routes {
		base := 100 * (i + 1)
		path := "routes[" + strconv.Itoa(i) + "]"
		r.Index = i
		r.At = config.Position{Line: base, Column: 5, Path: path}
		r.FieldAt = map[string]config.Position{
			"events":   {Line: base + 1, Column: 13, Path: path + ".events"},
			"if":       {Line: base + 2, Column: 9, Path: path + ".if"},
			"template": {Line: base + 3, Column: 15, Path: path + ".template"},
		}
		for j := range r.Where {
			r.Where[j].At = config.Position{Line: base + 10 + j, Column: 7, Path: path + ".where." + r.Where[j].Path}
		}
		for j := range r.To {
			targetPath := path + ".to[" + strconv.Itoa(j) + "]"
			r.To[j].At = config.Position{Line: base + 20 + 5*j, Column: 9, Path: targetPath}
			r.To[j].ParamAt = map[string]config.Position{}
			offset := 1
			for _, name := range sortedKeys(r.To[j].Params) {
				r.To[j].ParamAt[name] = config.Position{Line: base + 20 + 5*j + offset, Column: 20, Path: targetPath + "." + name}
				offset++
			}
		}
		cfg.Routes = append(cfg.Routes, r)
	}
	return cfg
}

// mustCompile compiles routes and fails the test on any config error.
func mustCompile(t testing.TB, routes ...config.Route) *Table {
	t.Helper()
	table, errs := Compile(testConfig(routes...), lookupInfo, render.New(render.Options{WebURL: "https://turbo.example.com"}))
	if len(errs) > 0 {
		t.Fatalf("compile: %v", errs)
	}
	return table
}

func to(connector string, params map[string]any) config.Target {
	return config.Target{Connector: connector, Params: params}
}

func where(path string, values ...any) config.Match {
	return config.Match{Path: path, Values: values}
}

func routeNames(planned []Planned) []string {
	var names []string
	for _, p := range planned {
		names = append(names, p.Route)
	}
	return names
}
