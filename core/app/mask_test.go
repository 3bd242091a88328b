package app

import (
	"errors"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/config"
)

// referencedSecret stands for a credential a route takes from the
// environment; CEL reads it unquoted as the names HDRSEC and m1n2b3v4c5x6.
const referencedSecret = "HDRSEC-m1n2b3v4c5x6"

func TestLoadPlanHidesReferencedValues(t *testing.T) {
	t.Setenv("OP_HDR_SECRET", referencedSecret)
	t.Setenv("TPL_SECRET", "tplsecret9876")
	path := writeFile(t, `ingest:
  insecure: true
connectors:
  hook: {type: http, url: "https://example.com"}
routes:
  - name: unquoted
    if: 'data.current.priority == ${OP_HDR_SECRET}'
    to: [{connector: hook}]
  - name: quoted
    if: 'data.current.priority == "${OP_HDR_SECRET}"'
    to: [{connector: hook}]
  - name: template
    template: "{{ ${TPL_SECRET} .title }}"
    to: [{connector: hook}]
`)
	_, err := LoadPlan(path, Registry{"http": httpKind{}})
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("LoadPlan error = %v, want config.Errors", err)
	}
	text := errs.Error()
	for _, secret := range []string{"HDRSEC", "m1n2b3v4c5x6", "tplsecret9876"} {
		if strings.Contains(text, secret) {
			t.Errorf("the errors show %q of a ${...} value:\n%s", secret, text)
		}
	}
	for _, want := range []string{"routes[0].if", "<secret>", "quote the reference", "routes[2].template"} {
		if !strings.Contains(text, want) {
			t.Errorf("the errors lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "routes[1]") {
		t.Errorf("the quoted reference is an error too:\n%s", text)
	}
}
