package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
)

// routingLine matches one result line of BenchmarkEvaluate, such as
// "BenchmarkEvaluate/routes=100-2   123456   9876 ns/op".
var routingLine = regexp.MustCompile(`^BenchmarkEvaluate/routes=(\d+)-\d+\s+\d+\s+([\d.]+) ns/op`)

// routing runs core/route's BenchmarkEvaluate, which evaluates the
// issue-created fixture against tables of 10, 100 and 1,000 routes, once per
// run, and reports the cost of one evaluation at each size. The routes are
// indexed by event type, so the cost should grow with the routes that can
// match the event, not with the whole table.
func (b *bench) routing() ([]*result, error) {
	sizes := []string{"10", "100", "1000"}
	results := map[string]*result{}
	var out []*result
	for _, n := range sizes {
		r := &result{name: fmt.Sprintf("route evaluation with %s routes", n), unit: "µs", target: "-"}
		results[n] = r
		out = append(out, r)
	}
	benchtime := "2s"
	if b.o.quick {
		benchtime = "100x"
	}
	for i := 0; i < b.o.runs; i++ {
		cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^BenchmarkEvaluate$", "-benchtime", benchtime, "./core/route")
		cmd.Stderr = os.Stderr
		raw, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go test -bench BenchmarkEvaluate: %w", err)
		}
		scanner := bufio.NewScanner(bytes.NewReader(raw))
		for scanner.Scan() {
			m := routingLine.FindStringSubmatch(scanner.Text())
			if m == nil || results[m[1]] == nil {
				continue
			}
			ns, _ := strconv.ParseFloat(m[2], 64)
			results[m[1]].runs = append(results[m[1]].runs, ns/1000)
		}
	}
	for _, n := range sizes {
		if len(results[n].runs) != b.o.runs {
			return nil, fmt.Errorf("BenchmarkEvaluate printed %d results for %s routes, want %d", len(results[n].runs), n, b.o.runs)
		}
	}
	// Our own target: a table 100 times larger, with the same routes able to
	// match, costs less than twice as much per evaluation.
	ratio := results["1000"].median() / results["10"].median()
	out = append(out, &result{name: "route evaluation, 1000 routes over 10 routes", unit: "x", target: "< 2x",
		runs: []float64{ratio}, met: func(m float64) bool { return m < 2 }})
	return out, nil
}
