package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBackoffHasJitter fails the first two attempts of ten deliveries to one
// destination and checks the wait before each third attempt. Each wait must
// lie between the minimum backoff and twice it, the cap after two failures,
// and the waits must spread out rather than be the same for every delivery.
func TestBackoffHasJitter(t *testing.T) {
	t.Parallel()
	dest := newFaultServer(t, respond(500), respond(500))
	in := newInstance(t, faultConfig(map[string]string{"jitter": dest.server.URL + "/hook"}), "")
	in.start()

	const deliveries = 10
	sendCopies(t, in, deliveries, "8c8c8c8c")
	waitFor(t, "third attempts of every delivery", 20*time.Second, func() bool {
		return len(dest.gaps(2)) == deliveries
	})

	gaps := dest.gaps(2)
	slices.Sort(gaps)
	// The poller looks for due retries every 50ms, and a loaded machine adds a
	// little more.
	const slack = 150 * time.Millisecond
	for _, gap := range gaps {
		if gap < faultMinBackoff || gap > 2*faultMinBackoff+slack {
			t.Errorf("wait before a third attempt = %s, want between %s and %s", gap, faultMinBackoff, 2*faultMinBackoff+slack)
		}
	}
	if spread := gaps[len(gaps)-1] - gaps[0]; spread < faultMinBackoff/4 {
		t.Errorf("waits before the third attempts spread over %s (%v), want full jitter over up to %s", spread, gaps, faultMinBackoff)
	}
}

// lateAfter is the event-to-delivery latency past which a healthy
// destination's delivery counts as late. It is a third of the slow
// destination's 3 s response time, so a delivery that waits for a worker held by
// the slow destination is late. Scheduling delays on a loaded 2-core machine
// stay well below it: at load average 15, the p99 with every destination up
// was 333 ms.
const lateAfter = time.Second

// TestFailingDestinationsSpareHealthyOne measures the latency of a healthy
// destination while every destination responds at once, then while another
// destination is down (503 to every attempt) and a third one is slow (each
// response takes 3s), with 4 workers and at most 2 in flight per destination.
// The down destination's circuit must open, the slow one must never have more
// than 2 requests at once, and neither may slow the healthy one down. The
// latency checks compare the median and the count of late deliveries with
// the same run's baseline, because both stay steady on a loaded machine
// where a p99 swings by hundreds of milliseconds.
func TestFailingDestinationsSpareHealthyOne(t *testing.T) {
	t.Parallel()
	healthy, down, slow := newFaultServer(t), newFaultServer(t), newFaultServer(t)
	config := faultConfig(map[string]string{"healthy": healthy.server.URL + "/hook",
		"down": down.server.URL + "/hook", "slow": slow.server.URL + "/hook"})
	config = strings.Replace(config, "  circuit_threshold: 1000\n",
		"  circuit_threshold: 3\n  circuit_cooldown: 2s\n  workers: 4\n  max_in_flight_per_destination: 2\n  timeout: 5s\n", 1)
	config = strings.Replace(config, "  timeout: 1s\n", "", 1)
	in := newInstance(t, config, "")
	in.start()

	const events, rate, maxInFlight = 100, 50, 2
	before := sendAtRate(t, in, healthy, events, rate, "1a1a1a1a")
	down.setAfter(respond(http.StatusServiceUnavailable))
	slow.setAfter(stall(3 * time.Second))
	during := sendAtRate(t, in, healthy, events, rate, "2b2b2b2b")

	t.Logf("healthy destination latency: p50 %s, p99 %s, %d late with every destination up; p50 %s, p99 %s, %d late with one down and one slow",
		percentileOf(before, 50), percentileOf(before, 99), countLate(before), percentileOf(during, 50), percentileOf(during, 99), countLate(during))
	if p50 := percentileOf(during, 50); p50 > percentileOf(before, 50)+100*time.Millisecond {
		t.Errorf("healthy p50 latency %s with one destination down and one slow, want within 100ms of %s", p50, percentileOf(before, 50))
	}
	// Five in a hundred allows for a burst of scheduling delay at load, but not
	// for a stall of a few seconds, which makes every event sent meanwhile late.
	if late, baseline := countLate(during), countLate(before); late > baseline+events/20 {
		t.Errorf("%d of %d healthy deliveries took over %s with one destination down and one slow, want at most %d more than the %d with every destination up",
			late, events, lateAfter, events/20, baseline)
	}
	if !strings.Contains(in.logs.String(), "circuit opened") {
		t.Errorf("the down destination's circuit never opened; log:\n%s", in.logs)
	}
	if n := down.attemptCount(); n >= events {
		t.Errorf("the down destination got %d attempts for %d deliveries, want fewer: its circuit should hold them", n, events)
	}
	// The slow destination has a hundred deliveries of 3 s each, so it is at
	// its limit for the whole run.
	if n := slow.maxConcurrent(); n != maxInFlight {
		t.Errorf("the slow destination handled up to %d requests at once, want max_in_flight_per_destination (%d)", n, maxInFlight)
	}
}

// countLate returns how many latencies exceed lateAfter.
func countLate(latencies []time.Duration) int {
	n := 0
	for _, l := range latencies {
		if l > lateAfter {
			n++
		}
	}
	return n
}

// sendCopies posts n copies of the issue-created fixture, each with an event
// id that starts with prefix.
func sendCopies(t *testing.T, in *instance, n int, prefix string) []string {
	t.Helper()
	body := readFixture(t, "envelope/issue-created-high.json")
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("%s-0000-4000-8000-%012d", prefix, i)
		copy := bytes.Replace(body, []byte("5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b"), []byte(ids[i]), 1)
		if status, answer := in.post("/v1/events", standardHeaders(t, copy), copy); status != http.StatusAccepted {
			t.Fatalf("event %d: status %d, answer %v", i, status, answer)
		}
	}
	return ids
}

// sendAtRate posts n events at rate per second and returns, for each, the
// time from its send to its arrival at dest.
func sendAtRate(t *testing.T, in *instance, dest *faultServer, n, rate int, prefix string) []time.Duration {
	t.Helper()
	body := readFixture(t, "envelope/issue-created-high.json")
	sent := map[string]time.Time{}
	start := time.Now()
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
		id := fmt.Sprintf("%s-0000-4000-8000-%012d", prefix, i)
		copy := bytes.Replace(body, []byte("5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b"), []byte(id), 1)
		sent[id] = time.Now()
		if status, answer := in.post("/v1/events", standardHeaders(t, copy), copy); status != http.StatusAccepted {
			t.Fatalf("event %d: status %d, answer %v", i, status, answer)
		}
	}

	var latencies []time.Duration
	waitFor(t, "every event at the healthy destination", 10*time.Second, func() bool {
		latencies = latencies[:0]
		for id, at := range sent {
			arrived, ok := dest.arrivedAt(id)
			if !ok {
				return false
			}
			latencies = append(latencies, arrived.Sub(at))
		}
		return true
	})
	return latencies
}

// percentileOf returns the p-th percentile of values, by the nearest-rank method.
func percentileOf(values []time.Duration, p int) time.Duration {
	v := slices.Clone(values)
	slices.Sort(v)
	if len(v) == 0 {
		return 0
	}
	rank := (p*len(v) + 99) / 100
	return v[max(rank-1, 0)].Round(10 * time.Microsecond)
}
