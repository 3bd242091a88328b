// Command switchboard is the Switchboard daemon and its command-line tools:
// serve runs the daemon; check validates a config; routes test shows what an
// event would cause; emit posts events to a running instance; deliveries,
// retry, cancel, replay, connectors, backup and audit operate a running
// instance through its management API.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes scripts can rely on.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed (a rejected event, a server error)
	exitUsage   = 2 // bad flags or arguments, or an invalid config
	// The commands over the management API also use exitNotFound (3) and
	// exitUnauthorized (4); see adminclient.go.
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"serve", "run the daemon: ingest, routing and delivery", runServe},
		{"check", "validate a config file and list every problem in it", runCheck},
		{"routes", "work with routes: `routes test` shows what an event would cause", runRoutes},
		{"emit", "post event files to a running instance, signed", runEmit},
		{"receive", "run a local webhook receiver that checks signatures and prints deliveries", runReceive},
		{"deliveries", "list deliveries, or `deliveries show ID` for one with its attempts", runDeliveries},
		{"retry", "retry deliveries by id, or every dead one with --all-dead", runRetry},
		{"cancel", "cancel scheduled deliveries by id, or every one that matches with --all-scheduled", runCancel},
		{"replay", "replay stored events to their routes or to one connector", runReplay},
		{"connectors", "list connectors with their health; test, pause or resume one", runConnectors},
		{"backup", "save an online copy of a running instance's store", runBackup},
		{"audit", "list the audit log of operator actions, newest first", runAudit},
		{"plugins", "list the connector plugins in plugins.dir with version, protocol and health", runPlugins},
		{"version", "print the version", runVersion},
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || isHelp(args[0]) || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "switchboard: unknown command %q; run `switchboard --help` for the list\n", args[0])
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Switchboard receives Turbo's events, routes them by YAML rules and delivers them.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: switchboard <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run `switchboard <command> --help` for a command's flags.")
}

func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

// newFlags returns a flag set that prints its usage with a description.
func newFlags(name, synopsis, description string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: switchboard %s\n\n%s\n", synopsis, description)
		if hasFlags(fs) {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	any := false
	fs.VisitAll(func(*flag.Flag) { any = true })
	return any
}

// parseFlags parses args and returns the exit code to stop with, or -1 to go on.
// --help prints the usage to stdout and stops with success.
// The flag package prints the usage itself, so it writes into a buffer that
// goes to stdout for --help and to the flag set's output for an error.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) int {
	stderr := fs.Output()
	var printed bytes.Buffer
	fs.SetOutput(&printed)
	err := fs.Parse(args)
	fs.SetOutput(stderr)

	if errors.Is(err, flag.ErrHelp) {
		stdout.Write(printed.Bytes())
		return exitOK
	}
	stderr.Write(printed.Bytes())
	if err != nil {
		return exitUsage
	}
	return -1
}

// configFlag adds --config with its default from SWITCHBOARD_CONFIG.
func configFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("SWITCHBOARD_CONFIG")
	if def == "" {
		def = "switchboard.yaml"
	}
	return fs.String("config", def, "config file (default from SWITCHBOARD_CONFIG, else switchboard.yaml)")
}

func runVersion(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("version", "version", "Prints the version of this binary.", stderr)
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	fmt.Fprintf(stdout, "switchboard %s\n", version)
	return exitOK
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, line := range lines {
		lines[i] = prefix + line
	}
	return strings.Join(lines, "\n")
}
