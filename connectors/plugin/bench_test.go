package plugin

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/internal/testplugin"
	"github.com/turbocode/switchboard/sdk"
)

// BenchmarkDelivery measures one delivery of the testhook connector to an
// HTTP server in a process of its own, as a destination always is, called
// in process and through the plugin host, one
// delivery at a time. It reports the median and the 99th percentile of the
// latency; the difference of the medians is what the plugin boundary costs.
// "plugin-health" is a Health call through the host, the protocol's round
// trip without the destination.
//
//	go test -run '^$' -bench BenchmarkDelivery -benchtime 5000x ./connectors/plugin/
func BenchmarkDelivery(b *testing.B) {
	url := startDestination(b)
	config := []byte(fmt.Sprintf(`{"url":%q}`, url))

	b.Run("in-process", func(b *testing.B) {
		inst, err := testplugin.New().Configure(context.Background(), sdk.InstanceConfig{Name: "hook", Config: config})
		if err != nil {
			b.Fatal(err)
		}
		defer inst.Close()
		measure(b, inst)
	})

	block := []byte(fmt.Sprintf(`{"plugin":"testhook","url":%q}`, url))
	b.Run("plugin", func(b *testing.B) {
		measure(b, benchPluginInstance(b, block))
	})

	b.Run("plugin-health", func(b *testing.B) {
		inst := benchPluginInstance(b, block)
		measureLatency(b, func() error {
			if health := inst.Health(context.Background()); !health.OK {
				return fmt.Errorf("unhealthy: %s", health.Message)
			}
			return nil
		})
	})
}

// benchPluginInstance starts the testhook plugin and configures an instance
// of block in it; both end with the benchmark.
func benchPluginInstance(b *testing.B, block []byte) sdk.Instance {
	h := NewHost(Options{Dir: benchPluginsDir(b)})
	b.Cleanup(func() { h.Close(context.Background()) })
	k, ok := h.SelectKind(map[string]any{keyPlugin: testplugin.Name})
	if !ok {
		b.Fatal(h.ValidateConfig([]byte(`{"plugin":"testhook"}`)))
	}
	inst, err := k.Configure(context.Background(), sdk.InstanceConfig{Name: "hook", Config: block})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { inst.Close() })
	return inst
}

// measure delivers b.N times and reports the latency.
func measure(b *testing.B, inst sdk.Instance) {
	req := request("dlv_bench", "")
	measureLatency(b, func() error {
		if res := inst.Deliver(context.Background(), req); res.Outcome != sdk.OutcomeDelivered {
			return fmt.Errorf("delivery: %v %s", res.Outcome, res.Reason)
		}
		return nil
	})
}

// measureLatency runs op b.N times, after 50 runs that warm the
// connections, and reports the median and the 99th percentile of its
// latency in microseconds.
func measureLatency(b *testing.B, op func() error) {
	for range 50 {
		op()
	}
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		err := op()
		durations = append(durations, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()

	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Nanoseconds())/1000, "µs-median")
	b.ReportMetric(float64(durations[len(durations)*99/100].Nanoseconds())/1000, "µs-p99")
}

func benchPluginsDir(b *testing.B) string {
	dir := b.TempDir()
	if _, err := testplugin.Build(dir); err != nil {
		b.Fatal(err)
	}
	return dir
}

// destinationEnv makes the test binary serve as the benchmark's destination.
const destinationEnv = "PLUGIN_TEST_DESTINATION"

// serveDestination responds with 200 to every request on a loopback port, which it
// prints, until its parent ends it.
func serveDestination() {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("http://" + listener.Addr().String())
	http.Serve(listener, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
}

// startDestination runs the test binary as a destination in its own process
// and returns its URL.
func startDestination(b *testing.B) string {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), destinationEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("read the destination's address: %v", err)
	}
	return strings.TrimSpace(line)
}
