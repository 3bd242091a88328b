package main

import (
	"fmt"
	"io"
	"net/url"
	"strconv"
	"text/tabwriter"
	"time"
)

// action is one entry of the audit log as the management API returns it.
type action struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail"`
}

func runAudit(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("audit", "audit [--limit N] [--cursor C] [flags]",
		"Lists the audit log of a running instance, newest first: every retry, cancel, replay, pause,\n"+
			"resume, test send and backup, with who and when. When more entries exist, the last line gives\n"+
			"the --cursor of the next page (with --json, next_cursor).\n"+
			"Exit codes: 0 listed, 1 failed, 2 bad flags or arguments, 4 missing or wrong admin token.", stderr)
	cursor := fs.String("cursor", "", "the page after the one that printed this cursor")
	limit := fs.Int("limit", 50, "entries per page, 1 to 500")
	af := addAdminFlags(fs)
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "switchboard audit: unexpected argument %q; audit takes flags only\n", fs.Arg(0))
		return exitUsage
	}
	// --actor names who acts in the commands that change something; read
	// as a filter, it would list every entry.
	if *af.actor != "" {
		fmt.Fprintln(stderr, "switchboard audit: --actor is not a filter (audit lists every entry, newest first); "+
			"to find one actor's entries, search the ACTOR column, for example with grep")
		return exitUsage
	}
	c, err := af.client()
	if err != nil {
		return failed(stderr, "audit", err)
	}

	q := url.Values{"limit": {strconv.Itoa(*limit)}}
	if *cursor != "" {
		q.Set("cursor", *cursor)
	}
	return listPage(c, "audit", "/api/v1/actions", q, *af.json, printActions, "more entries exist", stdout, stderr)
}

func printActions(w io.Writer, items []action) {
	if len(items) == 0 {
		fmt.Fprintln(w, "no operator actions recorded")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tACTOR\tACTION\tTARGET\tDETAIL")
	for _, a := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", shortTime(a.At), a.Actor, a.Action, a.Target, clip(a.Detail, 80))
	}
	tw.Flush()
}
