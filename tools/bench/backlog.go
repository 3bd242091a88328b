package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// backlog measures the memory of the binary with o.backlog deliveries pending
// behind a destination that returns 503 to everything: its circuit opens, and
// the pending deliveries must wait in the store, not in memory. The target
// applies to the peak (VmHWM) over the whole fill. The resident memory after
// it settles (VmRSS) is reported beside it.
func (b *bench) backlog() ([]*result, error) {
	what := fmt.Sprintf("with %d deliveries pending behind a down destination", b.o.backlog)
	peak := &result{name: "peak resident memory " + what, unit: "MiB", target: "<= 512 MiB",
		met: func(m float64) bool { return m <= 512 }}
	settled := &result{name: "resident memory after the fill settles " + what, unit: "MiB", target: "-"}
	for i := 0; i < b.o.runs; i++ {
		sys, gen, err := b.startWith(func(o *systemOptions) { o.maxBacklog = b.o.backlog + 1 })
		if err != nil {
			return nil, err
		}
		sys.receiver.down.Store(true)
		started := time.Now()
		_, err = closedLoop([]string{sys.addr}, gen, b.o.backlog, b.o.concurrency, false)
		if err == nil {
			// Let the dispatcher settle: held deliveries written back, caches warm.
			time.Sleep(2 * time.Second)
		}
		memory, memErr := processMemory(sys.cmd.Process.Pid)
		b.stop(sys)
		if err != nil {
			return nil, err
		}
		if memErr != nil {
			return nil, memErr
		}
		fmt.Fprintf(os.Stderr, "backlog run %d: %d pending after %s, peak %.0f MiB, %.0f MiB resident after settling\n",
			i+1, b.o.backlog, time.Since(started).Round(time.Second), memory["VmHWM"], memory["VmRSS"])
		peak.runs = append(peak.runs, memory["VmHWM"])
		settled.runs = append(settled.runs, memory["VmRSS"])
	}
	return []*result{peak, settled}, nil
}

// processMemory returns the peak (VmHWM) and current (VmRSS) resident memory
// of the process, in MiB, by field name.
func processMemory(pid int) (map[string]float64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, fmt.Errorf("read the status of pid %d: %w", pid, err)
	}
	memory := map[string]float64{}
	for _, line := range strings.Split(string(status), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		kib, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "kB")), 64)
		if err != nil {
			return nil, fmt.Errorf("parse %s %q: %w", name, value, err)
		}
		memory[name] = kib / 1024
	}
	if len(memory) != 2 {
		return nil, fmt.Errorf("no VmHWM and VmRSS in the status of pid %d", pid)
	}
	return memory, nil
}
