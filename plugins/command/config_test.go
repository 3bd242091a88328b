package command

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateConfig(t *testing.T) {
	dir := t.TempDir()
	notExecutable := filepath.Join(dir, "script.sh")
	if err := os.WriteFile(notExecutable, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	binary, _ := json.Marshal(testBinary(t))

	tests := []struct {
		name     string
		config   string
		wantPath string
		want     string
	}{
		{"absolute program", `{"command": [` + string(binary) + `, "--flag"]}`, "", ""},
		{"program in PATH", `{"command": ["sh", "-c", "cat"]}`, "", ""},
		{"every key", `{"command": ["sh"], "dir": "` + dir + `", "env": {"TOKEN": "s3cret-value"}, "retry_exit_codes": [75, 111], "max_output_bytes": 4096}`, "", ""},
		{"missing command", `{}`, "command", "missing"},
		{"empty command", `{"command": []}`, "command", "missing"},
		{"command as string", `{"command": "sh -c cat"}`, "command", "want a list"},
		{"not in PATH", `{"command": ["no-such-program-4d2a"]}`, "command[0]", "not found in PATH"},
		{"no such file", `{"command": ["/no/such/program"]}`, "command[0]", "does not exist"},
		{"directory", `{"command": ["` + dir + `"]}`, "command[0]", "is a directory"},
		{"not executable", `{"command": ["` + notExecutable + `"]}`, "command[0]", "chmod +x"},
		{"relative to dir", `{"command": ["./script.sh"], "dir": "` + dir + `"}`, "command[0]", "chmod +x"},
		{"NUL in argument", `{"command": ["sh", "a\u0000b"]}`, "command[1]", "NUL"},
		{"missing dir", `{"command": ["sh"], "dir": "/no/such/dir"}`, "dir", "not a directory"},
		{"reserved env", `{"command": ["sh"], "env": {"SWITCHBOARD_ROUTE": "x"}}`, "env.SWITCHBOARD_ROUTE", "set by the connector"},
		{"plugin env", `{"command": ["sh"], "env": {"plugin_x": "x"}}`, "env.plugin_x", "set by the connector"},
		{"bad env name", `{"command": ["sh"], "env": {"A=B": "x"}}`, "env.A=B", "invalid variable name"},
		{"exit code 0", `{"command": ["sh"], "retry_exit_codes": [0]}`, "retry_exit_codes[0]", "0 means delivered"},
		{"exit code 300", `{"command": ["sh"], "retry_exit_codes": [75, 300]}`, "retry_exit_codes[1]", "use 1 to 255"},
		{"output too small", `{"command": ["sh"], "max_output_bytes": 10}`, "max_output_bytes", "out of range"},
		{"unknown key", `{"command": ["sh"], "timeout_s": 5}`, "timeout_s", "unknown key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diagnostics := New().ValidateConfig(json.RawMessage(tc.config))

			if tc.want == "" {
				if len(diagnostics) > 0 {
					t.Errorf("diagnostics = %+v, want none", diagnostics)
				}
				return
			}
			if len(diagnostics) != 1 {
				t.Fatalf("diagnostics = %+v, want 1", diagnostics)
			}
			if diagnostics[0].Path != tc.wantPath || !strings.Contains(diagnostics[0].Message, tc.want) {
				t.Errorf("diagnostic = %+v, want path %q and a message containing %q", diagnostics[0], tc.wantPath, tc.want)
			}
		})
	}
}

func TestConfigSchemaIsJSON(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal(New().Info().ConfigSchema, &schema); err != nil {
		t.Fatalf("ConfigSchema is not JSON: %v", err)
	}
	properties, _ := schema["properties"].(map[string]any)
	for _, key := range []string{"command", "dir", "env", "retry_exit_codes", "max_output_bytes"} {
		if _, ok := properties[key]; !ok {
			t.Errorf("the schema does not describe %s", key)
		}
	}
}

func TestTailBuffer(t *testing.T) {
	tests := []struct {
		name     string
		max      int
		writes   []string
		n        int
		want     string
		wantCut  bool
		wantSize int64
	}{
		{"short", 10, []string{"abc", "def"}, 10, "abcdef", false, 6},
		{"keeps the end", 4, []string{"abcdef", "gh"}, 10, "efgh", true, 8},
		{"many small writes", 3, []string{"a", "b", "c", "d", "e", "f", "g"}, 10, "efg", true, 7},
		{"tail shorter than kept", 10, []string{"abcdef"}, 2, "ef", true, 6},
		{"starts at a character", 10, []string{"aé"}, 1, "", true, 3},
		{"whole character", 10, []string{"aé"}, 2, "é", true, 3},
		{"invalid UTF-8", 10, []string{"a\xffb"}, 10, "a\uFFFDb", false, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newTailBuffer(tc.max)
			for _, w := range tc.writes {
				if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}

			got, cut := b.Tail(tc.n)

			if got != tc.want || cut != tc.wantCut {
				t.Errorf("Tail(%d) = %q, %v, want %q, %v", tc.n, got, cut, tc.want, tc.wantCut)
			}
			if b.Total() != tc.wantSize {
				t.Errorf("Total = %d, want %d", b.Total(), tc.wantSize)
			}
		})
	}
}
