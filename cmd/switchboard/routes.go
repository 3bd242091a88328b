package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/route"
	"github.com/turbocode/switchboard/sdk"
)

// routesNow is the time `routes test` takes as now, for the receive time of
// native events, holds and owed due-date events; tests fix it.
var routesNow = time.Now

func runRoutes(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintln(stdout, "Usage: switchboard routes test --config FILE --event FILE [--store]")
		fmt.Fprintln(stdout, "\nSubcommands:\n  test   show which routes an event matches and what each target would receive")
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] != "test" {
		fmt.Fprintf(stderr, "switchboard routes: unknown subcommand %q; use `routes test`\n", args[0])
		return exitUsage
	}
	return runRoutesTest(args[1:], stdin, stdout, stderr)
}

func runRoutesTest(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("routes test", "routes test --config FILE --event FILE [--store]",
		"Shows, for one event file (an envelope, a CloudEvent, a Turbo native delivery or a GitHub webhook\n"+
			"written as {\"headers\": ..., \"body\": ...} with X-GitHub-Event), every route\n"+
			"with whether it matches and why, and for each matching target its rendered parameters and\n"+
			"the request the connector would send, then the events it derives and their routes.\n"+
			"Nothing is sent and nothing is stored.", stderr)
	configPath := configFlag(fs)
	eventPath := fs.String("event", "", "event file, or - for standard input (required)")
	useStore := fs.Bool("store", false, "derive against the entity states in the configured store (storage.dsn), read\n"+
		"only, as a real event would; it may run beside a serving instance. Default: against\n"+
		"the file's data.previous alone")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if *eventPath == "" {
		fmt.Fprintln(stderr, "switchboard routes test: --event FILE is required")
		return exitUsage
	}

	registry, host := registryWithPlugins(readEarlySettings(*configPath), commandLogger(stderr), "warn", false)
	defer closeHost(host, 0)
	plan, err := app.LoadPlan(*configPath, registry)
	if err != nil {
		return reportConfigError(stderr, *configPath, err)
	}
	f, err := readEventFile(*eventPath, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard routes test: %v\n", err)
		return exitUsage
	}
	events, err := testedEvents(f, routesNow(), plan.Config.Ingest.MaxBatch)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard routes test: %s: ingest would reject this event with 400: %v\n", f.name, err)
		return exitFailure
	}

	states, err := openEntityStates(plan.Config, *useStore)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard routes test: %v\n", err)
		return exitFailure
	}
	defer states.close()
	states.printSource(stdout)

	previews := newPreviewer(plan, registry)
	defer previews.close()
	for _, tested := range events {
		if err := printTested(stdout, plan, previews, states, tested); err != nil {
			fmt.Fprintf(stderr, "switchboard routes test: %s: %v\n", f.name, err)
			return exitFailure
		}
	}
	return exitOK
}

// printTested shows the routes one event of the file matches, then what it
// derives, unless the store holds it already.
func printTested(w io.Writer, plan *app.Plan, previews *previewer, states *entityStates, tested testedEvent) error {
	notes, stored, err := states.storedNotes(tested.in)
	if err != nil {
		return err
	}
	printDecisions(w, plan, previews, tested.in, append(tested.notes, notes...)...)
	if stored {
		return nil
	}
	return printDerived(w, plan, previews, states, tested.in)
}

// printDecisions shows the event, the notes about it, and each route with
// whether it matches and what each of its targets would receive.
func printDecisions(w io.Writer, plan *app.Plan, previews *previewer, in *event.Incoming, notes ...string) {
	env := in.Envelope
	fmt.Fprintf(w, "event %s  %s  (%s)\n", env.EventID, env.EventType, in.Format)
	for _, note := range notes {
		fmt.Fprintf(w, "  %s\n", note)
	}
	matched := 0
	for _, d := range plan.Routes.Explain(in) {
		if !d.Matched {
			fmt.Fprintf(w, "  - %s: no match: %s\n", d.Route, d.Reason)
			continue
		}
		matched++
		fmt.Fprintf(w, "  + %s: matches\n", d.Route)
		targets := routeTargets(plan, d.Route)
		for i, t := range d.Targets {
			if i < len(targets) {
				t.Params = targets[i].Redact(t.Params)
			}
			printTarget(w, plan, previews, in, t)
		}
	}
	fmt.Fprintf(w, "%d of %d routes match; nothing was sent\n\n", matched, len(plan.Config.Routes))
}

