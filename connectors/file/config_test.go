package file

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

func TestValidateConfigDiagnostics(t *testing.T) {
	files, err := filepath.Glob("testdata/config/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no config cases found: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var tc configCase
			if err := json.Unmarshal(raw, &tc); err != nil {
				t.Fatalf("parse %s: %v", file, err)
			}

			got := New().ValidateConfig(tc.Config)

			if len(got) != len(tc.Want) {
				t.Fatalf("diagnostics = %+v, want %+v", got, tc.Want)
			}
			for i := range got {
				if got[i] != tc.Want[i] {
					t.Errorf("diagnostic %d = %+v, want %+v", i, got[i], tc.Want[i])
				}
			}
		})
	}
}

func TestParseConfigValues(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		wantMode fileMode
		wantSync bool
	}{
		{"defaults", `{"path":"out.jsonl"}`, 0o640, true},
		{"YAML octal number", `{"path":"out.jsonl","mode":384}`, 0o600, true},
		{"octal string", `{"path":"out.jsonl","mode":"0600"}`, 0o600, true},
		{"0o string", `{"path":"out.jsonl","mode":"0o660"}`, 0o660, true},
		{"string without zero", `{"path":"out.jsonl","mode":"644"}`, 0o644, true},
		{"sync off", `{"dir":"teams","sync":false}`, 0o640, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diagnostics := parseConfig(json.RawMessage(tc.raw))
			if len(diagnostics) != 0 {
				t.Fatalf("diagnostics = %+v", diagnostics)
			}
			if cfg.Mode != tc.wantMode {
				t.Errorf("Mode = %s, want %s", cfg.Mode, tc.wantMode)
			}
			if cfg.Sync != tc.wantSync {
				t.Errorf("Sync = %v, want %v", cfg.Sync, tc.wantSync)
			}
		})
	}
}

func TestInfo(t *testing.T) {
	info := New().Info()
	if info.Name != "file" || info.Markup != sdk.MarkupJSON {
		t.Errorf("Name, Markup = %q, %q", info.Name, info.Markup)
	}
	if len(info.TargetParams) != 1 || info.TargetParams[0].Name != "path" || info.TargetParams[0].Required {
		t.Errorf("TargetParams = %+v, want one optional path", info.TargetParams)
	}
	if len(info.DestinationParams) != 0 {
		t.Errorf("DestinationParams = %v, want none", info.DestinationParams)
	}
}

func FuzzFileModeUnmarshal(f *testing.F) {
	f.Add(`416`)
	f.Add(`"0640"`)
	f.Add(`"0o777"`)
	f.Add(`-1`)
	f.Add(`"99"`)
	f.Fuzz(func(t *testing.T, raw string) {
		var mode fileMode
		if err := mode.UnmarshalJSON([]byte(raw)); err == nil && mode > 0o777 {
			t.Errorf("UnmarshalJSON(%s) = %s, want at most 0777", raw, mode)
		}
	})
}
