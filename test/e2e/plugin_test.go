package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/turbocode/switchboard/internal/testplugin"
)

const pluginConfig = `
server:
  listen: "{{.Listen}}"
  shutdown_timeout: 5s
storage:
  dsn: "{{.Dir}}/switchboard.db"
ingest:
  secrets: ["` + standardKeyA + `"]
plugins:
  dir: "{{.Dir}}"
connectors:
  hook:
    type: plugin
    plugin: testhook
    url: "{{.Receiver}}/hook"
routes:
  - name: all
    events: ["*"]
    to: [{connector: hook}]
`

// TestPluginLeftNoProcess runs the daemon with the testhook plugin, delivers
// an event through it, stops the daemon, and checks that the plugin process
// is gone: after SIGTERM the daemon stops it, and after SIGKILL the plugin's
// watchdog ends it.
func TestPluginLeftNoProcess(t *testing.T) {
	for _, tc := range []struct {
		name string
		stop func(*instance)
	}{
		{"SIGTERM", (*instance).stop},
		{"SIGKILL", (*instance).kill},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newReceiver(t)
			in := newInstance(t, pluginConfig, rec.server.URL)
			if _, err := testplugin.Build(in.dir); err != nil {
				t.Fatal(err)
			}
			in.start()
			pid := pluginPID(t, in)

			raw, err := os.ReadFile("../../testdata/turbo/envelope/issue-created-high.json")
			if err != nil {
				t.Fatal(err)
			}
			if status, answer := in.post("/v1/events", standardHeaders(t, raw), raw); status != 202 {
				t.Fatalf("ingest answered %d: %v", status, answer)
			}
			waitFor(t, "the plugin to deliver the event", 20*time.Second, func() bool { return len(rec.requests("/hook")) == 1 })

			tc.stop(in)
			waitFor(t, "the plugin process to exit", 5*time.Second, func() bool { return !processRuns(pid) },
				func() string { return in.logs.String() })
		})
	}
}

// pluginPID returns the pid of the daemon's child that runs the testhook
// plugin, found through /proc.
func pluginPID(t *testing.T, in *instance) int {
	t.Helper()
	want := filepath.Join(in.dir, "switchboard-connector-"+testplugin.Name)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		pid, err := strconv.Atoi(entry.Name())
		if err != nil || parentPID(pid) != in.cmd.Process.Pid {
			continue
		}
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && exe == want {
			return pid
		}
	}
	t.Fatalf("no child of the daemon runs %s:\n%s", want, in.logs)
	return 0
}

// parentPID returns a process's parent, 0 when unknown.
func parentPID(pid int) int {
	fields := statFields(pid)
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// processRuns reports whether pid is a live process; a zombie, which has
// exited and waits to be reaped, does not count.
func processRuns(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	fields := statFields(pid)
	return len(fields) > 0 && fields[0] != "Z"
}

// statFields returns the fields of /proc/PID/stat after the command name,
// which is in parentheses: the state first, then the parent's pid.
func statFields(pid int) []string {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	return strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
}

const pluginCheckConfig = `
ingest:
  insecure: true
plugins:
  dir: plugins.d
connectors:
  hook:
    type: plugin
    plugin: testhook
    url: ftp://example.com
  missing:
    type: plugin
    plugin: nosuch
routes:
  - name: all
    events: ["*"]
    to: [{connector: hook, colour: red}]
`

const pluginListConfig = `
ingest:
  insecure: true
plugins:
  dir: plugins.d
connectors:
  hook:
    type: plugin
    plugin: testhook
    url: http://127.0.0.1:9/hook
routes:
  - name: all
    events: ["*"]
    to: [{connector: hook}]
`

// TestPluginConfigErrorsAtLine checks that `switchboard check` reports a
// plugin block's problems at their lines, found by the plugin's schema, by
// the host and by the plugin's target parameters, and that `switchboard
// plugins` lists the plugin with its version, protocol and state.
func TestPluginConfigErrorsAtLine(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "plugins.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := testplugin.Build(filepath.Join(dir, "plugins.d")); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(config, []byte(pluginCheckConfig), 0o600); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(binary, "check", "--config", config).CombinedOutput()
	if code := exitCode(err); code != 2 {
		t.Fatalf("check exited with %d, want 2:\n%s", code, out)
	}
	for _, want := range []string{
		config + ":10:10: connectors.hook.url: '<value>' does not match pattern",
		config + ":13:13: connectors.missing.plugin: no plugin nosuch in plugins.dir " + filepath.Join(dir, "plugins.d"),
		config + `:17:28: routes[0].to[0].colour: unknown parameter "colour"; connector type testhook takes: mode`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}

	if err := os.WriteFile(config, []byte(pluginListConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(binary, "plugins", "--config", config).CombinedOutput()
	if err != nil {
		t.Fatalf("plugins: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`testhook\s+0\.1\.0\s+1\s+running\s+hook: healthy`).Match(out) {
		t.Errorf("plugins output lacks the testhook row:\n%s", out)
	}
}

// exitCode returns a command's exit status, 0 for a nil error.
func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
