// Command bench measures Switchboard end to end on this machine: it starts the
// real binary with one route to a loopback receiver, drives it with a load
// generator in this process, and prints each figure beside its target. `make
// bench` runs it and writes docs/benchmarks.md; `make test` runs a seconds-long
// version that checks the harness works.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/turbocode/switchboard/core/store/postgres/pgtest"
)

type options struct {
	binary      string
	fixture     string
	events      int
	growth      int
	growthStore string
	growthSteps string
	backlog     int
	runs        int
	concurrency int
	rate        int
	latencyFor  time.Duration
	logLevel    string
	workers     int
	scenarios   string
	out         string
	quick       bool
	noDerive    bool
	profileDir  string
	postgres    string
}

func main() {
	var o options
	flag.StringVar(&o.binary, "binary", "", "switchboard binary (default: build ./cmd/switchboard into a temporary directory)")
	flag.StringVar(&o.fixture, "fixture", "testdata/turbo/envelope/issue-created-high.json", "envelope the generated events copy")
	flag.IntVar(&o.events, "events", 60000, "events per throughput run")
	flag.IntVar(&o.growth, "growth", 1000000, "events stored before the growth scenario's 100x run; its 1x run stores 1% of them")
	flag.StringVar(&o.growthStore, "growth-store", "sqlite", "store of the growth scenario: sqlite, or postgres on the server -postgres names")
	flag.StringVar(&o.growthSteps, "growth-steps", "1,10,100", "the growth scenario's runs, as multiples of the smallest store, which holds 1% of -growth events")
	flag.IntVar(&o.backlog, "backlog", 1000000, "deliveries pending behind a down destination in the backlog scenario")
	flag.IntVar(&o.runs, "runs", 3, "runs per figure; the median is reported")
	flag.IntVar(&o.concurrency, "concurrency", 64, "connections of the closed-loop generator")
	flag.IntVar(&o.rate, "rate", 500, "events per second of the open-loop latency run")
	flag.DurationVar(&o.latencyFor, "latency-duration", 20*time.Second, "length of the latency run")
	flag.StringVar(&o.logLevel, "log-level", "info", "log.level of the system under test")
	flag.IntVar(&o.workers, "workers", 0, "delivery.workers (0: the default)")
	flag.StringVar(&o.scenarios, "scenarios", "e2e,ingest,latency,routing,backlog,growth", "comma-separated scenarios to run")
	flag.StringVar(&o.out, "out", "", "write the results as Markdown to this file")
	flag.StringVar(&o.profileDir, "profile-dir", "", "write a CPU profile of each run of the binary into this directory")
	flag.BoolVar(&o.noDerive, "no-derive", false, "run the system with ingest.derive off, to measure what deriving costs")
	flag.StringVar(&o.postgres, "postgres", os.Getenv(pgtest.EnvVar), "PostgreSQL server DSN for the postgres scenario, which runs by default when it is set (default $"+pgtest.EnvVar+")")
	flag.BoolVar(&o.quick, "quick", false, "a seconds-long run that checks the harness, with no targets enforced")
	flag.Parse()
	if !flagSet("scenarios") && o.postgres != "" {
		o.scenarios += ",postgres"
	}

	if err := run(o); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// result is one measured figure.
type result struct {
	name   string
	unit   string
	target string
	runs   []float64
	met    func(median float64) bool
	note   string
}

func (r *result) median() float64 {
	v := append([]float64(nil), r.runs...)
	sort.Float64s(v)
	if len(v) == 0 {
		return 0
	}
	return v[len(v)/2]
}

func run(o options) error {
	if o.quick {
		o.events, o.growth, o.backlog, o.runs, o.latencyFor = 2000, 4000, 2000, 1, 3*time.Second
	}
	work, err := os.MkdirTemp("", "switchboard-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if o.binary == "" {
		o.binary = filepath.Join(work, "switchboard")
		build := exec.Command("go", "build", "-o", o.binary, "./cmd/switchboard")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build the binary: %w", err)
		}
	}
	fixture, err := os.ReadFile(o.fixture)
	if err != nil {
		return err
	}

	b := &bench{o: o, work: work, fixture: compactJSON(fixture)}
	var results []*result
	for _, name := range strings.Split(o.scenarios, ",") {
		scenario, ok := scenarios[strings.TrimSpace(name)]
		if !ok {
			return fmt.Errorf("unknown scenario %q", name)
		}
		got, err := scenario(b)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", name, err)
		}
		results = append(results, got...)
	}

	report := b.report(results)
	fmt.Print(report)
	if o.out != "" {
		return os.WriteFile(o.out, []byte(report), 0o644)
	}
	if o.quick {
		for _, r := range results {
			if len(r.runs) == 0 || r.median() <= 0 {
				return fmt.Errorf("%s measured nothing", r.name)
			}
		}
	}
	return nil
}

func (b *bench) report(results []*result) string {
	var s strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&s, "Machine: %s, %d CPUs (%s/%s), %s. Generated %s.\n\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, host, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&s, "Command: `go run ./tools/bench %s`\n\n", strings.Join(os.Args[1:], " "))
	fmt.Fprintln(&s, "| figure | median | runs | target | met |")
	fmt.Fprintln(&s, "| --- | --- | --- | --- | --- |")
	for _, r := range results {
		runs := make([]string, len(r.runs))
		for i, v := range r.runs {
			runs[i] = format(v)
		}
		met := "-"
		if r.met != nil {
			met = "yes"
		}
		if r.met != nil && !r.met(r.median()) {
			met = "**no**"
		}
		fmt.Fprintf(&s, "| %s | %s %s | %s | %s | %s |\n", r.name, format(r.median()), r.unit, strings.Join(runs, ", "), r.target, met)
	}
	for _, r := range results {
		if r.note != "" {
			fmt.Fprintf(&s, "\n%s: %s\n", r.name, r.note)
		}
	}
	return s.String()
}

func format(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown CPU"
}

// flagSet reports whether the command line set the named flag.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
