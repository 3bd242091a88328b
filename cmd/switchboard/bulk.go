package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"strconv"
)

// bulkOutcome is the result of a bulk operation over every page: the ids
// done, and those that matched but were not done.
type bulkOutcome struct {
	done, notDone []string
	// held maps each connector that held deliveries back to why, for the
	// bulk retry.
	held map[string]string
}

// runBulk calls a bulk endpoint of the management API (the retry of dead
// deliveries, the cancel of scheduled ones) page by page, following
// next_cursor until it is empty, showing progress as "<verb> N deliveries".
// doneKey and notDoneKey name the lists in each page's response. On a failed
// call it returns what the pages before did and the error.
func runBulk(c *adminClient, path string, body map[string]any, doneKey, notDoneKey, verb string, stderr io.Writer) (bulkOutcome, error) {
	out := bulkOutcome{held: map[string]string{}}
	bar := newProgress(stderr)
	defer bar.done()
	for page := 1; ; page++ {
		var res map[string]json.RawMessage
		if err := c.call("POST", path, body, &res); err != nil {
			return out, err
		}
		var done, notDone []string
		var held map[string]string
		var next string
		json.Unmarshal(res[doneKey], &done)
		json.Unmarshal(res[notDoneKey], &notDone)
		json.Unmarshal(res["held"], &held)
		json.Unmarshal(res["next_cursor"], &next)
		maps.Copy(out.held, held)
		out.done, out.notDone = append(out.done, done...), append(out.notDone, notDone...)
		bar.update("%s %d deliveries (page %d)", verb, len(out.done), page)
		if next == "" {
			return out, nil
		}
		body["cursor"] = next
	}
}

// filterBody returns the request body of a bulk operation: the filters that
// are set, and the largest page.
func filterBody(filters map[string]string) map[string]any {
	body := map[string]any{"limit": 500}
	for key, value := range filters {
		if value != "" {
			body[key] = value
		}
	}
	return body
}

// counted returns n with the noun in the number it takes: "1 delivery",
// "2 deliveries".
func counted(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, plural(n, one, many))
}

// postEach calls POST /api/v1/deliveries/{id}/<action> with body for each
// id, one call each, showing progress. It returns the response bodies of the
// calls that succeeded (an empty list, never nil) and the exit code, the
// highest of the failures, each reported for command.
func postEach(c *adminClient, command string, ids []string, action string, body any, stderr io.Writer) ([]json.RawMessage, int) {
	code := exitOK
	done := []json.RawMessage{}
	bar := newProgress(stderr)
	defer bar.done()
	for i, id := range ids {
		bar.update("%s %d of %d", action, i+1, len(ids))
		raw, err := c.callRaw("POST", "/api/v1/deliveries/"+url.PathEscape(id)+"/"+action, body, nil)
		if err != nil {
			bar.done()
			code = max(code, failed(stderr, command, fmt.Errorf("%s: %w", id, err)))
			continue
		}
		done = append(done, raw)
	}
	return done, code
}

// listQuery returns the query of a listing: the limit and each
// filter that has a value, the cursor included.
func listQuery(limit int, filters map[string]string) url.Values {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	for key, value := range filters {
		if value != "" {
			q.Set(key, value)
		}
	}
	return q
}

// listPage prints one page of a listing of the management API at path with
// query q. It prints the items with print, then the phrase more and the
// cursor of the next page when there is one. With asJSON it prints the
// response as it is.
func listPage[T any](c *adminClient, command, path string, q url.Values, asJSON bool, print func(io.Writer, []T), more string,
	stdout, stderr io.Writer) int {
	var page struct {
		Items      []T    `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	raw, err := c.callRaw("GET", path+"?"+q.Encode(), nil, &page)
	if err != nil {
		return failed(stderr, command, err)
	}
	if asJSON {
		printRawJSON(stdout, raw)
		return exitOK
	}
	print(stdout, page.Items)
	if page.NextCursor != "" {
		fmt.Fprintf(stdout, "%s: add --cursor %s for the next page\n", more, page.NextCursor)
	}
	return exitOK
}

// addFilterFlags adds the flags that select deliveries by the listing's
// filters, each described after lead (such as "with --all-dead: "); the
// event id filter only with eventID. The function it returns reads their
// values by the filters' query names.
func addFilterFlags(fs *flag.FlagSet, lead string, eventID bool) func() map[string]string {
	route := fs.String("route", "", lead+"only this route")
	connector := fs.String("connector", "", lead+"only this connector")
	eventType := fs.String("event-type", "", lead+"only this event type")
	var event *string
	if eventID {
		event = fs.String("event-id", "", lead+"only the deliveries of this event")
	}
	since := fs.String("since", "", lead+"only deliveries created at or after this RFC 3339 time, such as 2026-12-01T16:00:00Z")
	until := fs.String("until", "", lead+"only deliveries created before this RFC 3339 time")
	return func() map[string]string {
		filters := map[string]string{"route": *route, "connector": *connector, "event_type": *eventType, "since": *since, "until": *until}
		if event != nil {
			filters["event_id"] = *event
		}
		return filters
	}
}
