package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

const issueCreatedFile = "../../testdata/turbo/envelope/issue-created-high.json"

var fixedNow = time.Date(2026, 12, 1, 16, 5, 0, 123000000, time.UTC)

// configure returns a configured instance with a fake clock at fixedNow, closed
// when the test ends.
func configure(t testing.TB, cfg map[string]any) (*instance, *connectortest.LogBuffer) {
	t.Helper()
	ic, logs := connectortest.NewInstanceConfig(t, "audit", cfg)
	ic.Clock = clock.NewFake(fixedNow)
	if diagnostics := New().ValidateConfig(ic.Config); len(diagnostics) > 0 {
		t.Fatalf("config is invalid: %+v", diagnostics)
	}
	in, err := New().Configure(context.Background(), ic)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	t.Cleanup(func() { in.Close() })
	return in.(*instance), logs
}

func deliveryRequest(t testing.TB, id string) *sdk.DeliveryRequest {
	return &sdk.DeliveryRequest{
		DeliveryID: id,
		Attempt:    1,
		Route:      "urgent",
		Events:     []sdk.Event{connectortest.LoadEvent(t, issueCreatedFile)},
		Target:     sdk.Params{},
	}
}

// readLines returns the lines of path, each parsed as a JSON object.
func readLines(t *testing.T, path string) []map[string]json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Errorf("%s does not end with a newline", path)
	}
	var lines []map[string]json.RawMessage
	scanner := bufio.NewScanner(bytes.NewReader(data))
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		var line map[string]json.RawMessage
		if err := json.Unmarshal(scanner.Bytes(), &line); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", len(lines)+1, err, scanner.Bytes())
		}
		lines = append(lines, line)
	}
	return lines
}

func TestDeliverWritesOneJSONLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "audit.jsonl")
	in, _ := configure(t, map[string]any{"path": path})
	first := deliveryRequest(t, "dlv_a_1")
	second := deliveryRequest(t, "dlv_a_2")
	second.Attempt = 3
	second.Message = `{"text":"TURBO-42 <b>high</b>"}`
	second.Target = sdk.Params{"channel": "#urgent"}

	for _, req := range []*sdk.DeliveryRequest{first, second} {
		result := in.Deliver(context.Background(), req)
		if result.Outcome != sdk.OutcomeDelivered {
			t.Fatalf("Outcome = %v (%s)", result.Outcome, result.Reason)
		}
		if result.ExternalRef != path {
			t.Errorf("ExternalRef = %q, want the file path", result.ExternalRef)
		}
	}

	lines := readLines(t, path)
	if len(lines) != 2 {
		t.Fatalf("file has %d lines, want 2", len(lines))
	}
	want := map[string]string{
		"delivery_id":  `"dlv_a_2"`,
		"attempt":      `3`,
		"route":        `"urgent"`,
		"connector":    `"audit"`,
		"delivered_at": `"2026-12-01T16:05:00.123Z"`,
		"target":       `{"channel":"#urgent"}`,
		"message":      `"{\"text\":\"TURBO-42 <b>high</b>\"}"`,
	}
	for key, value := range want {
		if got := string(lines[1][key]); got != value {
			t.Errorf("%s = %s, want %s", key, got, value)
		}
	}
	if got := string(lines[0]["target"]); got != "{}" {
		t.Errorf("target without parameters = %s, want {}", got)
	}
	if _, ok := lines[0]["message"]; ok {
		t.Error("a line without a message has a message key")
	}

	var events []json.RawMessage
	if err := json.Unmarshal(lines[0]["events"], &events); err != nil || len(events) != 1 {
		t.Fatalf("events = %s, want a list of one envelope", lines[0]["events"])
	}
	var compact bytes.Buffer
	json.Compact(&compact, first.Events[0].Envelope)
	if !bytes.Equal(events[0], compact.Bytes()) {
		t.Errorf("event differs from the envelope:\n%s", events[0])
	}
}

func TestDeliverConcurrentWholeLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	in, _ := configure(t, map[string]any{"path": path, "dir": filepath.Join(dir, "teams"), "sync": false})
	const workers, perWorker = 8, 25

	var wg sync.WaitGroup
	var failures atomic.Int32
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				req := deliveryRequest(t, fmt.Sprintf("dlv_c_%d_%d", w, i))
				if i%2 == 1 {
					req.Target["path"] = "team-a.jsonl"
				}
				if result := in.Deliver(context.Background(), req); result.Outcome != sdk.OutcomeDelivered {
					failures.Add(1)
				}
			}
		})
	}
	wg.Wait()

	if n := failures.Load(); n != 0 {
		t.Fatalf("%d deliveries failed", n)
	}
	seen := map[string]bool{}
	for _, file := range []string{path, filepath.Join(dir, "teams", "team-a.jsonl")} {
		for _, line := range readLines(t, file) {
			seen[string(line["delivery_id"])] = true
		}
	}
	if len(seen) != workers*perWorker {
		t.Errorf("found %d distinct delivery ids, want %d", len(seen), workers*perWorker)
	}
}

