package config

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// Summary describes a valid config the way `switchboard check` prints it: the
// file, the ingest listener, the store, one line per connector (name, type) and one
// line per route (name, target connectors, event patterns), in file order. It
// prints no secret and no option value.
func Summary(cfg *Config) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)

	fmt.Fprintf(w, "file:\t%s\n", cfg.File)
	fmt.Fprintf(w, "listen:\t%s (ingest)\n", cfg.Server.Listen)
	fmt.Fprintf(w, "admin_listen:\t%s\n", adminListen(cfg))
	fmt.Fprintf(w, "storage:\t%s %s\n", cfg.Storage.Driver, RedactDSN(cfg.Storage.DSN))
	w.Flush()

	fmt.Fprintf(w, "connectors (%d):\n", len(cfg.Connectors))
	for _, c := range cfg.Connectors {
		fmt.Fprintf(w, "  %s\t%s\n", c.Name, c.Type)
	}
	w.Flush()

	// The event patterns come last: a long list would otherwise pad every
	// route's line to its width.
	fmt.Fprintf(w, "routes (%d):\n", len(cfg.Routes))
	for _, r := range cfg.Routes {
		fmt.Fprintf(w, "  %s\tto %s\tevents %s\n", r.Name, summarizeTargets(r.To), summarizeEvents(r.Events, r.Derived))
	}
	w.Flush()
	return b.String()
}

func summarizeEvents(events []string, derived bool) string {
	text := strings.Join(events, ", ")
	if len(events) == 0 {
		text = "(all)"
	}
	if derived {
		text += " (derived too)"
	}
	return text
}

func summarizeTargets(targets []Target) string {
	names := make([]string, 0, len(targets))
	for _, t := range targets {
		names = append(names, t.Connector)
	}
	return strings.Join(names, ", ")
}

// adminListen describes the management listener: its address, or why it is
// off.
func adminListen(cfg *Config) string {
	switch {
	case cfg.Server.AdminToken.Reveal() == "":
		return "off (set server.admin_token to serve the management API, web UI and /metrics)"
	case cfg.Server.AdminListen == cfg.Server.Listen:
		return cfg.Server.AdminListen + " (shared with ingest)"
	default:
		return cfg.Server.AdminListen + " (management API, web UI, /metrics)"
	}
}
