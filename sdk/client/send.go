package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/httpresult"
)

// maxResponseBytes bounds the response body the client reads: the response to
// a batch of 500 events with 128-character ids is about 90 KB.
const maxResponseBytes = 4 << 20

// Result is ingest's response for one event.
type Result struct {
	EventID string
	// Duplicate is set when ingest already had an event with this id and the
	// same content, so it was not stored or delivered again.
	Duplicate bool
}

// Send sends events in as few requests as the batch limits allow, in order,
// and returns one Result per event in the same order. Each request is retried
// as the Options set. When a request fails for good, Send returns the results
// of the requests before it and an error. Sending all the events again is
// safe only when each Event.ID is set: those already accepted then come back
// as duplicates. An event without an ID gets a new random one at each call,
// so a resend stores and delivers it a second time; to resend such events,
// set their IDs first, for instance from the Results of the first call.
func (c *Client) Send(ctx context.Context, events ...Event) ([]Result, error) {
	prepared, err := prepare(events, c.opts.Clock.Now())
	if err != nil {
		return nil, err
	}
	batches, err := c.split(prepared)
	if err != nil {
		return nil, err
	}

	results := make([]Result, 0, len(prepared))
	for _, b := range batches {
		got, err := c.post(ctx, b)
		if err != nil {
			return results, fmt.Errorf("send events %d to %d of %d: %w", b.first+1, b.first+b.count, len(prepared), err)
		}
		results = append(results, got...)
	}
	return results, nil
}

// batch is one request body: a JSON array of count events, starting with the
// event at index first.
type batch struct {
	body  []byte
	first int
	count int
	ids   []string
}

// split encodes the events into batches of at most MaxBatch events and
// MaxBatchBytes bytes each.
func (c *Client) split(events []Event) ([]batch, error) {
	var batches []batch
	current := batch{body: []byte{'['}}
	for i := range events {
		encoded, err := json.Marshal(&events[i])
		if err != nil {
			return nil, fmt.Errorf("encode event %d (%s): %w", i, events[i].ID, err)
		}
		if len(encoded)+2 > c.opts.MaxBatchBytes {
			return nil, fmt.Errorf("event %d (%s) encodes to %d bytes, more than MaxBatchBytes (%d); shorten its data or raise ingest.max_body_bytes and MaxBatchBytes together",
				i, events[i].ID, len(encoded), c.opts.MaxBatchBytes)
		}

		full := current.count == c.opts.MaxBatch || len(current.body)+len(encoded)+1 > c.opts.MaxBatchBytes
		if full {
			batches = append(batches, current.closed())
			current = batch{body: []byte{'['}, first: i}
		}
		if current.count > 0 {
			current.body = append(current.body, ',')
		}
		current.body = append(current.body, encoded...)
		current.ids = append(current.ids, events[i].ID)
		current.count++
	}
	if current.count > 0 {
		batches = append(batches, current.closed())
	}
	return batches, nil
}

func (b batch) closed() batch {
	b.body = append(b.body, ']')
	return b
}

// post sends one batch, retrying while the outcome allows.
func (c *Client) post(ctx context.Context, b batch) ([]Result, error) {
	for attempt := 1; ; attempt++ {
		results, outcome := c.attempt(ctx, b)
		if outcome.err == nil {
			return results, nil
		}
		if !outcome.retry || attempt >= c.opts.MaxAttempts {
			return nil, attemptsError(attempt, outcome.err)
		}

		wait := max(c.backoff(attempt), outcome.retryAfter)
		if deadline, ok := ctx.Deadline(); ok && c.opts.Clock.Now().Add(wait).After(deadline) {
			return nil, fmt.Errorf("the retry would wait %s, past the context's deadline: %w", wait, attemptsError(attempt, outcome.err))
		}
		c.opts.Logger.Warn("switchboard request failed; retrying",
			slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.Int("events", b.count), slog.String("err", outcome.err.Error()))
		if err := clock.Sleep(ctx, c.opts.Clock, wait); err != nil {
			return nil, fmt.Errorf("stopped waiting to retry: %w (last failure: %w)", err, outcome.err)
		}
	}
}

func attemptsError(attempts int, err error) error {
	if attempts == 1 {
		return err
	}
	return fmt.Errorf("after %d attempts: %w", attempts, err)
}

// outcome is the failure of one attempt: the error, whether a retry may
// help, and the wait the server requested.
type outcome struct {
	err        error
	retry      bool
	retryAfter time.Duration
}

// attempt sends one request for b and reads the response.
func (c *Client) attempt(ctx context.Context, b batch) ([]Result, outcome) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(b.body))
	if err != nil {
		return nil, outcome{err: fmt.Errorf("build the request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "switchboard-sdk-client")
	if err := c.signer.sign(req.Header, b.body, c.opts.Clock.Now()); err != nil {
		return nil, outcome{err: err}
	}

	resp, err := c.http.Do(req)
	if err != nil {
		result := httpresult.ClassifyError(err)
		return nil, outcome{err: fmt.Errorf("post events: %s", result.Reason), retry: result.Outcome == sdk.OutcomeRetry && ctx.Err() == nil}
	}
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	resp.Body.Close()

	result := httpresult.ClassifyStatus(resp.StatusCode, resp.Header, string(body), c.opts.Clock.Now())
	if result.Outcome != sdk.OutcomeDelivered {
		retry := result.Outcome == sdk.OutcomeRetry
		return nil, outcome{err: newStatusError(resp.StatusCode, body, result.Reason, retry), retry: retry, retryAfter: result.RetryAfter}
	}
	if readErr != nil {
		// The events are stored, but the response was cut short: resending is
		// safe and tells which of them were duplicates.
		return nil, outcome{err: fmt.Errorf("read the response to %d events: %w", b.count, readErr), retry: true}
	}
	return parseAccepted(resp.StatusCode, body, b), outcome{}
}

// parseAccepted reads ingest's 200 or 202 response. A response without the
// events list (a proxy's, say) counts every event as accepted, and as a
// duplicate when the status is 200.
func parseAccepted(status int, body []byte, b batch) []Result {
	var answer struct {
		Events []struct {
			EventID   string `json:"event_id"`
			Duplicate bool   `json:"duplicate"`
		} `json:"events"`
	}
	if json.Unmarshal(body, &answer) == nil && len(answer.Events) == b.count {
		results := make([]Result, b.count)
		for i, ev := range answer.Events {
			results[i] = Result{EventID: ev.EventID, Duplicate: ev.Duplicate}
		}
		return results
	}

	results := make([]Result, b.count)
	for i, id := range b.ids {
		results[i] = Result{EventID: id, Duplicate: status == http.StatusOK}
	}
	return results
}

// backoff returns the wait before retry number attempt (1 for the first
// retry): a random duration between MinBackoff and MinBackoff·2^(attempt-1),
// capped at MaxBackoff.
func (c *Client) backoff(attempt int) time.Duration {
	ceiling := c.opts.MinBackoff
	for i := 1; i < attempt && ceiling < c.opts.MaxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, c.opts.MaxBackoff)
	return c.opts.MinBackoff + randomDuration(ceiling-c.opts.MinBackoff)
}

// newMessageID returns a webhook-id for one signed request.
func newMessageID() (string, error) {
	id, err := uuid.NewRandom()
	if err != nil {
		return "", fmt.Errorf("generate a webhook-id: %w", err)
	}
	return "msg_" + id.String(), nil
}
