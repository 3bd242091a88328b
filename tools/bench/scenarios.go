package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

type bench struct {
	o       options
	work    string
	fixture []byte
	runSeq  int
}

var scenarios = map[string]func(*bench) ([]*result, error){
	"e2e":      (*bench).endToEnd,
	"ingest":   (*bench).ingestOnly,
	"latency":  (*bench).latency,
	"growth":   (*bench).growthScenario,
	"routing":  (*bench).routing,
	"backlog":  (*bench).backlog,
	"postgres": (*bench).postgresScenario,
}

func compactJSON(raw []byte) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

// start runs a fresh binary on a fresh store with a fresh receiver.
func (b *bench) start(paused bool) (*system, *generator, error) {
	return b.startWith(func(o *systemOptions) { o.paused = paused })
}

// startWith is start with the system options that adjust sets.
func (b *bench) startWith(adjust func(*systemOptions)) (*system, *generator, error) {
	b.runSeq++
	dir := filepath.Join(b.work, fmt.Sprintf("run-%d", b.runSeq))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	recv, err := startReceiver()
	if err != nil {
		return nil, nil, err
	}
	opts := systemOptions{binary: b.o.binary, dir: dir, logLevel: b.o.logLevel, workers: b.o.workers, noDerive: b.o.noDerive}
	adjust(&opts)
	if b.o.profileDir != "" {
		opts.cpuProfile = filepath.Join(b.o.profileDir, fmt.Sprintf("cpu-run-%d.pprof", b.runSeq))
	}
	sys, err := startSystem(opts, recv)
	if err != nil {
		recv.close()
		return nil, nil, err
	}
	return sys, newGenerator(b.fixture, fmt.Sprintf("%08x", b.runSeq)), nil
}

func (b *bench) stop(sys *system) {
	sys.stop()
	sys.receiver.close()
}

// loopResult is the measurements of one closed loop.
type loopResult struct {
	// last is the time the last event was accepted.
	last time.Time
	// acks contains, for each event, the milliseconds from its first send to
	// its 202, 503 retries included.
	acks []float64
	// sent maps each event id to its first send time.
	sent map[string]time.Time
}

// closedLoop sends n events over the given number of connections, spread over
// the instances at addrs, each connection sending its next event once the
// previous one got its response. A 503 is retried after a pause, as a sender would.
// It returns when every event was accepted. With track, it keeps each event's
// send time for the event-to-delivery latency.
func closedLoop(addrs []string, gen *generator, n, connections int, track bool) (loopResult, error) {
	var remaining atomic.Int64
	remaining.Store(int64(n))
	errs := make(chan error, connections)
	parts := make([]loopResult, connections)
	var wg sync.WaitGroup
	for c := range connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := newRawClient(addrs[c%len(addrs)])
			defer client.close()
			var part loopResult
			if track {
				part.sent = map[string]time.Time{}
			}
			for remaining.Add(-1) >= 0 {
				id, started, err := sendOne(client, gen)
				if err != nil {
					errs <- err
					break
				}
				part.last = time.Now()
				part.acks = append(part.acks, float64(part.last.Sub(started).Microseconds())/1000)
				if track {
					part.sent[id] = started
				}
			}
			parts[c] = part
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return loopResult{}, err
	}
	return mergeLoops(parts, n), nil
}

func mergeLoops(parts []loopResult, n int) loopResult {
	all := loopResult{acks: make([]float64, 0, n), sent: map[string]time.Time{}}
	for _, p := range parts {
		if p.last.After(all.last) {
			all.last = p.last
		}
		all.acks = append(all.acks, p.acks...)
		for id, at := range p.sent {
			all.sent[id] = at
		}
	}
	return all
}

// sendOne sends one new event until it is accepted and returns its id and
// when it was first sent.
func sendOne(client *rawClient, gen *generator) (string, time.Time, error) {
	id, body, headers := gen.event()
	started := time.Now()
	for try := 0; try < 100; try++ {
		status, err := client.post("/v1/events", headers, body)
		if err != nil {
			return "", started, err
		}
		switch {
		case status == 202:
			return id, started, nil
		case status == 503:
			time.Sleep(100 * time.Millisecond)
		default:
			return "", started, fmt.Errorf("ingest returned %d", status)
		}
	}
	return "", started, fmt.Errorf("ingest kept returning 503")
}

