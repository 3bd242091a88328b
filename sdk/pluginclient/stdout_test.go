package pluginclient

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStartQuotesStdoutBeforeHandshake(t *testing.T) {
	long := strings.Repeat("x", 500)
	tests := []struct {
		name    string
		script  string
		want    string
		notWant string
	}{
		{"a greeting", "echo 'hello from main'\nexec sleep 5\n", `wrote "hello from main" to stdout`, ""},
		{"control characters", "printf 'bad\\033[31mred\\n'\nexec sleep 5\n", `"bad\x1b[31mred"`, "\x1b"},
		{"a long line", "echo '" + long + "'\nexec sleep 5\n", `"` + long[:maxStdoutExcerpt] + `"…`, long[:maxStdoutExcerpt+1]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "switchboard-connector-chatty")
			if err := os.WriteFile(path, []byte("#!/bin/sh\n[ \"$1\" = --describe ] && exit 1\n"+tc.script), 0o755); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := Start(ctx, Options{Name: "chatty", Path: path, StartTimeout: 5 * time.Second})
			if err == nil {
				t.Fatal("Start succeeded, want a handshake failure")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if tc.notWant != "" && strings.Contains(err.Error(), tc.notWant) {
				t.Errorf("error %q contains %q", err, tc.notWant)
			}
		})
	}
}
