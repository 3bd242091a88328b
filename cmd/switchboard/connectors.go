package main

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"
)

// connectorState is a connector as the management API returns it.
type connectorState struct {
	Name         string     `json:"name"`
	Type         string     `json:"type"`
	Status       string     `json:"status"`
	PauseReason  string     `json:"pause_reason"`
	PauseError   string     `json:"pause_error"`
	Attempts     int        `json:"recent_attempts"`
	SuccessRate  *float64   `json:"success_rate"`
	LastSuccess  *time.Time `json:"last_success"`
	LastError    string     `json:"last_error"`
	OpenCircuits []string   `json:"open_circuits"`
	Rejections   []string   `json:"rejected_destinations"`
	Health       string     `json:"health"`
}

func runConnectors(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "test":
			return runConnectorTest(args[1:], stdout, stderr)
		case "pause", "resume":
			return runConnectorPause(args[0], args[1:], stdout, stderr)
		}
	}
	fs := newFlags("connectors", "connectors [flags]\n       switchboard connectors test|pause|resume NAME",
		"Lists the connectors of a running instance with their health and recent success rate.\n"+
			"`connectors test NAME` sends a sample event through one and prints the answer (exit 1 unless\n"+
			"delivered); `connectors pause NAME [--reason R]` holds its deliveries; `connectors resume NAME`\n"+
			"lets them go.\n"+
			"Exit codes: 0 listed, 1 failed, 2 bad flags or arguments, 3 no such connector, 4 missing or wrong admin token.", stderr)
	af := addAdminFlags(fs)
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "switchboard connectors: unknown subcommand %q; use test, pause or resume\n", fs.Arg(0))
		return exitUsage
	}
	c, err := af.client()
	if err != nil {
		return failed(stderr, "connectors", err)
	}
	var res struct {
		Items []connectorState `json:"items"`
	}
	raw, err := c.callRaw("GET", "/api/v1/connectors", nil, &res)
	if err != nil {
		return failed(stderr, "connectors", err)
	}
	if *af.json {
		printRawJSON(stdout, raw)
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tSTATUS\tSUCCESS\tLAST SUCCESS\tDETAIL")
	for _, cs := range res.Items {
		rate := "-"
		if cs.SuccessRate != nil {
			rate = fmt.Sprintf("%.0f%% of %d", *cs.SuccessRate*100, cs.Attempts)
		}
		last := "-"
		if cs.LastSuccess != nil {
			last = shortTime(*cs.LastSuccess)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cs.Name, cs.Type, cs.Status, rate, last, clip(connectorDetail(cs), 70))
	}
	tw.Flush()
	return exitOK
}

// connectorDetail returns what the DETAIL column shows: a pause, why the
// pause state is unknown, a failed or waiting health check, open circuits,
// rejected destinations, the last error, or else
// the connector's own health message.
func connectorDetail(cs connectorState) string {
	switch {
	case cs.PauseReason != "":
		return cs.PauseReason
	case cs.PauseError != "":
		return cs.PauseError
	case cs.Status == "failed" || cs.Status == "waiting":
		return cs.Health
	case len(cs.OpenCircuits) > 0:
		return "circuit open: " + strings.Join(cs.OpenCircuits, ", ")
	case len(cs.Rejections) > 0:
		return "not sending to: " + strings.Join(cs.Rejections, "; ")
	case cs.LastError != "":
		return cs.LastError
	default:
		return cs.Health
	}
}

func runConnectorTest(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("connectors test", "connectors test NAME [--param key=value]... [flags]",
		"Sends a sample issue.created event through the connector and prints the destination's answer.\n"+
			"Without --param it uses the literal parameters of the connector's first route target.\n"+
			"Exit codes: 0 delivered, 1 not delivered or failed, 2 bad flags or arguments, 3 no such connector,\n"+
			"4 missing or wrong admin token.", stderr)
	var params paramFlags
	fs.Var(&params, "param", "a target parameter as key=value; repeat for several")
	af := addAdminFlags(fs)
	names, code := parseInterleaved(fs, args, stdout)
	if code >= 0 {
		return code
	}
	if len(names) != 1 {
		fmt.Fprintln(stderr, "switchboard connectors test: name one connector")
		return exitUsage
	}
	c, err := af.client()
	if err != nil {
		return failed(stderr, "connectors test", err)
	}

	var body any
	if len(params) > 0 {
		body = map[string]any{"params": map[string]string(params)}
	}
	var res struct {
		Outcome    string         `json:"outcome"`
		StatusCode int            `json:"status_code"`
		Response   string         `json:"response"`
		Reason     string         `json:"reason"`
		DurationMS float64        `json:"duration_ms"`
		Params     map[string]any `json:"params"`
	}
	raw, err := c.callRaw("POST", "/api/v1/connectors/"+url.PathEscape(names[0])+"/test", body, &res)
	if err != nil {
		return failed(stderr, "connectors test", err)
	}
	if *af.json {
		printRawJSON(stdout, raw)
	} else {
		fmt.Fprintf(stdout, "outcome:  %s\nstatus:   %d\nduration: %.1fms\n", res.Outcome, res.StatusCode, res.DurationMS)
		if res.Reason != "" {
			fmt.Fprintf(stdout, "reason:   %s\n", res.Reason)
		}
		if res.Response != "" {
			fmt.Fprintf(stdout, "response: %s\n", clip(res.Response, 400))
		}
	}
	if res.Outcome != "delivered" {
		return exitFailure
	}
	return exitOK
}

func runConnectorPause(action string, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("connectors "+action, "connectors "+action+" NAME [flags]",
		"Pauses a connector (its deliveries are held, not dropped) or resumes it (its held deliveries go now).\n"+
			"Exit codes: 0 done, 1 failed (resume of a connector that is not paused), 2 bad flags or arguments,\n"+
			"3 no such connector, 4 missing or wrong admin token.", stderr)
	reason := fs.String("reason", "", "with pause: why, for the audit and the UI")
	af := addAdminFlags(fs)
	names, code := parseInterleaved(fs, args, stdout)
	if code >= 0 {
		return code
	}
	if len(names) != 1 {
		fmt.Fprintf(stderr, "switchboard connectors %s: name one connector\n", action)
		return exitUsage
	}
	c, err := af.client()
	if err != nil {
		return failed(stderr, "connectors "+action, err)
	}
	var body any
	if action == "pause" && *reason != "" {
		body = map[string]string{"reason": *reason}
	}
	var cs connectorState
	raw, err := c.callRaw("POST", "/api/v1/connectors/"+url.PathEscape(names[0])+"/"+action, body, &cs)
	if err != nil {
		return failed(stderr, "connectors "+action, err)
	}
	if *af.json {
		printRawJSON(stdout, raw)
		return exitOK
	}
	if action == "resume" {
		fmt.Fprintf(stdout, "resumed connector %s: its held deliveries are due now (health: %s)\n", cs.Name, cs.Status)
		return exitOK
	}
	fmt.Fprintf(stdout, "connector %s is %s\n", cs.Name, cs.Status)
	return exitOK
}

// paramFlags collects repeated --param key=value flags.
type paramFlags map[string]string

func (p *paramFlags) String() string { return "" }

func (p *paramFlags) Set(value string) error {
	key, val, ok := strings.Cut(value, "=")
	if !ok || key == "" {
		return fmt.Errorf("%q is not key=value", value)
	}
	if *p == nil {
		*p = paramFlags{}
	}
	(*p)[key] = val
	return nil
}
