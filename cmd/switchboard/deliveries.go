package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"
	"time"
)

// delivery is a delivery as the management API returns it.
type delivery struct {
	ID          string          `json:"id"`
	EventID     string          `json:"event_id"`
	EventType   string          `json:"event_type"`
	Route       string          `json:"route"`
	Connector   string          `json:"connector"`
	Target      json.RawMessage `json:"target"`
	Destination string          `json:"destination"`
	Status      string          `json:"status"`
	HoldReason  string          `json:"hold_reason"`
	Attempts    int             `json:"attempts"`
	LastError   string          `json:"last_error"`
	CreatedAt   time.Time       `json:"created_at"`
	NextAt      *time.Time      `json:"next_at"`
	AttemptList []attempt       `json:"attempt_list"`
}

type attempt struct {
	Number     int       `json:"number"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS float64   `json:"duration_ms"`
	Outcome    string    `json:"outcome"`
	StatusCode int       `json:"status_code"`
	Response   string    `json:"response"`
	Error      string    `json:"error"`
}

func runDeliveries(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "show" {
		return runDeliveryShow(args[1:], stdout, stderr)
	}
	fs := newFlags("deliveries", "deliveries [--status S] [--route R] [--connector C] [--cursor C] [flags]\n       switchboard deliveries show ID",
		"Lists deliveries of a running instance, newest first, through its management API, one page\n"+
			"at a time: when more match, the last line gives the --cursor of the next page (with --json,\n"+
			"next_cursor). A held delivery is scheduled, with its hold reason in parentheses.\n"+
			"`deliveries show ID` prints one delivery with every attempt.\n"+
			"Exit codes: 0 listed, 1 failed, 2 bad flags or arguments or a filter the API rejected, 3 no such delivery,\n"+
			"4 missing or wrong admin token.", stderr)
	status := fs.String("status", "", "only this status: scheduled, delivered, dead, skipped or cancelled")
	filterFlags := addFilterFlags(fs, "", true)
	cursor := fs.String("cursor", "", "the page after the one that printed this cursor")
	limit := fs.Int("limit", 50, "deliveries per page, 1 to 500")
	af := addAdminFlags(fs)
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "switchboard deliveries: unexpected argument %q; use `deliveries show ID` for one delivery\n", fs.Arg(0))
		return exitUsage
	}
	c, err := af.client()
	if err != nil {
		return failed(stderr, "deliveries", err)
	}

	filters := filterFlags()
	filters["status"], filters["cursor"] = *status, *cursor
	q := listQuery(*limit, filters)
	return listPage(c, "deliveries", "/api/v1/deliveries", q, *af.json, printDeliveries, "more deliveries match", stdout, stderr)
}

func printDeliveries(w io.Writer, items []delivery) {
	if len(items) == 0 {
		fmt.Fprintln(w, "no deliveries match")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tROUTE\tCONNECTOR\tEVENT\tATTEMPTS\tCREATED\tREASON")
	for _, d := range items {
		status := d.Status
		if d.HoldReason != "" {
			status += " (" + d.HoldReason + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, status, d.Route, d.Connector, d.EventType,
			d.Attempts, shortTime(d.CreatedAt), clip(d.LastError, 60))
	}
	tw.Flush()
}

func runDeliveryShow(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("deliveries show", "deliveries show ID [flags]", "Prints one delivery with every attempt.\n"+
		"Exit codes: 0 shown, 1 failed, 2 bad flags or arguments, 3 no such delivery, 4 missing or wrong admin token.", stderr)
	af := addAdminFlags(fs)
	ids, code := parseInterleaved(fs, args, stdout)
	if code >= 0 {
		return code
	}
	if len(ids) != 1 {
		fmt.Fprintln(stderr, "switchboard deliveries show: name one delivery id, such as dlv_4f2a91c0_17")
		return exitUsage
	}
	c, err := af.client()
	if err != nil {
		return failed(stderr, "deliveries show", err)
	}
	var d delivery
	raw, err := c.callRaw("GET", "/api/v1/deliveries/"+url.PathEscape(ids[0]), nil, &d)
	if err != nil {
		return failed(stderr, "deliveries show", err)
	}
	if *af.json {
		printRawJSON(stdout, raw)
		return exitOK
	}
	printDelivery(stdout, d)
	return exitOK
}

func printDelivery(w io.Writer, d delivery) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	rows := [][2]string{{"id", d.ID}, {"status", d.Status}, {"hold reason", d.HoldReason}, {"event", d.EventID + " (" + d.EventType + ")"},
		{"route", d.Route}, {"connector", d.Connector}, {"destination", d.Destination}, {"target", string(d.Target)},
		{"created", shortTime(d.CreatedAt)}, {"reason", d.LastError}}
	switch {
	case d.NextAt != nil:
		rows = append(rows, [2]string{"next attempt", shortTime(*d.NextAt)})
	case d.Status == "scheduled" && d.HoldReason != "":
		rows = append(rows, [2]string{"next attempt", holdEnd(d)})
	}
	for _, row := range rows {
		if row[1] != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", row[0], row[1])
		}
	}
	tw.Flush()
	if len(d.AttemptList) == 0 {
		fmt.Fprintln(w, "\nno attempts yet")
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tSTARTED\tDURATION\tOUTCOME\tSTATUS\tREASON\tRESPONSE")
	for _, a := range d.AttemptList {
		fmt.Fprintf(tw, "%d\t%s\t%.1fms\t%s\t%d\t%s\t%s\n", a.Number, shortTime(a.StartedAt), a.DurationMS, a.Outcome,
			a.StatusCode, clip(a.Error, 50), clip(a.Response, 50))
	}
	tw.Flush()
}

// holdEnd describes what ends a hold that has no time; the API leaves
// next_at out for such holds.
func holdEnd(d delivery) string {
	switch d.HoldReason {
	case "connector_paused":
		return "when the connector is resumed (switchboard connectors resume " + d.Connector + ")"
	case "ordering":
		return "when the delivery before it for the same entity has finished"
	case "connector_removed":
		return "when a config brings connector " + d.Connector + " back"
	}
	return "when the hold (" + d.HoldReason + ") ends"
}
