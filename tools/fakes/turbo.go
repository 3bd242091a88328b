package main

import (
	"context"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

// runTurbo runs the fake Turbo API with the projects and tags of the flags.
func runTurbo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("turbo", stderr)
	addr := fs.String("listen", "127.0.0.1:0", "address to serve the API on")
	tokenEnv := fs.String("token-env", "", "environment variable with the API token requests must carry, turbo.api_token (default: any request is accepted)")
	webhookURL := fs.String("webhook-url", "", "Switchboard's address, such as http://127.0.0.1:8470, where the fake posts its own events (default: none are sent)")
	secretEnv := fs.String("secret-env", "", "environment variable with the secret that signs the events, one of ingest.secrets; required with --webhook-url")
	mode := fs.String("mode", turbofake.ModeEnvelope, "events to post: envelope (an event for every change, to /v1/events) or native (what today's Turbo sends, to /v1/turbo/webhook)")
	var projects, tags pairs
	fs.Var(&projects, "project", "a project as id=KEY, such as 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f=TURBO; its issues get keys KEY-1, KEY-2, ...; repeat for several")
	fs.Var(&tags, "tag", "a tag as id=name; repeat for several")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if code := checkTurboFlags(*mode, projects, tags, stderr); code >= 0 {
		return code
	}

	opts := turbofake.Options{Logf: logger(stderr)}
	if *tokenEnv != "" {
		token, ok := secretOrUsage("turbo", "token-env", *tokenEnv, stderr)
		if !ok {
			return exitUsage
		}
		opts.Token = token
	}
	if *webhookURL != "" {
		secret, ok := secretOrUsage("turbo", "secret-env", *secretEnv, stderr)
		if !ok {
			return exitUsage
		}
		opts.Webhook = turbofake.Webhook{URL: *webhookURL, Secret: secret, Mode: *mode}
	}

	listener, ok := listen(*addr, stderr)
	if !ok {
		return exitFail
	}
	fake := turbofake.New(listener, opts)
	defer fake.Close()
	projects.each(func(id, key string) {
		fake.AddProject(id, key)
		fmt.Fprintf(stdout, "project %s, issue keys %s-<n>\n", id, key)
	})
	tags.each(func(id, name string) {
		fake.AddTag(id, name)
		fmt.Fprintf(stdout, "tag %s (%s)\n", name, id)
	})
	if *webhookURL != "" {
		fmt.Fprintf(stdout, "%s events go to %s, signed with $%s\n", *mode, *webhookURL, *secretEnv)
	}
	fmt.Fprintf(stdout, "fake Turbo API at %s (set turbo.api_url to it)\n", fake.URL())

	<-ctx.Done()
	return exitOK
}

// checkTurboFlags checks the mode and that project and tag ids are UUIDs.
// It returns an exit code to stop with, or -1.
func checkTurboFlags(mode string, projects, tags pairs, stderr io.Writer) int {
	if mode != turbofake.ModeEnvelope && mode != turbofake.ModeNative {
		fmt.Fprintf(stderr, "fakes turbo: unknown --mode %q; use envelope or native\n", mode)
		return exitUsage
	}
	code := -1
	for _, list := range []struct {
		flag  string
		pairs pairs
	}{{"project", projects}, {"tag", tags}} {
		list.pairs.each(func(id, _ string) {
			if _, err := uuid.Parse(id); err != nil {
				fmt.Fprintf(stderr, "fakes turbo: --%s %q: the id is not a UUID\n", list.flag, id)
				code = exitUsage
			}
		})
	}
	return code
}
