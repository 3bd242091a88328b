package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
)

func runRetry(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("retry", "retry ID... | retry --all-dead [--route R] [--connector C] [--event-type T]",
		"Retries deliveries now, each with a new attempt budget and maximum age. --all-dead retries every\n"+
			"dead delivery that matches the filters, page by page, showing progress on a terminal.\n"+
			"Exit codes: 0 all retried, 1 some failed, 2 bad flags, 3 not found, 4 bad admin token.", stderr)
	allDead := fs.Bool("all-dead", false, "retry every dead delivery that matches the filters")
	route := fs.String("route", "", "with --all-dead: only this route")
	connector := fs.String("connector", "", "with --all-dead: only this connector")
	eventType := fs.String("event-type", "", "with --all-dead: only this event type")
	af := addAdminFlags(fs)
	ids, code := parseInterleaved(fs, args, stdout)
	if code >= 0 {
		return code
	}
	if *allDead == (len(ids) > 0) {
		fmt.Fprintln(stderr, "switchboard retry: name delivery ids, or pass --all-dead, not both")
		return exitUsage
	}
	c, err := af.client()
	if err != nil {
		return failed(stderr, "retry", err)
	}
	if *allDead {
		return retryAllDead(c, map[string]string{"route": *route, "connector": *connector, "event_type": *eventType}, *af.json, stdout, stderr)
	}
	return retryEach(c, ids, *af.json, stdout, stderr)
}

func retryEach(c *adminClient, ids []string, asJSON bool, stdout, stderr io.Writer) int {
	code := exitOK
	retried := []json.RawMessage{}
	bar := newProgress(stderr)
	for i, id := range ids {
		bar.update("retrying %d of %d", i+1, len(ids))
		raw, err := c.callRaw("POST", "/api/v1/deliveries/"+url.PathEscape(id)+"/retry", nil, nil)
		if err != nil {
			bar.done()
			code = max(code, failed(stderr, "retry", fmt.Errorf("%s: %w", id, err)))
			continue
		}
		retried = append(retried, raw)
	}
	bar.done()
	if asJSON {
		printJSON(stdout, map[string]any{"retried": retried})
		return code
	}
	fmt.Fprintf(stdout, "retried %d of %d deliveries; they are attempted now\n", len(retried), len(ids))
	return code
}

// retryAllDead follows the bulk retry's pages until none is left.
func retryAllDead(c *adminClient, filters map[string]string, asJSON bool, stdout, stderr io.Writer) int {
	body := map[string]any{"limit": 500}
	for key, value := range filters {
		if value != "" {
			body[key] = value
		}
	}
	all := []string{}
	bar := newProgress(stderr)
	for page := 1; ; page++ {
		var res struct {
			Retried    []string `json:"retried"`
			NextCursor string   `json:"next_cursor"`
		}
		if err := c.call("POST", "/api/v1/deliveries/retry", body, &res); err != nil {
			bar.done()
			fmt.Fprintf(stderr, "switchboard retry: stopped after retrying %d dead deliveries\n", len(all))
			return failed(stderr, "retry", err)
		}
		all = append(all, res.Retried...)
		bar.update("retried %d dead deliveries (page %d)", len(all), page)
		if res.NextCursor == "" {
			break
		}
		body["cursor"] = res.NextCursor
	}
	bar.done()
	if asJSON {
		printJSON(stdout, map[string]any{"retried": all})
		return exitOK
	}
	fmt.Fprintf(stdout, "retried %d dead deliveries; they are attempted now\n", len(all))
	return exitOK
}
