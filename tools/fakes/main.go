// Command fakes runs the fake GitHub API or the fake Turbo API that the
// tests use, as a program, so that the GitHub sync can be tried on one
// machine without GitHub or Turbo:
//
//	go run ./tools/fakes github --repo acme/web --user switchboard-bot=GITHUB_TOKEN \
//	    --webhook-url http://127.0.0.1:8470/v1/github/webhook --secret-env GITHUB_WEBHOOK_SECRET
//	go run ./tools/fakes turbo --project 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f=TURBO \
//	    --token-env TURBO_API_TOKEN --webhook-url http://127.0.0.1:8470 --secret-env TURBO_WEBHOOK_SECRET
//
// Each prints the address to put in the config, logs what it does on
// stderr, and runs until it is interrupted. Secrets and tokens are read from
// the environment variables the flags name, never from the command line.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run starts the fake the first argument names and serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const usage = "usage: fakes github|turbo [flags]; add -h after github or turbo for its flags"
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return exitOK
	case "github":
		return runGitHub(ctx, args[1:], stdout, stderr)
	case "turbo":
		return runTurbo(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "fakes: unknown fake %q; use github or turbo\n", args[0])
	return exitUsage
}

// newFlags returns a flag set that prints its errors and help on stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("fakes "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args and returns an exit code to stop with, or -1.
func parse(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage
	}
	return -1
}

// listen opens the listener of --listen.
func listen(addr string, stderr io.Writer) (net.Listener, bool) {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "fakes: listen on %s: %v; pass a free address such as 127.0.0.1:0\n", addr, err)
		return nil, false
	}
	return listener, true
}

// secretFrom returns the value of the environment variable name, or an
// error that names the flag and the variable when it is unset or empty.
func secretFrom(flagName, name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("--%s is missing; name the environment variable that holds the value", flagName)
	}
	value := os.Getenv(name)
	if value == "" {
		return "", fmt.Errorf("--%s names $%s, which is not set; export it with the value Switchboard's config uses", flagName, name)
	}
	return value, nil
}

// secretOrUsage returns the value of the environment variable name, or
// prints why there is none and returns false.
func secretOrUsage(fake, flagName, name string, stderr io.Writer) (string, bool) {
	value, err := secretFrom(flagName, name)
	if err != nil {
		fmt.Fprintf(stderr, "fakes %s: %v\n", fake, err)
		return "", false
	}
	return value, true
}

// pairs collects repeated --flag key=value values.
type pairs []string

func (p *pairs) String() string { return strings.Join(*p, ",") }

func (p *pairs) Set(value string) error {
	key, val, ok := strings.Cut(value, "=")
	if !ok || key == "" || val == "" {
		return fmt.Errorf("%q is not key=value", value)
	}
	*p = append(*p, value)
	return nil
}

// each calls f with the key and value of every pair.
func (p pairs) each(f func(key, value string)) {
	for _, pair := range p {
		key, value, _ := strings.Cut(pair, "=")
		f(key, value)
	}
}

// logger writes the fakes' log lines on w, one a line.
func logger(w io.Writer) func(format string, args ...any) {
	return func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
}
