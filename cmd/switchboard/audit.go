package main

import (
	"fmt"
	"io"
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
	fs := newFlags("audit", "audit [--actor A] [--action A] [--since T] [--until T] [--limit N] [--cursor C] [flags]",
		"Lists the audit log of a running instance, newest first: every retry, cancel, replay, pause,\n"+
			"resume, test send and backup, with who and when. The filters combine. When more entries match,\n"+
			"the last line gives the --cursor of the next page (with --json, next_cursor).\n"+
			"Exit codes: 0 listed, 1 failed, 2 bad flags or arguments or a filter the API rejected,\n"+
			"4 missing or wrong admin token.", stderr)
	action := fs.String("action", "", "only this action: retry, retry_dead, cancel, cancel_scheduled, replay, pause, resume, test or backup")
	since := fs.String("since", "", "only entries recorded at or after this RFC 3339 time, such as 2026-12-01T16:00:00Z")
	until := fs.String("until", "", "only entries recorded before this RFC 3339 time")
	cursor := fs.String("cursor", "", "the page after the one that printed this cursor")
	limit := fs.Int("limit", 50, "entries per page, 1 to 500")
	af := addAdminFlags(fs)
	// Here --actor selects entries: audit changes nothing, so it names no
	// one who acts.
	fs.Lookup("actor").Usage = "only entries by this actor, exactly as the ACTOR column shows it (such as admin:1a2b3c4d)"
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "switchboard audit: unexpected argument %q; audit takes flags only\n", fs.Arg(0))
		return exitUsage
	}
	c, err := af.client()
	if err != nil {
		return failed(stderr, "audit", err)
	}

	q := listQuery(*limit, map[string]string{"actor": *af.actor, "action": *action, "since": *since, "until": *until, "cursor": *cursor})
	return listPage(c, "audit", "/api/v1/actions", q, *af.json, printActions, "more entries match", stdout, stderr)
}

func printActions(w io.Writer, items []action) {
	if len(items) == 0 {
		fmt.Fprintln(w, "no operator actions match")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tACTOR\tACTION\tTARGET\tDETAIL")
	for _, a := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", shortTime(a.At), a.Actor, a.Action, a.Target, clip(a.Detail, 80))
	}
	tw.Flush()
}
