package pluginclient

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestLogWriterRelogsAtLevel(t *testing.T) {
	logger, logs := connectortest.NewLogger()
	w := newLogWriter(logger.With("plugin", "teams"))

	// go-plugin writes a line and its newline in separate calls.
	for _, chunk := range []string{
		`{"time":"2026-12-01T10:00:00Z","level":"WARN","msg":"slow answer","connector":"alerts","attempt":2}`, "\n",
		`{"@level":"error","@message":"plugin init error","@timestamp":"x"}`, "\n",
		"plain line\n",
		"panic: boom\n", "goroutine 1 [running]:\n",
	} {
		w.Write([]byte(chunk))
	}

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	want := []string{
		`level=WARN msg="slow answer" plugin=teams attempt=2 connector=alerts`,
		`level=ERROR msg="plugin init error" plugin=teams`,
		`level=INFO msg="plain line" plugin=teams`,
		`level=ERROR msg="panic: boom" plugin=teams`,
		`level=ERROR msg="goroutine 1 [running]:" plugin=teams`,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines logged, want %d:\n%s", len(lines), len(want), logs.String())
	}
	for i := range want {
		if !strings.Contains(lines[i], want[i]) {
			t.Errorf("line %d = %s\nwant it to contain %s", i, lines[i], want[i])
		}
	}
	if recent := w.Recent(); len(recent) != 5 || recent[3] != "panic: boom" {
		t.Errorf("Recent() = %q, want the 5 lines", recent)
	}
}

func TestLogWriterBoundsLines(t *testing.T) {
	logger, logs := connectortest.NewLogger()
	w := newLogWriter(logger)
	w.Write([]byte(strings.Repeat("x", 3*maxLogLine) + "\nnext\n"))
	if n := len(logs.String()); n > maxLogLine+200 {
		t.Errorf("logged %d bytes for an overlong line, want it cut near %d", n, maxLogLine)
	}
	if !strings.Contains(logs.String(), "msg=next") {
		t.Error("the line after an overlong one was lost")
	}
}