func TestDeliverSyncSetting(t *testing.T) {
	for _, syncOn := range []bool{true, false} {
		t.Run(fmt.Sprintf("sync %v", syncOn), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			in, _ := configure(t, map[string]any{"path": path, "sync": syncOn})
			if (in.syncFile != nil) != syncOn {
				t.Fatalf("syncFile set = %v, want %v", in.syncFile != nil, syncOn)
			}
			var syncs atomic.Int32
			if in.syncFile != nil {
				realSync := in.syncFile
				in.syncFile = func(f *os.File) error {
					syncs.Add(1)
					return realSync(f)
				}
			}

			for i := range 3 {
				in.Deliver(context.Background(), deliveryRequest(t, fmt.Sprint("dlv_s_", i)))
			}

			if len(readLines(t, path)) != 3 {
				t.Error("file does not have 3 lines")
			}
			wantSyncs := int32(0)
			if syncOn {
				wantSyncs = 3
			}
			if n := syncs.Load(); n != wantSyncs {
				t.Errorf("fsync calls = %d, want %d", n, wantSyncs)
			}
		})
	}
}

func TestDeliverSyncFailureIsRetry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	in, _ := configure(t, map[string]any{"path": path})
	in.syncFile = func(*os.File) error { return errors.New("input/output error") }

	result := in.Deliver(context.Background(), deliveryRequest(t, "dlv_f_1"))

	if result.Outcome != sdk.OutcomeRetry {
		t.Errorf("Outcome = %v, want retry", result.Outcome)
	}
	if !strings.Contains(result.Reason, "sync") {
		t.Errorf("Reason = %q, want it to name the sync", result.Reason)
	}
	if health := in.Health(context.Background()); health.OK {
		t.Error("Health is OK after a failed write")
	}
}

func TestDeliverErrorClassification(t *testing.T) {
	tests := []struct {
		name string
		// path returns the config path, or skips the test where the case cannot
		// be built.
		path       func(t *testing.T) string
		want       sdk.Outcome
		wantReason string
	}{
		{name: "read-only dir", want: sdk.OutcomePermanent, wantReason: "permission denied", path: func(t *testing.T) string {
			if os.Geteuid() == 0 {
				t.Skip("root ignores directory permissions; the read-only proc file case covers permission errors")
			}
			dir := t.TempDir()
			if err := os.Chmod(dir, 0o500); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			return filepath.Join(dir, "audit.jsonl")
		}},
		{name: "read-only proc file", want: sdk.OutcomePermanent, wantReason: "permission denied", path: func(t *testing.T) string {
			const readOnly = "/proc/sys/kernel/osrelease" // read-only even for root
			if _, err := os.Stat(readOnly); err != nil {
				t.Skip("no /proc/sys on this system")
			}
			return readOnly
		}},
		{name: "disk full", want: sdk.OutcomeRetry, wantReason: "no space left on device", path: func(t *testing.T) string {
			if _, err := os.Stat("/dev/full"); err != nil {
				t.Skip("no /dev/full on this system")
			}
			return "/dev/full"
		}},
		{name: "path is a directory", want: sdk.OutcomePermanent, wantReason: "is a directory", path: func(t *testing.T) string {
			return t.TempDir()
		}},
		{name: "parent is a file", want: sdk.OutcomePermanent, wantReason: "not a directory", path: func(t *testing.T) string {
			parent := filepath.Join(t.TempDir(), "plain")
			os.WriteFile(parent, nil, 0o600)
			return filepath.Join(parent, "audit.jsonl")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path(t)
			in, _ := configure(t, map[string]any{"path": path, "sync": false})

			result := in.Deliver(context.Background(), deliveryRequest(t, "dlv_e_1"))

			if result.Outcome != tc.want {
				t.Errorf("Outcome = %v, want %v (reason %q)", result.Outcome, tc.want, result.Reason)
			}
			if !strings.Contains(result.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", result.Reason, tc.wantReason)
			}
		})
	}
}