func printTarget(w io.Writer, plan *app.Plan, previews *previewer, in *event.Incoming, t route.Planned) {
	fmt.Fprintf(w, "      -> %s", t.Connector)
	if t.OrderingKey != "" {
		fmt.Fprintf(w, "  (ordered by %s)", t.OrderingKey)
	}
	fmt.Fprintln(w)
	if t.Err != nil {
		fmt.Fprintf(w, "         the delivery would be dead: target did not render: %v\n", t.Err)
		return
	}
	for _, name := range t.Params.Names() {
		fmt.Fprintf(w, "         %s: %s\n", name, jsonText(t.Params[name]))
	}
	printFlow(w, t, routesNow())

	message, ok, err := plan.Routes.RenderMessage(t.Route, []*event.Incoming{in})
	switch {
	case err != nil:
		fmt.Fprintf(w, "         the delivery would be dead: template did not render: %v\n", err)
		return
	case ok:
		fmt.Fprintf(w, "         message:\n%s\n", indent(message, "           "))
	}
	preview, err := previews.preview(t, in, message)
	if errors.Is(err, errNoPreview) {
		fmt.Fprintf(w, "         request: (%v)\n", err)
		return
	}
	if err != nil {
		fmt.Fprintf(w, "         the delivery would be dead: %v\n", err)
		return
	}
	fmt.Fprintf(w, "         request:\n%s\n", indent(preview, "           "))
}

// previewer shows what a connector would send, through sdk.Previewer, with
// instances configured only for previews.
type previewer struct {
	plan      *app.Plan
	registry  app.Registry
	instances map[string]sdk.Instance
}

func newPreviewer(plan *app.Plan, registry app.Registry) *previewer {
	return &previewer{plan: plan, registry: registry, instances: map[string]sdk.Instance{}}
}

func (p *previewer) preview(t route.Planned, in *event.Incoming, message string) (string, error) {
	inst, err := p.instance(t.Connector)
	if err != nil {
		return "", err
	}
	pv, ok := inst.(sdk.Previewer)
	if !ok {
		return "", fmt.Errorf("%w: connector %s cannot show its request", errNoPreview, t.Connector)
	}
	env := in.Envelope
	req := &sdk.DeliveryRequest{DeliveryID: "dlv_preview", Attempt: 1, Route: t.Route, Target: t.Params,
		Untrusted: t.Untrusted, Message: message, EntityKey: t.EntityKey,
		Events: []sdk.Event{{ID: env.EventID, Type: env.EventType, Time: env.Timestamp, EntityType: env.EntityType,
			EntityID: env.EntityID, Action: env.Action, Derived: env.Derived, ParentEventID: env.ParentEventID, Envelope: in.Body}}}
	previewFlow(req, t)
	return pv.Preview(context.Background(), req)
}

// errNoPreview marks a connector that cannot show its request, as opposed to a
// request the connector would reject.
var errNoPreview = errors.New("no preview")

func (p *previewer) instance(name string) (sdk.Instance, error) {
	if inst, ok := p.instances[name]; ok {
		return inst, nil
	}
	inst, err := app.ConfigureForPreview(context.Background(), p.plan, p.registry, name)
	if err != nil {
		return nil, err
	}
	p.instances[name] = inst
	return inst, nil
}

func (p *previewer) close() {
	names := make([]string, 0, len(p.instances))
	for name := range p.instances {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p.instances[name].Close()
	}
}

// routeTargets returns the targets of the named route as the config wrote them.
func routeTargets(plan *app.Plan, name string) []config.Target {
	for _, r := range plan.Config.Routes {
		if r.Name == name {
			return r.To
		}
	}
	return nil
}

// jsonText encodes v as compact JSON without escaping <, > and &, for people to
// read.
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
