package app

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/sdk"
)

// httpKind stands in for a connector kind: it accepts any config and takes the
// http connector's target parameters. core does not import connectors.
type httpKind struct{}

func (httpKind) Info() sdk.Info {
	return sdk.Info{Name: "http", Markup: sdk.MarkupJSON,
		TargetParams: []sdk.ParamSpec{{Name: "url"}, {Name: "headers", Kind: sdk.ParamMap}}}
}

func (httpKind) ValidateConfig(json.RawMessage) []sdk.Diagnostic { return nil }

func (httpKind) Configure(context.Context, sdk.InstanceConfig) (sdk.Instance, error) {
	return nil, errors.New("not used by these tests")
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "switchboard.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadPlanMergesRouteErrors(t *testing.T) {
	path := writeFile(t, `ingest:
  insecure: true
delivery:
  max_atempts: 3
connectors:
  hook: {type: http, url: "https://example.com"}
routes:
  - name: bad-if
    if: 'data.current.priority = "high"'
    to: [{connector: hook}]
  - name: bad-template
    template: "{{ .title "
    to: [{connector: hook}]
`)
	_, err := LoadPlan(path, Registry{"http": httpKind{}})
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("LoadPlan error = %v, want config.Errors", err)
	}
	text := errs.Error()
	for _, want := range []string{":4:3: delivery.max_atempts", ":9:9: routes[0].if", ":12:15: routes[1].template"} {
		if !strings.Contains(text, want) {
			t.Errorf("errors lack %q:\n%s", want, text)
		}
	}
}

func TestLoadPlanReportsUnknownConnectorOnce(t *testing.T) {
	path := writeFile(t, `ingest:
  insecure: true
connectors:
  hook: {type: http, url: "https://example.com"}
routes:
  - name: r
    to: [{connector: hok}]
`)
	_, err := LoadPlan(path, Registry{"http": httpKind{}})
	if n := strings.Count(err.Error(), "hok"); n != 1 {
		t.Errorf("the unknown connector is reported %d times, want once:\n%s", n, err)
	}
}

func TestLoadPlanWarnsAboutEventNames(t *testing.T) {
	path := writeFile(t, `
ingest: {insecure: true}
connectors:
  hook: {type: http, url: "https://hooks.example.com/x"}
routes:
  - name: closes
    events: [issue.close]
    to: [{connector: hook}]
  - name: reports
    events: ["system.*", system.daily_report]
    to: [{connector: hook}]
  - name: fine
    events: [issue.closed, "issue.*", switchboard.delivery_dead]
    to: [{connector: hook}]
`)
	plan, err := LoadPlan(path, Registry{"http": httpKind{}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		path + `:7:13: routes[0].events[0]: "issue.close" is not in the event catalogue; did you mean issue.closed?`,
		path + `:10:13: routes[1].events[0]: "system.*" matches only events Switchboard derives (system.daily_digest, system.weekly_report)`,
		path + `:10:13: routes[1].events[1]: "system.daily_report" is no event Switchboard raises`,
	}
	if len(plan.Warnings) != len(want) {
		t.Fatalf("warnings:\n%v\nwant %d", plan.Warnings, len(want))
	}
	for i, w := range plan.Warnings {
		if !strings.HasPrefix(w.Error(), want[i]) {
			t.Errorf("warning %d = %q, want it to start with %q", i, w.Error(), want[i])
		}
	}
}
