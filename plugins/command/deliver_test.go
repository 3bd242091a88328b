package command

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

const (
	envelopeDir = "../../testdata/turbo/envelope/"
	commentFile = envelopeDir + "comment-created.json"
	apiToken    = "api-token-5fQ9wZ2c"
)

// raceQuickExit stops a test binary built with -race from sleeping a second
// before it exits 0, which the race detector does by default.
const raceQuickExit = "atexit_sleep_ms=0"

// testBinary returns the path of this test binary, which acts as the
// connector's program when COMMANDTEST_MODE is set.
func testBinary(t testing.TB) string {
	t.Helper()
	path, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// configure returns an instance that runs this test binary in mode, with
// extra env variables and config keys, closed when the test ends.
func configure(t testing.TB, mode string, env map[string]string, extra map[string]any) (sdk.Instance, *connectortest.LogBuffer) {
	t.Helper()
	allEnv := map[string]string{modeEnv: mode, "API_TOKEN": apiToken, "GORACE": raceQuickExit}
	for key, value := range env {
		allEnv[key] = value
	}
	cfg := map[string]any{"command": []string{testBinary(t)}, "env": allEnv}
	for key, value := range extra {
		cfg[key] = value
	}
	ic, logs := connectortest.NewInstanceConfig(t, "assistant", cfg)
	if diagnostics := New().ValidateConfig(ic.Config); len(diagnostics) > 0 {
		t.Fatalf("config is invalid: %+v", diagnostics)
	}
	in, err := New().Configure(context.Background(), ic)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	t.Cleanup(func() { in.Close() })
	return in, logs
}

func deliveryRequest(t testing.TB, files ...string) *sdk.DeliveryRequest {
	t.Helper()
	req := &sdk.DeliveryRequest{DeliveryID: "dlv_test_7", Attempt: 2, Route: "assistant", EntityKey: "issue:3b2f8e1a"}
	for _, file := range files {
		req.Events = append(req.Events, connectortest.LoadEvent(t, file))
	}
	return req
}

func deliverWithin(in sdk.Instance, req *sdk.DeliveryRequest, timeout time.Duration) sdk.Result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return in.Deliver(ctx, req)
}

func TestDeliverClassifiesExitCodes(t *testing.T) {
	tests := []struct {
		code       int
		retryCodes []int
		want       sdk.Outcome
		wantReason string
	}{
		{code: 0, want: sdk.OutcomeDelivered},
		{code: 75, want: sdk.OutcomeRetry, wantReason: "exited with 75, a code in retry_exit_codes"},
		{code: 1, want: sdk.OutcomePermanent, wantReason: "exited with 1; the codes that ask for a retry are 75"},
		{code: 2, retryCodes: []int{2, 3}, want: sdk.OutcomeRetry},
		{code: 75, retryCodes: []int{}, want: sdk.OutcomePermanent, wantReason: "are none"},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			extra := map[string]any{}
			if tc.retryCodes != nil {
				extra["retry_exit_codes"] = tc.retryCodes
			}
			in, _ := configure(t, "exit", map[string]string{"COMMANDTEST_CODE": strconv.Itoa(tc.code)}, extra)

			result := deliverWithin(in, deliveryRequest(t, commentFile), 30*time.Second)

			if result.Outcome != tc.want {
				t.Errorf("Outcome = %v, want %v (reason %q)", result.Outcome, tc.want, result.Reason)
			}
			if result.StatusCode != tc.code {
				t.Errorf("StatusCode = %d, want the exit code %d", result.StatusCode, tc.code)
			}
			if !strings.Contains(result.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", result.Reason, tc.wantReason)
			}
			if !strings.HasPrefix(result.Response, "read ") {
				t.Errorf("Response = %q, want the program's output", result.Response)
			}
		})
	}
}

