package config

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

// selectorKind stands for the kinds in variants, chosen by the "variant"
// option, as the plugin host chooses by `plugin:`.
type selectorKind struct {
	fakeConnector
	variants map[string]sdk.Connector
}

func (s *selectorKind) SelectKind(options map[string]any) (sdk.Connector, bool) {
	name, _ := options["variant"].(string)
	kind, ok := s.variants[name]
	return kind, ok
}

const selectorConfig = `
ingest: {insecure: true}
connectors:
  teams:
    type: multi
    variant: teams
    webhook: https://example.com/x
  unknown:
    type: multi
    variant: nosuch
routes:
  - name: r
    events: ["*"]
    to: [{connector: teams, channel: general, colour: red}]
`

func TestKindSelectorChoosesPerBlock(t *testing.T) {
	teams := &fakeConnector{
		info: sdk.Info{Name: "teams", TargetParams: []sdk.ParamSpec{{Name: "channel"}}},
		validate: func(options map[string]any) []sdk.Diagnostic {
			if options["webhook"] != "https://example.com/x" {
				return []sdk.Diagnostic{{Path: "webhook", Message: "options did not reach the selected kind"}}
			}
			return nil
		},
	}
	multi := &selectorKind{
		fakeConnector: fakeConnector{info: sdk.Info{Name: "multi"}, validate: func(options map[string]any) []sdk.Diagnostic {
			return []sdk.Diagnostic{{Path: "variant", Message: "no such variant"}}
		}},
		variants: map[string]sdk.Connector{"teams": teams},
	}

	_, err := Parse("switchboard.yaml", []byte(selectorConfig), fakeCatalog{"multi": multi}, nil)
	errs, ok := err.(Errors)
	if !ok {
		t.Fatalf("Parse error = %v, want config errors", err)
	}
	want := []string{
		"switchboard.yaml:10:14: connectors.unknown.variant: no such variant",
		`switchboard.yaml:14:47: routes[0].to[0].colour: unknown parameter "colour"; connector type teams takes: channel`,
	}
	if len(errs) != len(want) {
		t.Fatalf("errors:\n%v\nwant:\n%s", errs, strings.Join(want, "\n"))
	}
	for i, e := range errs.Sorted() {
		if e.Error() != want[i] {
			t.Errorf("error %d = %s\nwant      %s", i, e.Error(), want[i])
		}
	}
}