// waitDelivered waits until the receiver counted n deliveries.
func waitDelivered(recv *receiver, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for recv.count.Load() < int64(n) {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d deliveries arrived within %s", recv.count.Load(), n, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// deliverBurstTo sends n events spread over the instances at addrs, which
// share recv, and returns the delivered rate: n over the time from the first
// send to the last delivery. With track, it also returns each event's milliseconds from its first send to its
// first arrival at recv.
func (b *bench) deliverBurstTo(addrs []string, recv *receiver, gen *generator, n int, track bool) (float64, []float64, error) {
	if track {
		recv.reset(true)
	}
	base := recv.count.Load()
	started := time.Now()
	loop, err := closedLoop(addrs, gen, n, b.o.concurrency, track)
	if err != nil {
		return 0, nil, err
	}
	if err := waitDelivered(recv, int(base)+n, 10*time.Minute); err != nil {
		return 0, nil, err
	}
	elapsed := time.Unix(0, recv.last.Load()).Sub(started)
	if !track {
		return float64(n) / elapsed.Seconds(), nil, nil
	}
	lat, err := recv.latencies(loop.sent)
	return float64(n) / elapsed.Seconds(), lat, err
}

// percentiles is a p50 and a p99 figure, one run value per measured run.
type percentiles struct{ p50, p99 *result }

func newPercentiles(what, unit, target99 string, met99 func(float64) bool) percentiles {
	return percentiles{
		p50: &result{name: what + " p50", unit: unit, target: "-"},
		p99: &result{name: what + " p99", unit: unit, target: target99, met: met99},
	}
}

func (p percentiles) add(values []float64) {
	p.p50.runs = append(p.p50.runs, percentile(values, 50))
	p.p99.runs = append(p.p99.runs, percentile(values, 99))
}

func (p percentiles) String() string {
	return fmt.Sprintf("p50 %.2f ms, p99 %.2f ms", p.p50.runs[len(p.p50.runs)-1], p.p99.runs[len(p.p99.runs)-1])
}

func (b *bench) endToEnd() ([]*result, error) {
	r := &result{name: "events delivered end to end, durable", unit: "events/s", target: ">= 6,000 events/s",
		met: func(m float64) bool { return m >= 6000 }}
	lat := newPercentiles("event-to-delivery latency at the maximum rate (closed loop)", "ms", "-", nil)
	for i := 0; i < b.o.runs; i++ {
		sys, gen, err := b.start(false)
		if err != nil {
			return nil, err
		}
		rate, values, err := b.deliverBurstTo([]string{sys.addr}, sys.receiver, gen, b.o.events, true)
		b.stop(sys)
		if err != nil {
			return nil, err
		}
		r.runs = append(r.runs, rate)
		lat.add(values)
		fmt.Fprintf(os.Stderr, "e2e run %d: %.0f events/s, event to delivery %s\n", i+1, rate, lat)
	}
	return []*result{r, lat.p50, lat.p99}, nil
}

func (b *bench) ingestOnly() ([]*result, error) {
	r := &result{name: "events accepted at ingest, dispatcher paused", unit: "events/s", target: ">= 15,000 events/s",
		met: func(m float64) bool { return m >= 15000 }}
	lat := newPercentiles("ingest latency (send to 202) at the maximum rate (closed loop)", "ms", "-", nil)
	for i := 0; i < b.o.runs; i++ {
		sys, gen, err := b.start(true)
		if err != nil {
			return nil, err
		}
		started := time.Now()
		loop, err := closedLoop([]string{sys.addr}, gen, b.o.events, b.o.concurrency, false)
		b.stop(sys)
		if err != nil {
			return nil, err
		}
		rate := float64(b.o.events) / loop.last.Sub(started).Seconds()
		r.runs = append(r.runs, rate)
		lat.add(loop.acks)
		fmt.Fprintf(os.Stderr, "ingest run %d: %.0f events/s, send to 202 %s\n", i+1, rate, lat)
	}
	return []*result{r, lat.p50, lat.p99}, nil
}

// latency sends events at a fixed rate regardless of answers (open loop) and
// measures, for each, the time from its scheduled send to its 202 and to its
// arrival at the receiver. Measuring from the schedule counts any queueing in
// the generator too.
func (b *bench) latency() ([]*result, error) {
	delivered := newPercentiles(fmt.Sprintf("event-to-delivery latency at %d events/s (open loop)", b.o.rate), "ms", "<= 20 ms",
		func(m float64) bool { return m <= 20 })
	accepted := newPercentiles(fmt.Sprintf("ingest latency (send to 202) at %d events/s (open loop)", b.o.rate), "ms", "-", nil)
	for i := 0; i < b.o.runs; i++ {
		sys, gen, err := b.start(false)
		if err != nil {
			return nil, err
		}
		acks, lat, err := b.openLoop(sys, gen)
		b.stop(sys)
		if err != nil {
			return nil, err
		}
		delivered.add(lat)
		accepted.add(acks)
		fmt.Fprintf(os.Stderr, "latency run %d: event to delivery %s, max %.2f ms; send to 202 %s\n", i+1, delivered, percentile(lat, 100), accepted)
	}
	return []*result{delivered.p50, delivered.p99, accepted.p50, accepted.p99}, nil
}

// openLoop sends b.o.rate events a second for b.o.latencyFor and returns, in
// milliseconds from each event's scheduled send, the times to its 202 and to
// its arrival at the receiver.
func (b *bench) openLoop(sys *system, gen *generator) (acks, delivered []float64, err error) {
	sys.receiver.reset(true)
	total := int(float64(b.o.rate) * b.o.latencyFor.Seconds())
	type job struct {
		id       string
		body     []byte
		headers  [][2]string
		intended time.Time
	}
	jobs := make(chan job, total)
	intended := make(map[string]time.Time, total)
	ackTimes := make(chan float64, total)
	errs := make(chan error, 64)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := newRawClient(sys.addr)
			defer client.close()
			for j := range jobs {
				status, err := client.post("/v1/events", j.headers, j.body)
				if err != nil || status != 202 {
					select {
					case errs <- fmt.Errorf("send %s: status %d, %v", j.id, status, err):
					default:
					}
					continue
				}
				ackTimes <- float64(time.Since(j.intended).Microseconds()) / 1000
			}
		}()
	}

	start := time.Now().Add(10 * time.Millisecond)
	interval := time.Second / time.Duration(b.o.rate)
	for i := 0; i < total; i++ {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		id, body, headers := gen.event()
		intended[id] = at
		jobs <- job{id: id, body: body, headers: headers, intended: at}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	close(ackTimes)
	for err := range errs {
		return nil, nil, err
	}
	for ms := range ackTimes {
		acks = append(acks, ms)
	}
	if err := waitDelivered(sys.receiver, total, time.Minute); err != nil {
		return nil, nil, err
	}
	delivered, err = sys.receiver.latencies(intended)
	return acks, delivered, err
}

func percentile(values []float64, p float64) float64 {
	v := append([]float64(nil), values...)
	sort.Float64s(v)
	if len(v) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(v)))) - 1
	return v[max(0, min(i, len(v)-1))]
}