func TestDeliverTargetPath(t *testing.T) {
	tests := []struct {
		name       string
		withDir    bool
		path       string
		want       sdk.Outcome
		wantFile   string
		wantReason string
	}{
		{name: "inside dir", withDir: true, path: "team-a/urgent.jsonl", want: sdk.OutcomeDelivered, wantFile: "teams/team-a/urgent.jsonl"},
		{name: "cleaned inside dir", withDir: true, path: "team-b/../team-c/./x.jsonl", want: sdk.OutcomeDelivered, wantFile: "teams/team-c/x.jsonl"},
		{name: "parent escape", withDir: true, path: "../escape.jsonl", want: sdk.OutcomePermanent, wantReason: "not a file inside dir"},
		{name: "absolute path", withDir: true, path: "/etc/escape.jsonl", want: sdk.OutcomePermanent, wantReason: "not a file inside dir"},
		{name: "empty path", withDir: true, path: "", want: sdk.OutcomePermanent, wantReason: "not a file inside dir"},
		{name: "symlink escape", withDir: true, path: "link/escape.jsonl", want: sdk.OutcomePermanent},
		{name: "no dir configured", withDir: false, path: "team-a.jsonl", want: sdk.OutcomePermanent, wantReason: "set dir"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			outside := filepath.Join(base, "outside")
			os.Mkdir(outside, 0o700)
			cfg := map[string]any{"path": filepath.Join(base, "default.jsonl"), "sync": false}
			if tc.withDir {
				cfg["dir"] = filepath.Join(base, "teams")
			}
			in, _ := configure(t, cfg)
			if tc.withDir {
				os.Symlink(outside, filepath.Join(base, "teams", "link"))
			}
			req := deliveryRequest(t, "dlv_t_1")
			req.Target["path"] = tc.path
			req.Untrusted = []string{"path"}

			result := in.Deliver(context.Background(), req)

			if result.Outcome != tc.want {
				t.Fatalf("Outcome = %v, want %v (reason %q)", result.Outcome, tc.want, result.Reason)
			}
			if !strings.Contains(result.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", result.Reason, tc.wantReason)
			}
			if tc.wantFile != "" && len(readLines(t, filepath.Join(base, tc.wantFile))) != 1 {
				t.Errorf("%s does not have the line", tc.wantFile)
			}
			if entries, _ := os.ReadDir(outside); len(entries) != 0 {
				t.Errorf("a file was written outside dir: %v", entries)
			}
			if _, err := os.Stat(filepath.Join(base, "escape.jsonl")); err == nil {
				t.Error("a file was written next to dir")
			}
		})
	}
}

func TestDeliverWithoutPathIsPermanent(t *testing.T) {
	in, _ := configure(t, map[string]any{"dir": filepath.Join(t.TempDir(), "teams")})
	result := in.Deliver(context.Background(), deliveryRequest(t, "dlv_n_1"))
	if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, "no file to append to") {
		t.Errorf("result = %+v, want a permanent failure naming the missing path", result)
	}
}

func TestDeliverAppliesMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	in, _ := configure(t, map[string]any{"path": path, "mode": "0600"})

	in.Deliver(context.Background(), deliveryRequest(t, "dlv_m_1"))

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode = %#o, want 0600", perm)
	}
}

func TestDeliverEvictsOpenFiles(t *testing.T) {
	base := t.TempDir()
	in, _ := configure(t, map[string]any{"dir": base, "sync": false})
	in.maxOpen = 2

	for i := range 12 {
		req := deliveryRequest(t, fmt.Sprint("dlv_v_", i))
		req.Target["path"] = fmt.Sprintf("f%d.jsonl", i%4)
		if result := in.Deliver(context.Background(), req); result.Outcome != sdk.OutcomeDelivered {
			t.Fatalf("delivery %d: %v (%s)", i, result.Outcome, result.Reason)
		}
	}

	if n := len(in.files); n > 2 {
		t.Errorf("%d files open, want at most 2", n)
	}
	for i := range 4 {
		if n := len(readLines(t, filepath.Join(base, fmt.Sprintf("f%d.jsonl", i)))); n != 3 {
			t.Errorf("f%d.jsonl has %d lines, want 3", i, n)
		}
	}
}

func TestDeliverCancelledContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	in, _ := configure(t, map[string]any{"path": path})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	result := in.Deliver(ctx, deliveryRequest(t, "dlv_x_1"))

	if result.Outcome != sdk.OutcomeRetry {
		t.Errorf("Outcome = %v, want retry", result.Outcome)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("the file was written after cancellation")
	}
}

func TestCloseClosesFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	in, _ := configure(t, map[string]any{"path": path})
	in.Deliver(context.Background(), deliveryRequest(t, "dlv_z_1"))
	open := in.files[path]

	if err := in.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}

	if open == nil || open.file != nil || !open.closed {
		t.Error("the file is still open after Close")
	}
	if result := in.Deliver(context.Background(), deliveryRequest(t, "dlv_z_2")); result.Outcome == sdk.OutcomeDelivered {
		t.Error("Deliver after Close succeeded")
	}
}
