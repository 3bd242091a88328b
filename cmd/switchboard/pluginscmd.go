package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/turbocode/switchboard/connectors/plugin"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/sdk/pluginclient"
)

func runPlugins(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("plugins", "plugins [--config FILE]",
		"Lists the connector plugins in plugins.dir with their version and protocol. Plugins that the config\n"+
			"names are started, each of their connectors is configured and asked for its health, and the plugins\n"+
			"are stopped again; the others are only asked for --describe.", stderr)
	configPath := configFlag(fs)
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}

	settings := readEarlySettings(*configPath)
	registry, host := registryWithPlugins(settings, commandLogger(stderr), "warn", false)
	defer closeHost(host, 5*time.Second)
	found, err := plugin.Discover(settings.pluginsDir, append(builtins().Types(), plugin.TypeName))
	if err != nil {
		fmt.Fprintf(stderr, "switchboard plugins: %v; create the directory or set plugins.dir\n", err)
		return exitFailure
	}

	health, loadErr := connectorHealth(*configPath, registry)
	fmt.Fprintf(stdout, "plugins.dir %s\n", settings.pluginsDir)
	printPlugins(stdout, found, host.Status(), health)
	if loadErr != nil {
		fmt.Fprintf(stderr, "switchboard plugins: the config is invalid, so health is not shown for every plugin; run `switchboard check`\n")
		return exitFailure
	}
	return exitOK
}

// connectorHealth configures every plugin connector of the config and asks
// for its health; the result lists "name: health" by plugin name.
func connectorHealth(configPath string, registry app.Registry) (map[string][]string, error) {
	plan, err := app.LoadPlan(configPath, registry)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, c := range plan.Config.Connectors {
		if c.Type != plugin.TypeName {
			continue
		}
		name, _ := c.Options["plugin"].(string)
		out[name] = append(out[name], c.Name+": "+oneHealth(plan, registry, c.Name))
	}
	return out, nil
}

func oneHealth(plan *app.Plan, registry app.Registry, name string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	inst, err := app.ConfigureForPreview(ctx, plan, registry, name)
	if err != nil {
		return "not configured: " + err.Error()
	}
	defer inst.Close()
	h := inst.Health(ctx)
	if h.OK {
		return "healthy"
	}
	return "unhealthy: " + h.Message
}

func printPlugins(w io.Writer, found []plugin.Executable, statuses []plugin.Status, health map[string][]string) {
	byName := map[string]plugin.Status{}
	for _, st := range statuses {
		byName[st.Name] = st
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tPROTOCOL\tSTATE\tCONNECTORS")
	for _, exe := range found {
		version, protocol, state := describeRow(exe)
		if st, ok := byName[exe.Name]; ok {
			state = st.State
			if st.Err != nil {
				state += ": " + st.Err.Error()
			}
		}
		connectors := health[exe.Name]
		sort.Strings(connectors)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", exe.Name, version, protocol, state, orDash(strings.Join(connectors, "; ")))
	}
	tw.Flush()
	if len(found) == 0 {
		fmt.Fprintln(w, "no switchboard-connector-<name> executables found")
	}
}

// describeRow runs --describe for the version and protocols of a plugin the
// config does not start.
func describeRow(exe plugin.Executable) (version, protocol, state string) {
	if exe.Problem != "" {
		return "-", "-", "refused: " + exe.Problem
	}
	desc, err := pluginclient.Describe(context.Background(), exe.Path)
	if err != nil {
		return "-", "-", "not configured; --describe failed: " + err.Error()
	}
	versions := make([]string, len(desc.ProtocolVersions))
	for i, v := range desc.ProtocolVersions {
		versions[i] = fmt.Sprint(v)
	}
	return desc.Version, strings.Join(versions, ","), "not configured"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
