package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/sdk/clock"
)

func runServe(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("serve", "serve [--config FILE]",
		"Runs the daemon: receives events on server.listen, stores them, routes them and delivers them.\n"+
			"SIGTERM or SIGINT stops it gracefully: no new requests, running attempts finish.\n"+
			"SIGHUP, or a change of the config file, reloads the config; an invalid one is rejected and the old one kept.", stderr)
	configPath := configFlag(fs)
	pause := fs.Bool("pause-delivery", false, "accept and store events but deliver nothing (deliveries wait for a run without it)")
	logLevel := fs.String("log-level", "", "override log.level: debug, info, warn or error")
	cpuProfile := fs.String("cpu-profile", "", "write a CPU profile of the whole run to this file (for `go tool pprof`)")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "switchboard: --cpu-profile: %v\n", err)
			return exitUsage
		}
		defer stopProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// SIGHUP is caught from here on, because its default action ends the
	// process: one that arrives while the config loads is kept and reloads
	// the config once the daemon runs.
	hangup := make(chan os.Signal, 1)
	signal.Notify(hangup, syscall.SIGHUP)
	defer signal.Stop(hangup)

	// The logger comes before the config is loaded, because loading starts
	// the plugins the config names, and they log.
	settings := readEarlySettings(*configPath)
	level := settings.logLevel
	if *logLevel != "" {
		level = *logLevel
	}
	log, err := app.NewLogger(stderr, level, settings.logFormat)
	if err != nil && *logLevel != "" {
		fmt.Fprintf(stderr, "switchboard: %v\n", err)
		return exitUsage
	}
	if err != nil {
		// The config's own log settings are invalid; loading reports them.
		log, level = commandLogger(stderr), "warn"
	}
	registry, host := registryWithPlugins(settings, log, level, true)
	plan, err := app.LoadPlan(*configPath, registry)
	if err != nil {
		closeHost(host, 0)
		return reportConfigError(stderr, *configPath, err)
	}
	defer closeHost(host, plan.Config.Server.ShutdownTimeout)

	a, err := app.New(ctx, app.Options{ConfigPath: *configPath, Registry: registry, Logger: log,
		Clock: clock.System, PauseDelivery: *pause, Version: version})
	if err != nil {
		return reportConfigError(stderr, *configPath, err)
	}
	host.Observe(a.Metrics())
	go reloadOnHangup(ctx, a, hangup)
	if err := a.Run(ctx); err != nil {
		log.Error("switchboard stopped with an error", "err", err)
		return exitFailure
	}
	return exitOK
}

// reportConfigError prints config problems one per line, or any other startup
// error, and returns the exit code for it. The hint about --config comes only
// when the config file itself is missing, not a file that the config names.
func reportConfigError(stderr io.Writer, configPath string, err error) int {
	return printConfigError(stderr, configPath, err, " (`switchboard check` lists them too)")
}

// printConfigError is reportConfigError with the note that ends the list of
// problems; `check` itself passes none.
func printConfigError(stderr io.Writer, configPath string, err error, note string) int {
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs.Sorted() {
			fmt.Fprintln(stderr, e.Error())
		}
		fmt.Fprintf(stderr, "switchboard: the config has %d %s; fix %s and run again%s\n",
			len(errs), plural(len(errs), "problem", "problems"), plural(len(errs), "it", "them"), note)
		return exitUsage
	}
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) && pathErr.Path == configPath && errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "switchboard: %v\nPass the config file with --config FILE or SWITCHBOARD_CONFIG; config.example.yaml in the repository is a working start.\n", err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "switchboard: %v\n", err)
	return exitFailure
}

// startCPUProfile profiles the process into path until the returned function runs.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// reloadOnHangup reloads the config on each SIGHUP that hangup delivers
// until ctx ends.
func reloadOnHangup(ctx context.Context, a *app.App, hangup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hangup:
			a.ReloadConfig(ctx)
		}
	}
}
