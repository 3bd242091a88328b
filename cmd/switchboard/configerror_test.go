package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// missingCAConfig is an email pack whose ca_file does not exist, which check
// must reject as serve does. %s is the storage directory.
const missingCAConfig = `
ingest:
  insecure: true
storage:
  dsn: %s/switchboard.db
connectors:
  mail:
    type: email
    host: smtp.example.com
    ca_file: /nonexistent/switchboard/ca.pem
    from: turbo@example.com
routes:
  - name: urgent-email
    events: ["issue.*"]
    to: [{connector: mail, to: [team@example.com]}]
`

func TestCheckRejectsMissingCAFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(missingCAConfig, dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer

	code := run([]string{"check", "--config", path}, nil, &stdout, &stderr)

	if code != exitUsage {
		t.Errorf("check exited %d, want %d; stdout:\n%s", code, exitUsage, stdout.String())
	}
	if want := path + ":10:14: connectors.mail.ca_file: cannot read /nonexistent/switchboard/ca.pem"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr = %q, want it to contain %q", stderr.String(), want)
	}
}

func TestReportConfigErrorHint(t *testing.T) {
	const configPath = "switchboard.yaml"
	tests := []struct {
		name     string
		err      error
		wantHint bool
	}{
		{"config file missing", fmt.Errorf("read config: %w", &fs.PathError{Op: "open", Path: configPath, Err: fs.ErrNotExist}), true},
		{"another file missing", fmt.Errorf("configure connector mail (email): %w", &fs.PathError{Op: "open", Path: "/etc/ca.pem", Err: fs.ErrNotExist}), false},
		{"config file unreadable", fmt.Errorf("read config: %w", &fs.PathError{Op: "open", Path: configPath, Err: fs.ErrPermission}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			reportConfigError(&stderr, configPath, tc.err)
			if got := strings.Contains(stderr.String(), "--config FILE"); got != tc.wantHint {
				t.Errorf("hint shown = %t, want %t:\n%s", got, tc.wantHint, stderr.String())
			}
		})
	}
}

func TestCheckRejectsMalformedPostgresDSN(t *testing.T) {
	path := filepath.Join(t.TempDir(), "switchboard.yaml")
	config := "ingest: {insecure: true}\nstorage:\n  driver: postgres\n  dsn: \"host=db password='hunter2 dbname=switchboard\"\n"
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer

	code := run([]string{"check", "--config", path}, nil, &stdout, &stderr)

	if code != exitUsage {
		t.Errorf("check exited %d, want %d; stdout:\n%s", code, exitUsage, stdout.String())
	}
	if want := path + ":4:8: storage.dsn: invalid key=value DSN: failed to parse as keyword/value"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr = %q, want it to contain %q", stderr.String(), want)
	}
	if strings.Contains(stdout.String()+stderr.String(), "hunter2") {
		t.Errorf("check printed the DSN's password:\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
	}
}
