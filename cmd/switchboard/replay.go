package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
)

func runReplay(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("replay", "replay EVENT_ID... [--target CONNECTOR]",
		"Replays stored events: each gets new deliveries to every target its routes plan now, or with\n"+
			"--target only to that connector. Shows progress on a terminal and a summary at the end.\n"+
			"Exit codes: 0 all replayed, 1 some failed, 2 bad flags, 3 not found, 4 bad admin token.", stderr)
	target := fs.String("target", "", "replay only to this connector")
	af := addAdminFlags(fs)
	ids, code := parseInterleaved(fs, args, stdout)
	if code >= 0 {
		return code
	}
	if len(ids) == 0 {
		fmt.Fprintln(stderr, "switchboard replay: name at least one event id")
		return exitUsage
	}
	c, err := af.client()
	if err != nil {
		return failed(stderr, "replay", err)
	}

	var body any
	if *target != "" {
		body = map[string]string{"connector": *target}
	}
	code = exitOK
	var created []delivery
	createdJSON := []json.RawMessage{}
	replayed := 0
	bar := newProgress(stderr)
	for i, id := range ids {
		bar.update("replaying %d of %d events", i+1, len(ids))
		var res struct {
			Deliveries []json.RawMessage `json:"deliveries"`
		}
		if err := c.call("POST", "/api/v1/events/"+url.PathEscape(id)+"/replay", body, &res); err != nil {
			bar.done()
			code = max(code, failed(stderr, "replay", fmt.Errorf("%s: %w", id, err)))
			continue
		}
		replayed++
		createdJSON = append(createdJSON, res.Deliveries...)
	}
	bar.done()

	if *af.json {
		printJSON(stdout, map[string]any{"deliveries": createdJSON})
		return code
	}
	for _, raw := range createdJSON {
		var d delivery
		json.Unmarshal(raw, &d)
		created = append(created, d)
	}
	if len(created) > 0 {
		printDeliveries(stdout, created)
	}
	fmt.Fprintf(stdout, "replayed %d of %d events: %d new deliveries\n", replayed, len(ids), len(created))
	return code
}
