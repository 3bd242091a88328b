package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"
)

const crashConfig = `
server:
  listen: "{{.Listen}}"
  instance_id: crash-test
storage:
  dsn: "{{.Dir}}/switchboard.db"
ingest:
  secrets: ["` + standardKeyA + `"]
delivery:
  timeout: 2s
  lease: 30s
  min_backoff: 100ms
  max_backoff: 400ms
  poll_interval: 100ms
  circuit_threshold: 1000
connectors:
  hook:
    type: http
    url: "{{.Receiver}}/hook"
routes:
  - name: all
    events: ["*"]
    to: [{connector: hook}]
`

// TestKillWhileRetryingLosesNothing accepts events while the destination fails,
// kills the process with SIGKILL while deliveries are pending and retrying,
// restarts it, and checks that every accepted event is delivered. The restarted
// process takes its own leases back at once, so this happens well within the
// 30s lease.
func TestKillWhileRetryingLosesNothing(t *testing.T) {
	recv := newReceiver(t)
	recv.status.Store(http.StatusServiceUnavailable)
	in := newInstance(t, crashConfig, recv.server.URL)
	in.start()

	template, err := os.ReadFile("../../testdata/turbo/envelope/issue-created-high.json")
	if err != nil {
		t.Fatal(err)
	}
	const events = 120
	accepted := map[string]bool{}
	for i := 0; i < events; i++ {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		body := bytes.Replace(template, []byte("5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b"), []byte(id), 1)
		if status, answer := in.post("/v1/events", standardHeaders(t, body), body); status == http.StatusAccepted {
			accepted[id] = true
		} else {
			t.Fatalf("event %d: status %d, answer %v", i, status, answer)
		}
	}
	waitFor(t, "deliveries to be retrying", 10*time.Second, func() bool { return len(recv.requests("")) >= events+20 })

	in.kill()
	failedAttempts := len(recv.requests(""))
	recv.status.Store(http.StatusOK)
	restarted := time.Now()
	in.start()

	delivered := func() map[string]int {
		got := map[string]int{}
		for _, r := range recv.requests("")[failedAttempts:] {
			got[eventID(t, r.body)]++
		}
		return got
	}
	waitFor(t, "every accepted event to be delivered after the restart", 15*time.Second, func() bool {
		return len(delivered()) >= len(accepted)
	})
	took := time.Since(restarted)

	got := delivered()
	duplicates := 0
	for id := range accepted {
		if got[id] == 0 {
			t.Errorf("accepted event %s was never delivered", id)
		}
		duplicates += max(got[id]-1, 0)
	}
	t.Logf("%d events accepted; %d failed attempts before the kill; all delivered %s after the restart, %d duplicates",
		len(accepted), failedAttempts, took.Round(time.Millisecond), duplicates)
	if took > 10*time.Second {
		t.Errorf("delivery after the restart took %s; the restarted process should take its leases back at once, not after 30s", took)
	}
}

// TestKillWithDeliveryPausedLosesNothing accepts events while nothing is being
// delivered, kills the process, and restarts it with delivery on.
func TestKillWithDeliveryPausedLosesNothing(t *testing.T) {
	recv := newReceiver(t)
	in := newInstance(t, crashConfig, recv.server.URL)
	in.start("--pause-delivery")

	fixtures := loadSequence(t)
	want := map[string]bool{}
	for _, f := range fixtures {
		if f.path != "/v1/events" {
			continue
		}
		if status, answer := in.post(f.path, f.headers, f.body); status != http.StatusAccepted {
			t.Fatalf("%s: status %d, answer %v", f.name, status, answer)
		}
		want[f.eventID] = true
	}
	in.kill()
	if n := len(recv.requests("")); n != 0 {
		t.Fatalf("%d deliveries while delivery was paused", n)
	}

	in.start()
	waitFor(t, "the stored events to be delivered", 10*time.Second, func() bool { return len(recv.requests("")) >= len(want) })
	for _, r := range recv.requests("") {
		delete(want, eventID(t, r.body))
	}
	if len(want) > 0 {
		t.Errorf("never delivered: %v", want)
	}
}
