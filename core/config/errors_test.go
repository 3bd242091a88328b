package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseErrorFiles parses each testdata/errors file and compares the error
// lines, without the file name, with the file's leading "# want: " comments.
func TestParseErrorFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no files match testdata/errors/*.yaml")
	}

	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want := expectedErrors(t, data)

			cfg, err := Parse(file, data, testCatalog(), envOf(testEnv))
			if err == nil {
				t.Fatalf("Parse returned a config with %d routes and no error; want:\n%s", len(cfg.Routes), strings.Join(want, "\n"))
			}
			got := errorLines(t, file, err)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("errors differ\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// expectedErrors returns the text of the "# want: " comments that start the file.
func expectedErrors(t *testing.T, data []byte) []string {
	t.Helper()
	var want []string
	for _, line := range strings.Split(string(data), "\n") {
		text, ok := strings.CutPrefix(line, "# want: ")
		if !ok {
			break
		}
		want = append(want, text)
	}
	if len(want) == 0 {
		t.Fatal(`the file does not start with a "# want: " comment`)
	}
	return want
}

// errorLines returns the lines of err, which must be Errors, without the
// "file:" prefix that each one starts with.
func errorLines(t *testing.T, file string, err error) []string {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error is %T, want config.Errors: %v", err, err)
	}
	var lines []string
	for _, line := range strings.Split(errs.Error(), "\n") {
		rest, ok := strings.CutPrefix(line, file+":")
		if !ok {
			t.Fatalf("error line %q does not start with %q", line, file+":")
		}
		lines = append(lines, strings.TrimPrefix(rest, " "))
	}
	return lines
}

func TestParseErrorsSortedByPosition(t *testing.T) {
	data := []byte("log: {level: loud}\nserver: {listen: nowhere}\ningest: {max_batch: 0, insecure: true}\n")

	_, err := Parse("sorted.yaml", data, nil, nil)

	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error is %T, want config.Errors: %v", err, err)
	}
	if len(errs) != 3 {
		t.Fatalf("got %d errors, want 3:\n%v", len(errs), err)
	}
	for i := 1; i < len(errs); i++ {
		if errs[i-1].At.Line > errs[i].At.Line {
			t.Errorf("error %d (line %d) comes before error %d (line %d)", i-1, errs[i-1].At.Line, i, errs[i].At.Line)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.yaml")

	_, err := Load(path, nil)

	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error is %v, want one that wraps os.ErrNotExist", err)
	}
	var errs Errors
	if errors.As(err, &errs) {
		t.Errorf("error is config.Errors, want a plain read error")
	}
}

func TestParseNilCatalogChecksTypePresence(t *testing.T) {
	data := []byte("ingest: {insecure: true}\nconnectors:\n  anything: {type: whatever}\n  blank: {url: x}\n")

	_, err := Parse("nil-catalog.yaml", data, nil, nil)

	got := errorLines(t, "nil-catalog.yaml", err)
	want := "4:3: connectors.blank.type: missing connector type; set type: to a connector kind such as http"
	if len(got) != 1 || got[0] != want {
		t.Errorf("errors = %q, want only %q", got, want)
	}
}
