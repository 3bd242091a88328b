package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/turbocode/switchboard/core/store/postgres/pgtest"
)

// cluster is one run on PostgreSQL: one or more instances on a new schema of
// the server, sending to one receiver.
type cluster struct {
	systems []*system
	recv    *receiver
	drop    func()
}

func (c *cluster) addrs() []string {
	addrs := make([]string, len(c.systems))
	for i, s := range c.systems {
		addrs[i] = s.addr
	}
	return addrs
}

func (c *cluster) stop() {
	for _, s := range c.systems {
		s.stop()
	}
	c.recv.close()
	c.drop()
}

// startCluster starts instances binaries on a new schema. Each has the
// default pool of 16 connections and its own instance id.
func (b *bench) startCluster(instances int, paused bool) (*cluster, *generator, error) {
	b.runSeq++
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn, drop, err := pgtest.NewSchema(ctx, b.o.postgres, fmt.Sprintf("bench_%d_%d", os.Getpid(), b.runSeq))
	if err != nil {
		return nil, nil, err
	}
	recv, err := startReceiver()
	if err != nil {
		drop()
		return nil, nil, err
	}
	c := &cluster{recv: recv, drop: drop}
	for i := range instances {
		dir := filepath.Join(b.work, fmt.Sprintf("run-%d-%d", b.runSeq, i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			c.stop()
			return nil, nil, err
		}
		opts := systemOptions{binary: b.o.binary, dir: dir, paused: paused, logLevel: b.o.logLevel, workers: b.o.workers,
			noDerive: b.o.noDerive, storage: fmt.Sprintf("driver: postgres\n  dsn: %q", dsn), instanceID: fmt.Sprintf("bench-%d", i)}
		sys, err := startSystem(opts, recv)
		if err != nil {
			c.stop()
			return nil, nil, err
		}
		c.systems = append(c.systems, sys)
	}
	return c, newGenerator(b.fixture, fmt.Sprintf("%08x", b.runSeq)), nil
}

// postgresScenario measures end to end and at ingest on PostgreSQL, with one
// instance and with two instances sharing the database, the load generator's
// connections split between them.
func (b *bench) postgresScenario() ([]*result, error) {
	if err := b.needPostgres(); err != nil {
		return nil, err
	}
	var results []*result
	for _, instances := range []int{1, 2} {
		label := map[int]string{1: "one instance", 2: "two instances"}[instances]
		e2e := &result{name: "PostgreSQL, " + label + ": events delivered end to end", unit: "events/s", target: "-"}
		ingest := &result{name: "PostgreSQL, " + label + ": events accepted at ingest, dispatcher paused", unit: "events/s", target: "-"}
		for i := 0; i < b.o.runs; i++ {
			rate, err := b.clusterRun(instances, false)
			if err != nil {
				return nil, err
			}
			e2e.runs = append(e2e.runs, rate)
			if rate, err = b.clusterRun(instances, true); err != nil {
				return nil, err
			}
			ingest.runs = append(ingest.runs, rate)
		}
		results = append(results, e2e, ingest)
	}
	return results, nil
}

// clusterRun sends o.events events to a fresh cluster and returns the rate:
// delivered end to end, or accepted when paused.
func (b *bench) clusterRun(instances int, paused bool) (float64, error) {
	c, gen, err := b.startCluster(instances, paused)
	if err != nil {
		return 0, err
	}
	defer c.stop()
	var rate float64
	if paused {
		started := time.Now()
		loop, err := closedLoop(c.addrs(), gen, b.o.events, b.o.concurrency, false)
		if err != nil {
			return 0, err
		}
		rate = float64(b.o.events) / loop.last.Sub(started).Seconds()
	} else if rate, _, err = b.deliverBurstTo(c.addrs(), c.recv, gen, b.o.events, false); err != nil {
		return 0, err
	}
	fmt.Fprintf(os.Stderr, "postgres, %d instance(s), paused %t: %.0f events/s\n", instances, paused, rate)
	return rate, nil
}

// needPostgres fails without a PostgreSQL server to run on.
func (b *bench) needPostgres() error {
	if b.o.postgres == "" {
		return fmt.Errorf("no PostgreSQL server: set -postgres or %s (scripts/pg-test-cluster run starts one)", pgtest.EnvVar)
	}
	return nil
}
