package plugintest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/pluginclient"
	"github.com/turbocode/switchboard/sdk/proto/pluginv1"
)

// panicDeliveryID makes the wrapped instance of checkPanic panic.
const panicDeliveryID = "dlv_plugintest_panic"

// panicking wraps the connector under test so that one delivery panics
// inside the served plugin, as a bug in the connector would.
type panicking struct{ sdk.Connector }

func (p panicking) Configure(ctx context.Context, cfg sdk.InstanceConfig) (sdk.Instance, error) {
	inst, err := p.Connector.Configure(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return panickingInstance{inst}, nil
}

type panickingInstance struct{ sdk.Instance }

func (p panickingInstance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	if req.DeliveryID == panicDeliveryID {
		panic("plugintest: a panic inside Deliver")
	}
	return p.Instance.Deliver(ctx, req)
}

// checkPanic checks that a panic in Deliver becomes a retry for that delivery
// and that the plugin goes on delivering.
func checkPanic(t *testing.T, c sdk.Connector, cfg Config) {
	h := startInProcess(t, panicking{c})
	dest := connectortest.NewDestination(t)
	dest.SetDefault(connectortest.Response{Status: 200, Body: `{"ok":true}`})
	inst := h.configure(t, cfg, dest.URL())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := h.request(t, cfg, dest.URL(), time.Now().Add(10*time.Second))
	req.DeliveryID = panicDeliveryID
	res := inst.Deliver(ctx, req)
	if res.Outcome != sdk.OutcomeRetry || !strings.Contains(res.Reason, "panic") {
		t.Errorf("panicking delivery: outcome %v, reason %q; want retry with a reason that names the panic", res.Outcome, res.Reason)
	}

	res = inst.Deliver(ctx, h.request(t, cfg, dest.URL(), time.Now().Add(10*time.Second)))
	if res.Outcome != sdk.OutcomeDelivered {
		t.Errorf("delivery after the panic: outcome %v (%s), want delivered", res.Outcome, res.Reason)
	}
}

// checkKill kills the plugin process while a delivery waits on a destination
// that does not respond, and checks that the delivery comes back as a retry.
func checkKill(t *testing.T, path string, cfg Config) {
	process, _ := launch(t, path)
	h := &harness{connector: pluginclient.Connector{Process: process}}
	dest := connectortest.NewDestination(t)
	dest.SetDefault(connectortest.Response{Delay: time.Minute})
	inst := h.configure(t, cfg, dest.URL())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results := make(chan sdk.Result, 1)
	go func() { results <- inst.Deliver(ctx, h.request(t, cfg, dest.URL(), time.Now().Add(30*time.Second))) }()
	dest.WaitRequests(t, 1, 10*time.Second)
	if err := process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill the plugin: %v", err)
	}

	select {
	case res := <-results:
		if res.Outcome != sdk.OutcomeRetry || res.Reason == "" {
			t.Errorf("delivery cut by kill -9: outcome %v, reason %q; want retry with a reason", res.Outcome, res.Reason)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Deliver did not return within 5s of the plugin's death")
	}
}

// checkHostDeath starts the plugin under a shell that acts as the host,
// kills the shell with SIGKILL, and checks that the plugin exits by itself.
func checkHostDeath(t *testing.T, path string) {
	host := exec.Command("/bin/sh", "-c", `"$0" & echo "pid $!"; wait`, path)
	host.Env = []string{
		pluginv1.Handshake.MagicCookieKey + "=" + pluginv1.Handshake.MagicCookieValue,
		"PLUGIN_PROTOCOL_VERSIONS=" + strconv.Itoa(pluginv1.ProtocolVersion),
		"PLUGIN_MIN_PORT=10000", "PLUGIN_MAX_PORT=25000",
		"PATH=" + os.Getenv("PATH"),
	}
	stdout, err := host.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := host.Start(); err != nil {
		t.Fatalf("start the stand-in host: %v", err)
	}
	pid, err := readServingPlugin(stdout, 30*time.Second)
	if err != nil {
		host.Process.Kill()
		host.Wait()
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })

	host.Process.Kill()
	host.Wait()
	if !waitExit(pid, 5*time.Second) {
		t.Errorf("plugin process %d still runs 5s after its host died; sdk.Serve's watchdog should end it", pid)
	}
}

// readServingPlugin reads the shell's "pid N" line and the plugin's handshake
// line, which shows that sdk.Serve runs, and returns the plugin's pid.
func readServingPlugin(stdout interface{ Read([]byte) (int, error) }, timeout time.Duration) (int, error) {
	type found struct {
		pid int
		err error
	}
	done := make(chan found, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		pid, serving := 0, false
		for scanner.Scan() {
			line := scanner.Text()
			if rest, ok := strings.CutPrefix(line, "pid "); ok {
				pid, _ = strconv.Atoi(rest)
			}
			serving = serving || strings.Count(line, "|") >= 4
			if pid > 0 && serving {
				done <- found{pid: pid}
				return
			}
		}
		done <- found{err: errors.New("the plugin exited before it served; it needs sdk.Serve in main")}
	}()
	select {
	case f := <-done:
		return f.pid, f.err
	case <-time.After(timeout):
		return 0, fmt.Errorf("the plugin did not start serving within %s", timeout)
	}
}

// waitExit reports whether the process exits (or is left a zombie, which
// has exited but awaits its new parent's wait) within timeout.
func waitExit(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !processRuns(pid) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func processRuns(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) == 0 || fields[0] != "Z"
}
