package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

func runCancel(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("cancel", "cancel ID... [--reason R] [flags]\n       switchboard cancel --all-scheduled [--route R] [--connector C] [--event-type T] [--event-id E] [--since T] [--until T] [--reason R]",
		"Cancels scheduled deliveries, held or not, so they are never attempted; the reason becomes their last\n"+
			"error and the audit log records it. --all-scheduled cancels every scheduled delivery that matches\n"+
			"the filters (every one, without filters), page by page, showing progress on a terminal.\n"+
			"A delivery whose attempt is running cannot be cancelled.\n"+
			"Exit codes: 0 all cancelled, 1 some failed or were not cancelled (the message says which and why), 2 bad\n"+
			"flags or arguments, 3 no such delivery, 4 missing or wrong admin token.", stderr)
	allScheduled := fs.Bool("all-scheduled", false, "cancel every scheduled delivery that matches the filters")
	reason := fs.String("reason", "", "why, stored as the deliveries' last error (default: cancelled by the actor)")
	filterFlags := addFilterFlags(fs, "with --all-scheduled: ", true)
	af := addAdminFlags(fs)
	ids, code := parseInterleaved(fs, args, stdout)
	if code >= 0 {
		return code
	}

	filters := filterFlags()
	if msg := checkSelection("cancel", "--all-scheduled", *allScheduled, ids, filters); msg != "" {
		fmt.Fprintln(stderr, msg)
		return exitUsage
	}
	c, err := af.client()
	if err != nil {
		return failed(stderr, "cancel", err)
	}

	if *allScheduled {
		return cancelAllScheduled(c, filters, *reason, *af.json, stdout, stderr)
	}
	return cancelEach(c, ids, *reason, *af.json, stdout, stderr)
}

// checkSelection returns the usage error of a command that takes either
// delivery ids or a bulk flag with filters, or "" when the arguments are
// right.
func checkSelection(command, bulkFlag string, bulk bool, ids []string, filters map[string]string) string {
	switch {
	case bulk && len(ids) > 0:
		return fmt.Sprintf("switchboard %s: name delivery ids, or pass %s, not both", command, bulkFlag)
	case !bulk && len(ids) == 0:
		return fmt.Sprintf("switchboard %s: name at least one delivery id, or pass %s", command, bulkFlag)
	case !bulk && strings.Join(slices.Collect(maps.Values(filters)), "") != "":
		return fmt.Sprintf("switchboard %s: the filter flags select deliveries for %s; with ids, leave them out", command, bulkFlag)
	}
	return ""
}

func cancelEach(c *adminClient, ids []string, reason string, asJSON bool, stdout, stderr io.Writer) int {
	var body any
	if reason != "" {
		body = map[string]string{"reason": reason}
	}
	cancelled, code := postEach(c, "cancel", ids, "cancel", body, stderr)
	if asJSON {
		printJSON(stdout, map[string]any{"cancelled": cancelled})
		return code
	}
	fmt.Fprintf(stdout, "cancelled %d of %s\n", len(cancelled), counted(len(ids), "delivery", "deliveries"))
	return code
}

// cancelAllScheduled follows the bulk cancel's pages until none is left.
// Deliveries that matched but could not be cancelled (an attempt of one was
// running) make it exit 1 and are listed.
func cancelAllScheduled(c *adminClient, filters map[string]string, reason string, asJSON bool, stdout, stderr io.Writer) int {
	body := filterBody(filters)
	if len(body) == 1 {
		body["all"] = true
	}
	if reason != "" {
		body["reason"] = reason
	}
	res, err := runBulk(c, "/api/v1/deliveries/cancel", body, "cancelled", "not_cancelled", "cancelled", stderr)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard cancel: stopped after cancelling %s\n", counted(len(res.done), "delivery", "deliveries"))
		return failed(stderr, "cancel", err)
	}

	code := exitOK
	if len(res.notDone) > 0 {
		code = exitFailure
		fmt.Fprintf(stderr, "switchboard cancel: %d of %d matching deliveries were not cancelled, because an attempt of each "+
			"was running; cancel them once they are scheduled again: %s\n",
			len(res.notDone), len(res.done)+len(res.notDone), listSome(res.notDone, 10))
	}
	if asJSON {
		printJSON(stdout, map[string]any{"cancelled": nonNil(res.done), "not_cancelled": nonNil(res.notDone)})
		return code
	}
	fmt.Fprintf(stdout, "cancelled %s\n", counted(len(res.done), "scheduled delivery", "scheduled deliveries"))
	return code
}
