package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/signature"
)

func TestEnvelopeFixturesAccepted(t *testing.T) {
	ts := newTestServer(t, nil)
	fixtures := envelopeFixtures(t)
	names := make([]string, 0, len(fixtures))
	for name := range fixtures {
		names = append(names, name)
	}
	sort.Strings(names)

	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			body := fixtures[name]
			before := ts.acceptor.callCount()
			a := ts.do(t, envelopeRequest(body))

			if a.status != http.StatusAccepted {
				t.Fatalf("status = %d, want 202: %s", a.status, a.raw)
			}
			want := eventID(t, body)
			if a.body.Accepted == nil || *a.body.Accepted != 1 || len(a.body.Events) != 1 {
				t.Fatalf("response = %s, want one accepted event", a.raw)
			}
			if a.body.Events[0].EventID != want || a.body.Events[0].Duplicate {
				t.Errorf("events = %+v, want %s not duplicate", a.body.Events, want)
			}
			if ts.acceptor.callCount() != before+1 {
				t.Fatalf("the acceptor was called %d times, want once", ts.acceptor.callCount()-before)
			}
			got := ts.acceptor.received()
			if last := got[len(got)-1]; last.Envelope.EventID != want || last.Format != event.FormatEnvelope {
				t.Errorf("acceptor got %s (%s), want %s", last.Envelope.EventID, last.Format, want)
			}
		})
	}
}

func TestNativeFixturesAccepted(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, f := range nativeFixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			a := ts.do(t, f.request())
			if a.status != http.StatusAccepted {
				t.Fatalf("status = %d, want 202: %s", a.status, a.raw)
			}
			delivery := f.headers["X-Webhook-Delivery-Id"]
			if len(a.body.Events) != 1 || a.body.Events[0].EventID != delivery {
				t.Errorf("events = %+v, want the delivery id %s", a.body.Events, delivery)
			}
			got := ts.acceptor.received()
			last := got[len(got)-1]
			if last.Format != event.FormatTurbo || last.Envelope.EventType != f.headers["X-Webhook-Event"] {
				t.Errorf("acceptor got %s %s", last.Format, last.Envelope.EventType)
			}
			if !last.Envelope.Timestamp.Equal(testNow) {
				t.Errorf("timestamp = %v, want the received time %v", last.Envelope.Timestamp, testNow)
			}
		})
	}
}

func TestNativeRedeliveryIsDuplicate(t *testing.T) {
	ts := newTestServer(t, nil)
	f := nativeFixtures(t)[0]
	if a := ts.do(t, f.request()); a.status != http.StatusAccepted {
		t.Fatalf("first delivery: status %d: %s", a.status, a.raw)
	}

	// A retry keeps the delivery id and arrives later.
	ts.clock.Advance(time.Minute)
	a := ts.do(t, f.request())
	if a.status != http.StatusOK {
		t.Fatalf("redelivery: status = %d, want 200: %s", a.status, a.raw)
	}
	if len(a.body.Events) != 1 || !a.body.Events[0].Duplicate {
		t.Errorf("redelivery response = %s, want duplicate true", a.raw)
	}
}

func TestBatchAccepted(t *testing.T) {
	ts := newTestServer(t, nil)
	fixtures := envelopeFixtures(t)
	first := fixtures["issue-created-high.json"]
	second := fixtures["issue-closed.json"]
	body := []byte("[" + string(first) + ",\n" + string(second) + "]")

	a := ts.do(t, envelopeRequest(body))
	if a.status != http.StatusAccepted {
		t.Fatalf("status = %d: %s", a.status, a.raw)
	}
	if *a.body.Accepted != 2 || a.body.Events[0].EventID != eventID(t, first) || a.body.Events[1].EventID != eventID(t, second) {
		t.Errorf("response = %s, want both ids in order", a.raw)
	}

	// Resending the batch with one new event: 202, the known one marked.
	third := fixtures["milestone-completed.json"]
	body = []byte("[" + string(first) + "," + string(third) + "]")
	a = ts.do(t, envelopeRequest(body))
	if a.status != http.StatusAccepted || !a.body.Events[0].Duplicate || a.body.Events[1].Duplicate {
		t.Errorf("mixed batch: status %d, response %s; want 202 with only the first a duplicate", a.status, a.raw)
	}
	if *a.body.Accepted != 2 {
		t.Errorf("accepted = %d, want 2 (duplicates count)", *a.body.Accepted)
	}
}