func TestDeliverWritesEventToStdin(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		message string
		check   func(t *testing.T, stdout string)
	}{
		{"one event", []string{commentFile}, "", func(t *testing.T, stdout string) {
			want, _ := os.ReadFile(commentFile)
			if !strings.HasPrefix(stdout, string(want)) {
				t.Errorf("stdin was %q, want the envelope", stdout)
			}
		}},
		{"digest", []string{commentFile, envelopeDir + "issue-closed.json"}, "", func(t *testing.T, stdout string) {
			var envelopes []map[string]any
			if err := json.NewDecoder(strings.NewReader(stdout)).Decode(&envelopes); err != nil || len(envelopes) != 2 {
				t.Errorf("stdin was %q, want an array of 2 envelopes (%v)", stdout, err)
			}
		}},
		{"route template", []string{commentFile}, "Summarise the comment on TURBO-42", func(t *testing.T, stdout string) {
			if !strings.HasPrefix(stdout, "Summarise the comment on TURBO-42") {
				t.Errorf("stdin was %q, want the template's output", stdout)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, _ := configure(t, "echo", nil, map[string]any{"max_output_bytes": 1 << 20})
			req := deliveryRequest(t, tc.files...)
			req.Message = tc.message

			report := in.(*instance).runCommand(context.Background(), req, mustStdin(t, req))

			if report.state.exitCode != 0 {
				t.Fatalf("the program exited with %d", report.state.exitCode)
			}
			out, _ := report.output.Tail(1 << 20)
			tc.check(t, out)
		})
	}
}

func mustStdin(t *testing.T, req *sdk.DeliveryRequest) []byte {
	t.Helper()
	stdin, err := standardInput(req)
	if err != nil {
		t.Fatal(err)
	}
	return stdin
}

func TestDeliverSetsEnvironment(t *testing.T) {
	t.Setenv("PLUGIN_PROTOCOL_VERSIONS", "1")
	t.Setenv("SWITCHBOARD_PLUGIN_COOKIE", "cookie")
	in, _ := configure(t, "echo", map[string]string{"EXTRA_SETTING": "on"}, nil)
	req := deliveryRequest(t, commentFile)

	report := in.(*instance).runCommand(context.Background(), req, mustStdin(t, req))
	out, _ := report.output.Tail(DefaultMaxOutputBytes)

	for _, want := range []string{
		"SWITCHBOARD_DELIVERY_ID=dlv_test_7", "SWITCHBOARD_ATTEMPT=2", "SWITCHBOARD_ROUTE=assistant",
		"SWITCHBOARD_ENTITY_KEY=issue:3b2f8e1a", "SWITCHBOARD_EVENT_COUNT=1", "SWITCHBOARD_EVENT_TYPE=comment.created",
		"SWITCHBOARD_EVENT_ID=" + req.Events[0].ID, "EXTRA_SETTING=on",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("the environment lacks %s; output:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"PLUGIN_PROTOCOL_VERSIONS", "SWITCHBOARD_PLUGIN_COOKIE"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("the environment passes the plugin protocol's %s", unwanted)
		}
	}
}

func TestDeliverTimeoutKillsProcessGroup(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	in, _ := configure(t, "spawn", map[string]string{"COMMANDTEST_PIDFILE": pidFile}, nil)

	// The timeout leaves a loaded machine time to start the command and its
	// child, which must exist for the check that the kill reached it.
	const timeout = 3 * time.Second
	start := time.Now()
	result := deliverWithin(in, deliveryRequest(t, commentFile), timeout)
	elapsed := time.Since(start)

	if result.Outcome != sdk.OutcomeRetry || !strings.Contains(result.Reason, "timed out") || !strings.Contains(result.Reason, "process group was killed") {
		t.Errorf("result = %+v, want a retry that says it timed out and killed the group", result)
	}
	if elapsed > timeout+pipeWait+time.Second {
		t.Errorf("Deliver returned after %s, want soon after the %s timeout", elapsed, timeout)
	}
	checkExited(t, readPID(t, pidFile))
}

