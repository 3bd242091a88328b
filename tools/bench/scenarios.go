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

// closedLoop sends n events over the given number of connections, spread over
// the instances at addrs, each connection sending its next event once the previous one was answered. A 503
// is retried after its Retry-After, as a sender would. It returns when every
// event was accepted.
func closedLoop(addrs []string, gen *generator, n, connections int) (time.Time, error) {
	var remaining atomic.Int64
	remaining.Store(int64(n))
	var lastAck atomic.Int64
	errs := make(chan error, connections)
	var wg sync.WaitGroup
	for c := range connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := newRawClient(addrs[c%len(addrs)])
			defer client.close()
			for remaining.Add(-1) >= 0 {
				if err := sendOne(client, gen); err != nil {
					errs <- err
					return
				}
				lastAck.Store(time.Now().UnixNano())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return time.Time{}, err
	}
	return time.Unix(0, lastAck.Load()), nil
}

func sendOne(client *rawClient, gen *generator) error {
	_, body, headers := gen.event()
	for try := 0; try < 100; try++ {
		status, err := client.post("/v1/events", headers, body)
		if err != nil {
			return err
		}
		switch {
		case status == 202:
			return nil
		case status == 503:
			time.Sleep(100 * time.Millisecond)
		default:
			return fmt.Errorf("ingest answered %d", status)
		}
	}
	return fmt.Errorf("ingest kept answering 503")
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

// deliverBurst sends n events and returns the delivered rate: n over the time
// from the first send to the last delivery.
func (b *bench) deliverBurst(sys *system, gen *generator, n int) (float64, error) {
	return b.deliverBurstTo([]string{sys.addr}, sys.receiver, gen, n)
}

// deliverBurstTo is deliverBurst to several instances that share recv.
func (b *bench) deliverBurstTo(addrs []string, recv *receiver, gen *generator, n int) (float64, error) {
	base := recv.count.Load()
	started := time.Now()
	if _, err := closedLoop(addrs, gen, n, b.o.concurrency); err != nil {
		return 0, err
	}
	if err := waitDelivered(recv, int(base)+n, 10*time.Minute); err != nil {
		return 0, err
	}
	elapsed := time.Unix(0, recv.last.Load()).Sub(started)
	return float64(n) / elapsed.Seconds(), nil
}

func (b *bench) endToEnd() ([]*result, error) {
	r := &result{name: "events delivered end to end, durable", unit: "events/s", target: ">= 6,000 events/s",
		met: func(m float64) bool { return m >= 6000 }}
	for i := 0; i < b.o.runs; i++ {
		sys, gen, err := b.start(false)
		if err != nil {
			return nil, err
		}
		rate, err := b.deliverBurst(sys, gen, b.o.events)
		b.stop(sys)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "e2e run %d: %.0f events/s\n", i+1, rate)
		r.runs = append(r.runs, rate)
	}
	return []*result{r}, nil
}

func (b *bench) ingestOnly() ([]*result, error) {
	r := &result{name: "events accepted at ingest, dispatcher paused", unit: "events/s", target: ">= 15,000 events/s",
		met: func(m float64) bool { return m >= 15000 }}
	for i := 0; i < b.o.runs; i++ {
		sys, gen, err := b.start(true)
		if err != nil {
			return nil, err
		}
		started := time.Now()
		last, err := closedLoop([]string{sys.addr}, gen, b.o.events, b.o.concurrency)
		b.stop(sys)
		if err != nil {
			return nil, err
		}
		rate := float64(b.o.events) / last.Sub(started).Seconds()
		fmt.Fprintf(os.Stderr, "ingest run %d: %.0f events/s\n", i+1, rate)
		r.runs = append(r.runs, rate)
	}
	return []*result{r}, nil
}

// latency sends events at a fixed rate regardless of answers (open loop) and
// measures, for each, the time from its scheduled send to its arrival at the
// receiver; measuring from the schedule counts any queueing in the generator.
func (b *bench) latency() ([]*result, error) {
	p50 := &result{name: fmt.Sprintf("event-to-delivery latency p50 at %d events/s", b.o.rate), unit: "ms", target: "-"}
	p99 := &result{name: fmt.Sprintf("event-to-delivery latency p99 at %d events/s", b.o.rate), unit: "ms", target: "<= 20 ms",
		met: func(m float64) bool { return m <= 20 }}
	for i := 0; i < b.o.runs; i++ {
		sys, gen, err := b.start(false)
		if err != nil {
			return nil, err
		}
		lat, err := b.openLoop(sys, gen)
		b.stop(sys)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "latency run %d: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", i+1, percentile(lat, 50), percentile(lat, 99), percentile(lat, 100))
		p50.runs = append(p50.runs, percentile(lat, 50))
		p99.runs = append(p99.runs, percentile(lat, 99))
	}
	return []*result{p50, p99}, nil
}

func (b *bench) openLoop(sys *system, gen *generator) ([]float64, error) {
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
	errs := make(chan error, 64)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := newRawClient(sys.addr)
			defer client.close()
			for j := range jobs {
				if status, err := client.post("/v1/events", j.headers, j.body); err != nil || status != 202 {
					select {
					case errs <- fmt.Errorf("send %s: status %d, %v", j.id, status, err):
					default:
					}
				}
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
	for err := range errs {
		return nil, err
	}
	if err := waitDelivered(sys.receiver, total, time.Minute); err != nil {
		return nil, err
	}

	sys.receiver.mu.Lock()
	defer sys.receiver.mu.Unlock()
	lat := make([]float64, 0, total)
	for id, at := range intended {
		arrived, ok := sys.receiver.arrivals[id]
		if !ok {
			return nil, fmt.Errorf("event %s was never delivered", id)
		}
		lat = append(lat, float64(arrived.Sub(at).Microseconds())/1000)
	}
	return lat, nil
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
