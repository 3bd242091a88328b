package main

import (
	"fmt"
	"io"
	"time"

	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/schedule"
)

func runCheck(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("check", "check [--config FILE]",
		"Validates a config file: YAML, keys, values, ${...} references, connectors, CEL expressions and\n"+
			"templates. Lists every problem with its file:line:column and exits 2, or prints a summary.", stderr)
	configPath := configFlag(fs)
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "switchboard check: unexpected argument %q; pass the file with --config\n", fs.Arg(0))
		return exitUsage
	}

	registry, host := registryWithPlugins(readEarlySettings(*configPath), commandLogger(stderr), "warn", false)
	defer closeHost(host, 0)
	plan, err := app.LoadPlan(*configPath, registry)
	if err != nil {
		return printConfigError(stderr, *configPath, err, "")
	}
	fmt.Fprint(stdout, config.Summary(plan.Config))
	fmt.Fprint(stdout, schedule.Summary(plan.Config.Schedule, time.Now()))
	if len(plan.Warnings) > 0 {
		fmt.Fprintf(stdout, "warnings (%d):\n", len(plan.Warnings))
		for _, w := range plan.Warnings.Sorted() {
			fmt.Fprintf(stdout, "  %s\n", w.Error())
		}
	}
	fmt.Fprintf(stdout, "%s is valid\n", *configPath)
	return exitOK
}