func TestDeliverCancelKillsProcessGroup(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	in, _ := configure(t, "spawn", map[string]string{"COMMANDTEST_PIDFILE": pidFile}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	results := make(chan sdk.Result, 1)

	go func() { results <- in.Deliver(ctx, deliveryRequest(t, commentFile)) }()
	pid := waitPIDFile(t, pidFile)
	cancel()

	select {
	case result := <-results:
		if result.Outcome != sdk.OutcomeRetry || !strings.Contains(result.Reason, "cancelled") {
			t.Errorf("result = %+v, want a retry that says cancelled", result)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Deliver did not return within 2s of the cancellation")
	}
	checkExited(t, pid)
}

func TestDeliverReturnsWhenBackgroundChildHoldsOutput(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	in, _ := configure(t, "background", map[string]string{"COMMANDTEST_PIDFILE": pidFile}, nil)

	start := time.Now()
	result := deliverWithin(in, deliveryRequest(t, commentFile), 30*time.Second)

	t.Cleanup(func() { syscall.Kill(readPID(t, pidFile), syscall.SIGKILL) })
	if result.Outcome != sdk.OutcomeDelivered {
		t.Errorf("result = %+v, want delivered: the program exited 0", result)
	}
	if elapsed := time.Since(start); elapsed > pipeWait+5*time.Second {
		t.Errorf("Deliver took %s, want about %s at most", elapsed, pipeWait)
	}
}

func TestDeliverBoundsOutput(t *testing.T) {
	in, logs := configure(t, "noisy", nil, map[string]any{"max_output_bytes": 4096})

	result := deliverWithin(in, deliveryRequest(t, commentFile), 30*time.Second)

	if result.Outcome != sdk.OutcomePermanent || result.StatusCode != 3 {
		t.Fatalf("result = %+v, want a permanent failure with exit code 3", result)
	}
	if len(result.Response) > sdk.MaxResponseExcerpt {
		t.Errorf("Response is %d bytes, want at most %d", len(result.Response), sdk.MaxResponseExcerpt)
	}
	if !strings.HasPrefix(result.Response, "…") || !strings.HasSuffix(result.Response, "the last line: failure ünïcödé\n") {
		t.Errorf("Response = %q, want the end of the output after …", result.Response)
	}
	logged := logs.String()
	wantBytes := 10000*100 + len("the last line: failure ünïcödé\n")
	if !strings.Contains(logged, "command failed") || !strings.Contains(logged, "output_bytes="+strconv.Itoa(wantBytes)) {
		t.Errorf("the log does not report the failure with the output's size:\n%s", logged)
	}
	if len(logged) > 4096+2048 {
		t.Errorf("the log is %d bytes, want the output bounded by max_output_bytes", len(logged))
	}
}

func TestDeliverProgramMissing(t *testing.T) {
	in, _ := configure(t, "exit", nil, nil)
	instance := in.(*instance)
	instance.program = filepath.Join(t.TempDir(), "removed")

	result := deliverWithin(in, deliveryRequest(t, commentFile), 10*time.Second)

	if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, "start "+instance.program) {
		t.Errorf("result = %+v, want a permanent failure naming the program", result)
	}
	if health := in.Health(context.Background()); health.OK {
		t.Errorf("Health = %+v, want not OK", health)
	}
}

func TestNoSecretLeak(t *testing.T) {
	in, logs := configure(t, "secret", nil, nil)
	req := deliveryRequest(t, commentFile)

	result := deliverWithin(in, req, 30*time.Second)
	preview, err := in.(sdk.Previewer).Preview(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}

	if !strings.Contains(result.Response, "token is <redacted>") {
		t.Errorf("Response = %q, want the token redacted", result.Response)
	}
	connectortest.CheckNoSecretLeak(t, []string{apiToken}, result, logs.String()+preview)
}

func TestPreviewShowsRun(t *testing.T) {
	in, _ := configure(t, "exit", nil, map[string]any{"dir": t.TempDir()})
	req := deliveryRequest(t, commentFile)

	preview, err := in.(sdk.Previewer).Preview(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}

	for _, want := range []string{"run " + testBinary(t), "with API_TOKEN, COMMANDTEST_MODE, GORACE set (values hidden)", `"event_type": "comment.created"`} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview lacks %q:\n%s", want, preview)
		}
	}
}

// waitPIDFile waits until the program wrote its child's pid and returns it.
func waitPIDFile(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && len(data) > 0 {
			pid, _ := strconv.Atoi(string(data))
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the program wrote no pid to %s within 10s", path)
	return 0
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the child's pid: %v", err)
	}
	pid, _ := strconv.Atoi(string(data))
	return pid
}

// checkExited fails the test unless the process pid ends within 2s. The
// child is reparented to init, which reaps it, so a zombie counts as ended.
func checkExited(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if !running(pid) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Errorf("the program's child %d still runs after the delivery ended", pid)
}

func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	text := string(stat)
	fields := strings.Fields(text[strings.LastIndexByte(text, ')')+1:])
	return len(fields) == 0 || fields[0] != "Z"
}
