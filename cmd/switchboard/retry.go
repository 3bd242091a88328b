package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

func runRetry(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("retry", "retry ID... [flags]\n       switchboard retry --all-dead [--route R] [--connector C] [--event-type T] [--since T] [--until T]",
		"Retries deliveries now, each with a new attempt budget and maximum age. --all-dead retries every\n"+
			"dead delivery that matches the filters, page by page, showing progress on a terminal.\n"+
			"Exit codes: 0 all retried, 1 some failed or were not retried (the message says how many), 2 bad flags\n"+
			"or arguments, 3 no such delivery, 4 missing or wrong admin token.", stderr)
	allDead := fs.Bool("all-dead", false, "retry every dead delivery that matches the filters")
	filterFlags := addFilterFlags(fs, "with --all-dead: ", false)
	af := addAdminFlags(fs)
	ids, code := parseInterleaved(fs, args, stdout)
	if code >= 0 {
		return code
	}
	filters := filterFlags()
	if msg := checkSelection("retry", "--all-dead", *allDead, ids, filters); msg != "" {
		fmt.Fprintln(stderr, msg)
		return exitUsage
	}
	c, err := af.client()
	if err != nil {
		return failed(stderr, "retry", err)
	}
	if *allDead {
		return retryAllDead(c, filters, *af.json, stdout, stderr)
	}
	return retryEach(c, ids, *af.json, stdout, stderr)
}

func retryEach(c *adminClient, ids []string, asJSON bool, stdout, stderr io.Writer) int {
	retried, code := postEach(c, "retry", ids, "retry", nil, stderr)
	if asJSON {
		printJSON(stdout, map[string]any{"retried": retried})
		return code
	}
	summary := fmt.Sprintf("retried %d of %s", len(retried), counted(len(ids), "delivery", "deliveries"))
	switch len(retried) {
	case 0:
	case 1:
		summary += "; it is attempted now"
	default:
		summary += "; they are attempted now"
	}
	fmt.Fprintln(stdout, summary)
	return code
}

// retryAllDead follows the bulk retry's pages until none is left. Dead
// deliveries that matched but could not be retried (an attempt of one was
// running after another retry, or its connector holds its deliveries) make
// it exit 1 and are counted with the reasons.
func retryAllDead(c *adminClient, filters map[string]string, asJSON bool, stdout, stderr io.Writer) int {
	res, err := runBulk(c, "/api/v1/deliveries/retry", filterBody(filters), "retried", "not_retried", "retried", stderr)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard retry: stopped after retrying %s\n", counted(len(res.done), "dead delivery", "dead deliveries"))
		return failed(stderr, "retry", err)
	}

	code := exitOK
	if len(res.notDone) > 0 {
		code = exitFailure
		// The server names the connectors that hold their deliveries. Only
		// when it names none is the cause a race it cannot report.
		why := "an attempt was already running (after another retry) or retention had deleted them"
		if len(res.held) > 0 {
			why = strings.Join(slices.Sorted(maps.Values(res.held)), "; ")
		}
		fmt.Fprintf(stderr, "switchboard retry: %d of %d matching dead deliveries were not retried, because %s: %s\n",
			len(res.notDone), len(res.done)+len(res.notDone), why, listSome(res.notDone, 10))
	}
	if asJSON {
		printJSON(stdout, map[string]any{"retried": nonNil(res.done), "not_retried": nonNil(res.notDone), "held": res.held})
		return code
	}
	fmt.Fprintf(stdout, "retried %s; they are attempted now\n", counted(len(res.done), "dead delivery", "dead deliveries"))
	return code
}

// nonNil returns ids, or an empty list for none, so that JSON shows [].
func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// listSome joins the first n ids and counts the rest.
func listSome(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:n], ", "), len(ids)-n)
}
