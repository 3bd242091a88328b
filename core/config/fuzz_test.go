package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that every failure is
// Errors with the file name set. The seeds are every testdata config.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(leakyConfig))

	const name = "testdata/valid/fuzz.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(name, data, testCatalog(), envOf(testEnv))
		if err == nil {
			Summary(cfg)
			return
		}

		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error is %T with %d problems, want non-empty config.Errors: %v", err, len(errs), err)
		}
		for _, e := range errs {
			if e.File != name || e.Message == "" {
				t.Fatalf("problem %+v lacks the file name or a message", e)
			}
		}
	})
}
