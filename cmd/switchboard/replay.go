package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
)

func runReplay(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("replay", "replay EVENT_ID... [--target CONNECTOR]",
		"Replays stored events: each gets new deliveries to every target its routes plan now, or with\n"+
			"--target only to that connector. Shows progress on a terminal and a summary at the end.\n"+
			"Exit codes: 0 all replayed, 1 some failed, 2 bad flags or arguments, 3 no such event or connector\n"+
			"(a --target that is not in the config; the message lists the connectors), 4 missing or wrong admin token.", stderr)
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

	createdJSON, replayed, code := replayEach(c, ids, *target, stderr)

	if *af.json {
		printJSON(stdout, map[string]any{"deliveries": createdJSON})
		return code
	}
	var created []delivery
	for _, raw := range createdJSON {
		var d delivery
		json.Unmarshal(raw, &d)
		created = append(created, d)
	}
	if len(created) > 0 {
		printDeliveries(stdout, created)
	}
	fmt.Fprintf(stdout, "replayed %d of %s: %s\n", replayed, counted(len(ids), "event", "events"),
		counted(len(created), "new delivery", "new deliveries"))
	return code
}

// replayEach replays the events one call each, showing progress, and
// returns the deliveries created, how many events were replayed and the
// exit code.
func replayEach(c *adminClient, ids []string, target string, stderr io.Writer) ([]json.RawMessage, int, int) {
	var body any
	if target != "" {
		body = map[string]string{"connector": target}
	}
	code, replayed := exitOK, 0
	createdJSON := []json.RawMessage{}
	bar := newProgress(stderr)
	defer bar.done()
	for i, id := range ids {
		bar.update("replaying %d of %d events", i+1, len(ids))
		var res struct {
			Deliveries []json.RawMessage `json:"deliveries"`
		}
		err := c.call("POST", "/api/v1/events/"+url.PathEscape(id)+"/replay", body, &res)
		if badTarget(err) {
			// Every event would fail the same way, so report it once.
			bar.done()
			return createdJSON, replayed, max(code, failed(stderr, "replay", fmt.Errorf("--target %s: %w", target, err)))
		}
		if err != nil {
			bar.done()
			code = max(code, failed(stderr, "replay", fmt.Errorf("%s: %w", id, err)))
			continue
		}
		replayed++
		createdJSON = append(createdJSON, res.Deliveries...)
	}
	return createdJSON, replayed, code
}

// badTarget reports whether err is the API's rejection of --target: a
// connector that is not in the config.
func badTarget(err error) bool {
	var failure *apiFailure
	return errors.As(err, &failure) && failure.Field == "connector"
}
