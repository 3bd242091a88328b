package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "token"), "file-token\n")
	writeFile(t, filepath.Join(dir, "crlf"), "crlf-token\r\n")
	writeFile(t, filepath.Join(dir, "two-newlines"), "kept\n\n")
	x := expander{env: envOf(map[string]string{"NAME": "value", "EMPTY": ""}), dir: dir}

	tests := []struct {
		name         string
		in           string
		want         string
		wantProblems []string
	}{
		{"plain text", "no references", "no references", nil},
		{"variable", "${NAME}", "value", nil},
		{"several references", "a-${NAME}-b-${NAME}-c", "a-value-b-value-c", nil},
		{"default when unset", "${UNSET:-fallback}", "fallback", nil},
		{"default when empty", "${EMPTY:-fallback}", "fallback", nil},
		{"empty default", "x${UNSET:-}y", "xy", nil},
		{"value over default", "${NAME:-fallback}", "value", nil},
		{"set but empty", "[${EMPTY}]", "[]", nil},
		{"escaped reference", "$${NAME}", "${NAME}", nil},
		{"escape beside reference", "$${NAME}${NAME}", "${NAME}value", nil},
		{"dollar without brace", "cost $5 and $$", "cost $5 and $$", nil},
		{"relative file", "${file:token}", "file-token", nil},
		{"absolute file", "${file:" + filepath.Join(dir, "token") + "}", "file-token", nil},
		{"file with CRLF", "${file:crlf}", "crlf-token", nil},
		{"file trims one newline", "${file:two-newlines}", "kept\n", nil},
		{"unset variable", "${UNSET}", "", []string{"environment variable UNSET is not set; set it, or write ${UNSET:-default}"}},
		{"two unset variables", "${A}/${B}", "/", []string{
			"environment variable A is not set; set it, or write ${A:-default}",
			"environment variable B is not set; set it, or write ${B:-default}",
		}},
		{"invalid name", "${NAME-x}", "", []string{`invalid reference "${NAME-x}"; write ${NAME}, ${NAME:-default} or ${file:PATH}`}},
		{"empty reference", "${}", "", []string{`invalid reference "${}"; write ${NAME}, ${NAME:-default} or ${file:PATH}`}},
		{"unterminated", "a ${NAME", "a ", []string{`"${NAME" has no closing }; close the reference, or write $${ for a literal ${`}},
		{"missing file", "${file:absent}", "", []string{"cannot read " + filepath.Join(dir, "absent") + " for ${file:absent}: no such file or directory"}},
		{"file without path", "${file:}", "", []string{"${file:} has no path; write ${file:PATH}"}},
		{"directory", "${file:.}", "", []string{"cannot read " + dir + " for ${file:.}: not a regular file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := x.expand(tt.in)

			if got != tt.want {
				t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !reflect.DeepEqual(problems, tt.wantProblems) {
				t.Errorf("problems = %q, want %q", problems, tt.wantProblems)
			}
		})
	}
}

func TestExpandLargeFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "big"), string(make([]byte, maxFileReference+1)))
	x := expander{env: envOf(nil), dir: dir}

	_, problems := x.expand("${file:big}")

	want := []string{"cannot read " + filepath.Join(dir, "big") + " for ${file:big}: larger than 1048576 bytes"}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("problems = %q, want %q", problems, want)
	}
}

func TestExpandNeverInKeys(t *testing.T) {
	data := []byte("ingest: {insecure: true}\nconnectors:\n  hook:\n    type: file\n    path: /tmp/hook.log\n    ${NAME}: x\n")

	cfg, err := Parse("keys.yaml", data, testCatalog(), envOf(map[string]string{"NAME": "value"}))

	if err != nil {
		t.Fatalf("Parse failed:\n%v", err)
	}
	if _, ok := cfg.Connectors[0].Options["${NAME}"]; !ok {
		t.Errorf("options = %#v, want the key ${NAME} kept as written", cfg.Connectors[0].Options)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
