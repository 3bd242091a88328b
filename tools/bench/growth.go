package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// growthScenario compares the delivered rate on stores that hold 1%, 10% and
// all of o.growth events (1x, 10x and 100x, or the steps -growth-steps names),
// to show that the cost per event stays flat as the store grows.
func (b *bench) growthScenario() ([]*result, error) {
	steps, err := growthSteps(b.o.growthSteps)
	if err != nil {
		return nil, err
	}
	label := ""
	if b.o.growthStore == "postgres" {
		label = "PostgreSQL: "
	}
	var out []*result
	for _, step := range steps {
		stored := b.o.growth / 100 * step
		rates, err := b.rateAfter(stored)
		if err != nil {
			return nil, err
		}
		out = append(out, &result{name: fmt.Sprintf("%sdelivered rate with %d events stored", label, stored), unit: "events/s", target: "-", runs: rates})
	}
	smallest := out[0]
	for _, r := range out[1:] {
		ratio := smallest.median() / r.median()
		out = append(out, &result{name: fmt.Sprintf("%sper-event cost, %s over %s", label, storedLabel(r), storedLabel(smallest)), unit: "x",
			target: "< 1.20x", runs: []float64{ratio}, met: func(m float64) bool { return m < 1.2 }})
	}
	return out, nil
}

// growthSteps parses -growth-steps: at least one positive multiple, in
// ascending order.
func growthSteps(list string) ([]int, error) {
	var steps []int
	for _, field := range strings.Split(list, ",") {
		step, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || step <= 0 || (len(steps) > 0 && step <= steps[len(steps)-1]) {
			return nil, fmt.Errorf("-growth-steps %q: want ascending positive integers such as 1,10,100", list)
		}
		steps = append(steps, step)
	}
	return steps, nil
}

// storedLabel returns the stored-event count a growth result names.
func storedLabel(r *result) string {
	name := r.name[strings.Index(r.name, "delivered rate with "):]
	return strings.TrimSuffix(strings.TrimPrefix(name, "delivered rate with "), " events stored") + " stored"
}

// rateAfter fills a fresh store with prefill events through the whole system,
// then measures the delivered rate of o.runs further bursts.
func (b *bench) rateAfter(prefill int) ([]float64, error) {
	target, err := b.startGrowthTarget()
	if err != nil {
		return nil, err
	}
	defer target.stop()
	started := time.Now()
	if _, _, err := b.deliverBurstTo(target.addrs, target.recv, target.gen, prefill, false); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "growth: stored %d events in %s\n", prefill, time.Since(started).Round(time.Second))

	var rates []float64
	for i := 0; i < b.o.runs; i++ {
		rate, _, err := b.deliverBurstTo(target.addrs, target.recv, target.gen, b.o.events, false)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "growth after %d: %.0f events/s\n", prefill, rate)
		rates = append(rates, rate)
	}
	return rates, nil
}

// growthTarget is the one instance a growth run fills and measures.
type growthTarget struct {
	addrs []string
	recv  *receiver
	gen   *generator
	stop  func()
}

// startGrowthTarget starts one instance on a fresh store of -growth-store.
func (b *bench) startGrowthTarget() (*growthTarget, error) {
	switch b.o.growthStore {
	case "sqlite":
		sys, gen, err := b.start(false)
		if err != nil {
			return nil, err
		}
		return &growthTarget{addrs: []string{sys.addr}, recv: sys.receiver, gen: gen, stop: func() { b.stop(sys) }}, nil
	case "postgres":
		if err := b.needPostgres(); err != nil {
			return nil, err
		}
		c, gen, err := b.startCluster(1, false)
		if err != nil {
			return nil, err
		}
		return &growthTarget{addrs: c.addrs(), recv: c.recv, gen: gen, stop: c.stop}, nil
	default:
		return nil, fmt.Errorf("-growth-store %q: use sqlite or postgres", b.o.growthStore)
	}
}
