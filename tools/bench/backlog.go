package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// backlog measures the resident memory of the binary with o.backlog
// deliveries pending behind a destination that answers 503 to everything:
// its circuit opens, and the pending deliveries must wait in the store, not in
// memory.
func (b *bench) backlog() ([]*result, error) {
	rss := &result{name: fmt.Sprintf("resident memory with %d deliveries pending behind a down destination", b.o.backlog),
		unit: "MiB", target: "<= 512 MiB", met: func(m float64) bool { return m <= 512 }}
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
		mib, rssErr := residentMiB(sys.cmd.Process.Pid)
		b.stop(sys)
		if err != nil {
			return nil, err
		}
		if rssErr != nil {
			return nil, rssErr
		}
		fmt.Fprintf(os.Stderr, "backlog run %d: %d pending after %s, %.0f MiB resident\n", i+1, b.o.backlog, time.Since(started).Round(time.Second), mib)
		rss.runs = append(rss.runs, mib)
	}
	return []*result{rss}, nil
}

// residentMiB returns VmRSS of the process, in MiB.
func residentMiB(pid int) (float64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read the status of pid %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if value, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "kB")), 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmRSS %q: %w", value, err)
			}
			return kib / 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in the status of pid %d", pid)
}
