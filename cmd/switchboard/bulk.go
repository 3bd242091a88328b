package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
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
