package turbo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

// configCase is one file under testdata/config: an invalid config and the
// diagnostics it must produce, in order.
type configCase struct {
	Config json.RawMessage  `json:"config"`
	Want   []sdk.Diagnostic `json:"want"`
}

// targetCase is one file under testdata/targets: a connector config, a
// target's literal and templated parameters, and the diagnostics it must
// produce, in order.
type targetCase struct {
	Config    json.RawMessage   `json:"config"`
	Literal   map[string]string `json:"literal"`
	Templated []string          `json:"templated"`
	Want      []sdk.Diagnostic  `json:"want"`
}

func readCases[C any](t *testing.T, dir string) map[string]C {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases under testdata/%s: %v", dir, err)
	}
	cases := map[string]C{}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var c C
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("parse %s: %v", file, err)
		}
		cases[strings.TrimSuffix(filepath.Base(file), ".json")] = c
	}
	return cases
}

func checkDiagnostics(t *testing.T, got, want []sdk.Diagnostic) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("diagnostics = %+v, want %+v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("diagnostic %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestValidateConfigDiagnostics(t *testing.T) {
	for name, tc := range readCases[configCase](t, "config") {
		t.Run(name, func(t *testing.T) {
			checkDiagnostics(t, New().ValidateConfig(tc.Config), tc.Want)
		})
	}
}

func TestValidateTargetDiagnostics(t *testing.T) {
	for name, tc := range readCases[targetCase](t, "targets") {
		t.Run(name, func(t *testing.T) {
			spec := sdk.TargetSpec{Literal: sdk.Params{}, Templated: tc.Templated}
			for k, v := range tc.Literal {
				spec.Literal[k] = v
			}
			checkDiagnostics(t, New().ValidateTarget(tc.Config, spec), tc.Want)
		})
	}
}

func TestValidateConfigAcceptsDefaults(t *testing.T) {
	for _, raw := range []string{`{}`, `{"author_name": "Triage bot", "hop_limit": 20, "hop_window": "1h", "echo_window": "30s",
		"tags": {"urgent": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}}`} {
		if got := New().ValidateConfig(json.RawMessage(raw)); len(got) != 0 {
			t.Errorf("ValidateConfig(%s) = %+v, want none", raw, got)
		}
	}
}
