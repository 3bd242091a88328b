package route

import (
	"fmt"
	"testing"

	"github.com/turbocode/switchboard/core/config"
)

// issueRoutes is the number of routes benchmarkRoutes writes for issue events.
const issueRoutes = 5

// benchmarkRoutes returns n routes (n >= issueRoutes) shaped like a large
// shared config: a few routes about issues, with where, if and templated
// parameters, and the rest serving other teams' event types, half by exact
// name and half by glob.
func benchmarkRoutes(n int) []config.Route {
	routes := []config.Route{
		{
			Name:   "urgent",
			Events: []string{"issue.*"},
			Where:  []config.Match{where("data.current.priority", "high", "critical")},
			To:     []config.Target{to("slack", map[string]any{"channel": "#issues-{{ .data.current.type }}"})},
		},
		{
			Name:   "created",
			Events: []string{"issue.created"},
			If:     `data.current.issue_number > 40 && actor.type == "user"`,
			To:     []config.Target{to("hook", map[string]any{"url": "https://hooks.example.com/turbo"})},
		},
		{
			Name:   "low",
			Events: []string{"issue.*"},
			Where:  []config.Match{where("data.current.priority", "low")},
			To:     []config.Target{to("log", nil)},
		},
		{
			Name:   "ai-created",
			Events: []string{"*.created"},
			If:     `actor.type == "ai"`,
			To:     []config.Target{to("log", nil)},
		},
		{
			Name:   "closed",
			Events: []string{"issue.closed"},
			To:     []config.Target{to("mail", map[string]any{"to": "lead@example.com"})},
		},
	}

	for i := issueRoutes; i < n; i++ {
		name := fmt.Sprintf("team-%d", i)
		if i%2 == 0 {
			routes = append(routes, config.Route{
				Name:   name,
				Events: []string{fmt.Sprintf("team%d.item.created", i), fmt.Sprintf("team%d.item.closed", i)},
				Where:  []config.Match{where("context.project_id", fmt.Sprintf("p-%d", i))},
				To:     []config.Target{to("hook", map[string]any{"url": fmt.Sprintf("https://hooks.example.com/%d", i)})},
			})
			continue
		}
		routes = append(routes, config.Route{
			Name:   name,
			Events: []string{fmt.Sprintf("team%d.*", i)},
			To:     []config.Target{to("log", nil)},
		})
	}
	return routes
}

// BenchmarkEvaluate routes issue-created-high.json through configs of 10, 100
// and 1000 routes. Incoming.Doc parses the event's body once and caches it, so
// the numbers cover routing and parameter rendering only.
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			table := mustCompile(b, benchmarkRoutes(n)...)
			in := loadEvent(b, "issue-created-high.json")
			if len(table.Evaluate(in)) == 0 {
				b.Fatal("no route matched the benchmark event")
			}

			b.ReportAllocs()
			for b.Loop() {
				table.Evaluate(in)
			}
		})
	}
}