func TestCharsetParameterAccepted(t *testing.T) {
	ts := newTestServer(t, nil)
	body := envelopeFixtures(t)["project-created.json"]
	req := signTurbo(request("/v1/events", "Application/JSON; charset=UTF-8", body), body)
	if a := ts.do(t, req); a.status != http.StatusAccepted {
		t.Errorf("status = %d, want 202: %s", a.status, a.raw)
	}
}

// countingReader records whether the handler read the body.
type countingReader struct {
	r     *bytes.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

func TestRejectedRequests(t *testing.T) {
	fixture := envelopeFixtures(t)["issue-created-high.json"]
	withoutType := bytes.Replace(fixture, []byte(`"event_type": "issue.created",`), nil, 1)
	native := nativeFixtures(t)[0]

	var compact bytes.Buffer
	if err := json.Compact(&compact, fixture); err != nil {
		t.Fatal(err)
	}
	reencoded := func() *http.Request {
		// Signed over the compact bytes, but a proxy re-indented the body.
		req := request("/v1/events", "application/json", fixture)
		return signTurbo(req, compact.Bytes())
	}

	batch := func(n int) []byte {
		var b bytes.Buffer
		b.WriteByte('[')
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"event_id":"b-%d","event_type":"issue.created","timestamp":"2026-12-01T16:03:10Z","entity_id":"i"}`, i)
		}
		b.WriteByte(']')
		return b.Bytes()
	}

	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
		field  string
		// message is a part of the error message that names the problem.
		message string
	}{
		{"malformed JSON", func() *http.Request { return envelopeRequest([]byte(`{"event_id": `)) }, 400, "invalid_json", "event_id", "unexpected end of input"},
		{"missing event_type", func() *http.Request { return envelopeRequest(withoutType) }, 400, "invalid_event", "event_type", "missing"},
		{"empty array", func() *http.Request { return envelopeRequest([]byte(`[]`)) }, 400, "invalid_event", "", "the batch is empty"},
		{"batch over 500", func() *http.Request { return envelopeRequest(batch(501)) }, 400, "invalid_event", "", "send at most 500"},
		{"one bad event in a batch", func() *http.Request {
			return envelopeRequest(bytes.Replace(batch(3), []byte(`"b-2","event_type":"issue.created"`), []byte(`"b-2","event_type":"Issue"`), 1))
		}, 400, "invalid_event", "events[2].event_type", "not a valid event type"},
		{"same id, other content in a batch", func() *http.Request {
			body := bytes.Replace(batch(2), []byte(`"b-1"`), []byte(`"b-0"`), 1)
			return envelopeRequest(append(bytes.TrimSuffix(body, []byte(`"i"}]`)), `"j"}]`...))
		}, 409, "conflict", "events[1].event_id", "differ in content"},
		{"bad signature", func() *http.Request {
			req := request("/v1/events", "application/json", fixture)
			req.Header.Set(signature.HeaderTurboSignature, signature.SignTurbo([]byte("another-secret-0123456789"), fixture))
			return req
		}, 401, "unauthorized", "", "no signature matches"},
		{"malformed signature", func() *http.Request {
			req := request("/v1/events", "application/json", fixture)
			req.Header.Set(signature.HeaderTurboSignature, "md5=abc")
			return req
		}, 401, "unauthorized", "", "must start with sha256="},
		{"missing signature", func() *http.Request { return request("/v1/events", "application/json", fixture) }, 401, "unauthorized", "", "webhook-signature"},
		{"signature over re-encoded JSON", reencoded, 401, "unauthorized", "", "no signature matches"},
		{"wrong content type", func() *http.Request {
			return signTurbo(request("/v1/events", "text/plain", fixture), fixture)
		}, 415, "unsupported_media_type", "", `"text/plain" is not supported`},
		{"missing content type", func() *http.Request {
			return signTurbo(request("/v1/events", "", fixture), fixture)
		}, 415, "unsupported_media_type", "", "missing Content-Type"},
		{"form content type", func() *http.Request {
			return signTurbo(request("/v1/events", "application/x-www-form-urlencoded", fixture), fixture)
		}, 415, "unsupported_media_type", "", "not supported"},
		{"native with wrong content type", func() *http.Request {
			req := native.request()
			req.Header.Set("Content-Type", "text/plain")
			return req
		}, 415, "unsupported_media_type", "", "send application/json"},
		{"native without event header", func() *http.Request {
			req := native.request()
			req.Header.Del("X-Webhook-Event")
			return req
		}, 400, "invalid_event", "X-Webhook-Event", "missing header X-Webhook-Event"},
		{"native without delivery id", func() *http.Request {
			req := native.request()
			req.Header.Del("X-Webhook-Delivery-Id")
			return req
		}, 400, "invalid_event", "X-Webhook-Delivery-Id", "missing header X-Webhook-Delivery-Id"},
		{"native with a bad event name", func() *http.Request {
			req := native.request()
			req.Header.Set("X-Webhook-Event", "Issue Assigned")
			return req
		}, 400, "invalid_event", "X-Webhook-Event", "not a valid event type"},
		{"structured CloudEvent given an array", func() *http.Request {
			body := []byte(`[{"specversion":"1.0","id":"1","source":"/s","type":"a.b"}]`)
			return signTurbo(request("/v1/events", "application/cloudevents+json", body), body)
		}, 400, "invalid_event", "", "carries one event object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			a := ts.do(t, tt.req())
			if a.status != tt.status || a.body.Code != tt.code {
				t.Errorf("response = %d %s, want %d %s: %s", a.status, a.body.Code, tt.status, tt.code, a.raw)
			}
			if a.body.Field != tt.field {
				t.Errorf("field = %q, want %q", a.body.Field, tt.field)
			}
			if !strings.Contains(a.body.Error, tt.message) {
				t.Errorf("error = %q, want it to contain %q", a.body.Error, tt.message)
			}
			if n := ts.acceptor.callCount(); n != 0 {
				t.Errorf("the acceptor was called %d times for a rejected request", n)
			}
		})
	}
}

func TestOversizedBody(t *testing.T) {
	body := envelopeFixtures(t)["issue-updated-status.json"]
	limit := int64(len(body) - 1)

	t.Run("with Content-Length", func(t *testing.T) {
		ts := newTestServer(t, func(o *Options) { o.MaxBodyBytes = limit })
		reader := &countingReader{r: bytes.NewReader(body)}
		req := envelopeRequest(body)
		req.Body = readCloser{reader}
		req.ContentLength = int64(len(body))

		a := ts.do(t, req)
		if a.status != http.StatusRequestEntityTooLarge || a.body.Code != "too_large" {
			t.Fatalf("response = %d: %s", a.status, a.raw)
		}
		if reader.reads != 0 {
			t.Errorf("the body was read %d times before the 413", reader.reads)
		}
		if !strings.Contains(a.body.Error, "ingest.max_body_bytes") {
			t.Errorf("error = %q, want it to name ingest.max_body_bytes", a.body.Error)
		}
		if ts.acceptor.callCount() != 0 {
			t.Errorf("the acceptor was called")
		}
	})

	t.Run("chunked", func(t *testing.T) {
		ts := newTestServer(t, func(o *Options) { o.MaxBodyBytes = limit })
		req := envelopeRequest(body)
		req.Body = readCloser{bytes.NewReader(body)}
		req.ContentLength = -1

		a := ts.do(t, req)
		if a.status != http.StatusRequestEntityTooLarge || a.body.Code != "too_large" {
			t.Fatalf("response = %d: %s", a.status, a.raw)
		}
		if ts.acceptor.callCount() != 0 {
			t.Errorf("the acceptor was called")
		}
	})

	t.Run("chunked through a server", func(t *testing.T) {
		ts := newTestServer(t, func(o *Options) { o.MaxBodyBytes = limit })
		srv := httptest.NewServer(ts.handler)
		defer srv.Close()

		req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/events", readCloser{bytes.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(signature.HeaderTurboSignature, signature.SignTurbo([]byte(rawSecret), body))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d, want 413", resp.StatusCode)
		}
		if ts.acceptor.callCount() != 0 {
			t.Errorf("the acceptor was called")
		}
	})

	t.Run("at the limit", func(t *testing.T) {
		ts := newTestServer(t, func(o *Options) { o.MaxBodyBytes = int64(len(body)) })
		req := envelopeRequest(body)
		req.Body = readCloser{bytes.NewReader(body)}
		req.ContentLength = -1
		if a := ts.do(t, req); a.status != http.StatusAccepted {
			t.Errorf("a chunked body of exactly the limit: %d %s", a.status, a.raw)
		}
	})
}

// readCloser hides the concrete reader type, so that neither httptest nor the
// client learns the body's length.
type readCloser struct{ r io.Reader }

func (rc readCloser) Read(p []byte) (int, error) { return rc.r.Read(p) }
func (rc readCloser) Close() error               { return nil }

func TestAcceptorErrors(t *testing.T) {
	body := envelopeFixtures(t)["issue-closed.json"]
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		retryAfter string
		message    string
	}{
		{"conflict", fmt.Errorf("accept: %w", &store.ConflictError{EventID: eventID(t, body)}), 409, "conflict", "", "already stored with a different body"},
		{"store unavailable", fmt.Errorf("commit: %w", store.ErrUnavailable), 503, "unavailable", "5", "may not have been stored; resend them after 5 seconds (a stored one is answered as a duplicate)"},
		{"backlog full", ErrBacklogFull, 503, "unavailable", "5", "backlog is over its limit"},
		{"other error", errors.New("disk controller on fire at /dev/sda"), 500, "internal", "", "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			ts.acceptor.err = tt.err
			a := ts.do(t, envelopeRequest(body))

			if a.status != tt.status || a.body.Code != tt.code {
				t.Errorf("response = %d %s, want %d %s", a.status, a.body.Code, tt.status, tt.code)
			}
			if got := a.header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			if !strings.Contains(a.body.Error, tt.message) {
				t.Errorf("error = %q, want it to contain %q", a.body.Error, tt.message)
			}
			if strings.Contains(a.body.Error, "/dev/sda") {
				t.Errorf("the response leaks the internal error: %q", a.body.Error)
			}
		})
	}
}

func TestConflictNamesTheEvent(t *testing.T) {
	ts := newTestServer(t, nil)
	fixtures := envelopeFixtures(t)
	original := fixtures["issue-created-low.json"]
	if a := ts.do(t, envelopeRequest(original)); a.status != http.StatusAccepted {
		t.Fatalf("first send: %d %s", a.status, a.raw)
	}

	changed := bytes.Replace(original, []byte(`"priority": "low"`), []byte(`"priority": "high"`), 1)
	body := []byte("[" + string(fixtures["project-created.json"]) + "," + string(changed) + "]")
	a := ts.do(t, envelopeRequest(body))
	if a.status != http.StatusConflict || a.body.Field != "events[1].event_id" {
		t.Errorf("response = %d field %q, want 409 at events[1].event_id: %s", a.status, a.body.Field, a.raw)
	}
}

func TestRetryAfterRoundsUp(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.RetryAfter = 1500 * time.Millisecond })
	ts.acceptor.err = ErrBacklogFull
	a := ts.do(t, envelopeRequest(envelopeFixtures(t)["issue-closed.json"]))
	if got := a.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After = %q, want 2", got)
	}
}

func TestStandardWebhooks(t *testing.T) {
	body := envelopeFixtures(t)["comment-created.json"]
	tests := []struct {
		name    string
		at      time.Duration // signing time relative to the server's clock
		status  int
		message string
	}{
		{"now", 0, 202, ""},
		{"within tolerance", -4 * time.Minute, 202, ""},
		{"too old", -6 * time.Minute, 401, "tolerance"},
		{"in the future", 6 * time.Minute, 401, "tolerance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			req := signStandard(request("/v1/events", "application/json", body), body, "msg_1", testNow.Add(tt.at))
			a := ts.do(t, req)
			if a.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if !strings.Contains(a.body.Error, tt.message) {
				t.Errorf("error = %q, want it to contain %q", a.body.Error, tt.message)
			}
			if tt.status != 202 && ts.acceptor.callCount() != 0 {
				t.Errorf("the acceptor was called for a rejected request")
			}
		})
	}

	t.Run("takes precedence over X-Webhook-Signature", func(t *testing.T) {
		ts := newTestServer(t, nil)
		req := signStandard(request("/v1/events", "application/json", body), body, "msg_1", testNow)
		req.Header.Set(signature.HeaderWebhookSignature, "v1,"+strings.Repeat("A", 44))
		signTurbo(req, body) // a valid Turbo signature must not rescue a bad Standard one
		if a := ts.do(t, req); a.status != http.StatusUnauthorized {
			t.Errorf("status = %d, want 401", a.status)
		}
	})

	t.Run("without a whsec secret", func(t *testing.T) {
		ts := newTestServer(t, func(o *Options) { o.Secrets = []sdk.Secret{rawSecret} })
		req := signStandard(request("/v1/events", "application/json", body), body, "msg_1", testNow)
		a := ts.do(t, req)
		if a.status != http.StatusUnauthorized || !strings.Contains(a.body.Error, "no whsec_ secret") {
			t.Errorf("response = %d %q", a.status, a.body.Error)
		}
	})

	t.Run("native webhook signed with Standard Webhooks", func(t *testing.T) {
		ts := newTestServer(t, nil)
		f := nativeFixtures(t)[0]
		req := f.request()
		req.Header.Del(signature.HeaderTurboSignature)
		signStandard(req, f.body, "msg_2", testNow)
		if a := ts.do(t, req); a.status != http.StatusAccepted {
			t.Errorf("status = %d: %s", a.status, a.raw)
		}
	})
}

func TestRotatedSecrets(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Secrets = []sdk.Secret{"old-secret-0123456789abc", rawSecret}
	})
	body := envelopeFixtures(t)["issue-closed.json"]
	if a := ts.do(t, envelopeRequest(body)); a.status != http.StatusAccepted {
		t.Errorf("a request signed with the second secret: %d %s", a.status, a.raw)
	}
}

func TestInsecureAcceptsUnsigned(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Secrets = nil
		o.Insecure = true
	})
	body := envelopeFixtures(t)["issue-closed.json"]
	if a := ts.do(t, request("/v1/events", "application/json", body)); a.status != http.StatusAccepted {
		t.Errorf("status = %d: %s", a.status, a.raw)
	}
	if !strings.Contains(ts.logs.String(), "ingest.insecure") {
		t.Errorf("no warning about insecure mode was logged: %s", ts.logs)
	}
}

func TestCloudEvents(t *testing.T) {
	structured := []byte(`{"specversion":"1.0","id":"ce-1","source":"/turbo","type":"issue.created","subject":"i-1","data":{"title":"x"}}`)
	batch := []byte(`[{"specversion":"1.0","id":"ce-2","source":"/turbo","type":"issue.created","subject":"i-2"},
		{"specversion":"1.0","id":"ce-3","source":"/turbo","type":"issue.updated","subject":"i-2"}]`)

	binary := func(contentType string, body []byte) *http.Request {
		req := signTurbo(request("/v1/events", contentType, body), body)
		req.Header.Set("Ce-Specversion", "1.0")
		req.Header.Set("Ce-Id", "ce-4")
		req.Header.Set("Ce-Source", "/turbo%20ci")
		req.Header.Set("Ce-Type", "issue.updated")
		req.Header.Set("Ce-Subject", "i-%C3%A9")
		return req
	}

	tests := []struct {
		name    string
		req     *http.Request
		ids     []string
		subject string
	}{
		{"structured", signTurbo(request("/v1/events", "application/cloudevents+json; charset=UTF-8", structured), structured),
			[]string{event.CloudEventID("/turbo", "ce-1")}, "i-1"},
		{"batch", signTurbo(request("/v1/events", "application/cloudevents-batch+json", batch), batch),
			[]string{event.CloudEventID("/turbo", "ce-2"), event.CloudEventID("/turbo", "ce-3")}, "i-2"},
		{"binary JSON", binary("application/json", []byte(`{"title": "x"}`)),
			[]string{event.CloudEventID("/turbo ci", "ce-4")}, "i-é"},
		{"binary text", binary("text/plain", []byte(`plain words`)),
			[]string{event.CloudEventID("/turbo ci", "ce-4")}, "i-é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			a := ts.do(t, tt.req)
			if a.status != http.StatusAccepted {
				t.Fatalf("status = %d: %s", a.status, a.raw)
			}
			var ids []string
			for _, e := range a.body.Events {
				ids = append(ids, e.EventID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.ids) {
				t.Errorf("ids = %v, want %v", ids, tt.ids)
			}
			got := ts.acceptor.received()
			if got[0].Format != event.FormatCloudEvents || got[0].Envelope.EntityID != tt.subject {
				t.Errorf("acceptor got format %s, entity_id %q; want cloudevents, %q", got[0].Format, got[0].Envelope.EntityID, tt.subject)
			}
		})
	}

	t.Run("binary with bad percent-encoding", func(t *testing.T) {
		ts := newTestServer(t, nil)
		req := binary("application/json", []byte(`{}`))
		req.Header.Set("Ce-Subject", "100%")
		a := ts.do(t, req)
		if a.status != http.StatusBadRequest || a.body.Field != "ce-subject" {
			t.Errorf("response = %d field %q: %s", a.status, a.body.Field, a.raw)
		}
		if ts.acceptor.callCount() != 0 {
			t.Errorf("the acceptor was called")
		}
	})
}

func TestRoutes(t *testing.T) {
	tests := []struct {
		name, method, path string
		status             int
		allow, code        string
	}{
		{"healthz", http.MethodGet, "/healthz", 200, "", ""},
		{"readyz", http.MethodGet, "/readyz", 200, "", ""},
		{"GET events", http.MethodGet, "/v1/events", 405, "POST", "method_not_allowed"},
		{"PUT webhook", http.MethodPut, "/v1/turbo/webhook", 405, "POST", "method_not_allowed"},
		{"POST healthz", http.MethodPost, "/healthz", 405, "GET", "method_not_allowed"},
		{"unknown path", http.MethodGet, "/v1/nothing", 404, "", "not_found"},
		{"trailing slash", http.MethodPost, "/v1/events/", 404, "", "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			a := ts.do(t, httptest.NewRequest(tt.method, tt.path, nil))
			if a.status != tt.status || a.body.Code != tt.code {
				t.Errorf("response = %d %q, want %d %q: %s", a.status, a.body.Code, tt.status, tt.code, a.raw)
			}
			if got := a.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestReadiness(t *testing.T) {
	ts := newTestServer(t, nil)
	if a := ts.do(t, httptest.NewRequest(http.MethodGet, "/healthz", nil)); a.body.Status != "ok" {
		t.Errorf("healthz = %s", a.raw)
	}

	notReady := errors.New("store migrations are still running")
	ts = newTestServer(t, func(o *Options) { o.Ready = func() error { return notReady } })
	a := ts.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if a.status != http.StatusServiceUnavailable || !strings.Contains(a.body.Error, "migrations are still running") {
		t.Errorf("readyz = %d %s", a.status, a.raw)
	}
	if a.header.Get("Retry-After") == "" {
		t.Errorf("a 503 without Retry-After")
	}
	if a := ts.do(t, httptest.NewRequest(http.MethodGet, "/healthz", nil)); a.status != http.StatusOK {
		t.Errorf("healthz while not ready = %d, want 200", a.status)
	}
}

func TestNewHandlerErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no acceptor", Options{Secrets: []sdk.Secret{rawSecret}}, "Acceptor is nil"},
		{"no secrets", Options{Acceptor: &fakeAcceptor{}}, "no secrets are set"},
		{"short raw secret", Options{Acceptor: &fakeAcceptor{}, Secrets: []sdk.Secret{"short"}}, "ingest.secrets[0]: the secret has 5 characters"},
		{"bad whsec", Options{Acceptor: &fakeAcceptor{}, Secrets: []sdk.Secret{rawSecret, "whsec_%%%"}}, "ingest.secrets[1]: the part after whsec_ is not valid base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewHandler(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLogs(t *testing.T) {
	ts := newTestServer(t, nil)
	body := envelopeFixtures(t)["issue-created-high.json"]
	ts.do(t, envelopeRequest(body))

	lines := decodeLogLines(t, ts.logs.Bytes())
	accepted := findLog(lines, "events accepted")
	if accepted == nil {
		t.Fatalf("no info line for the accepted request: %s", ts.logs)
	}
	if accepted["level"] != "INFO" || accepted["events"] != 1.0 || accepted["duplicates"] != 0.0 ||
		accepted["event_id"] != eventID(t, body) || accepted["duration_ms"] == nil {
		t.Errorf("accepted line = %v", accepted)
	}

	// A rejected request is logged with its reason, a 401 at warn, and no log
	// line holds a secret or a signature value.
	ts.logs.Reset()
	badSignature := signature.SignTurbo([]byte("another-secret-0123456789"), body)
	req := request("/v1/events", "application/json", body)
	req.Header.Set(signature.HeaderTurboSignature, badSignature)
	ts.do(t, req)
	ts.acceptor.err = errors.New("boom")
	ts.do(t, envelopeRequest(body))

	lines = decodeLogLines(t, ts.logs.Bytes())
	if len(lines) != 2 {
		t.Fatalf("got %d log lines, want 2: %s", len(lines), ts.logs)
	}
	if lines[0]["level"] != "WARN" || lines[0]["status"] != 401.0 || !strings.Contains(fmt.Sprint(lines[0]["reason"]), "no signature matches") {
		t.Errorf("401 line = %v", lines[0])
	}
	if lines[0]["suppressed"] != 0.0 || lines[0]["remote_addr"] == nil {
		t.Errorf("401 line = %v, want suppressed 0 and the remote address", lines[0])
	}
	if lines[1]["level"] != "WARN" || lines[1]["status"] != 500.0 || lines[1]["err"] != "boom" {
		t.Errorf("500 line = %v", lines[1])
	}
	for _, secret := range []string{rawSecret, standardSecret, badSignature, strings.TrimPrefix(badSignature, "sha256=")} {
		if strings.Contains(ts.logs.String(), secret) {
			t.Errorf("the log contains a secret or signature value %q", secret)
		}
	}
}

func decodeLogLines(t *testing.T, logs []byte) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(logs), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var entry map[string]any
		if err := json.Unmarshal(line, &entry); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		lines = append(lines, entry)
	}
	return lines
}

func findLog(lines []map[string]any, msg string) map[string]any {
	for _, line := range lines {
		if line["msg"] == msg {
			return line
		}
	}
	return nil
}
