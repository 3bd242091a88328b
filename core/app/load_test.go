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
