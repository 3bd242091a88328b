package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/signature"
)

const (
	standardSecretA = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3"
	standardSecretB = "whsec_YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU="
	turboSecretA    = "turbo-secret-0123456789"
	turboSecretB    = "turbo-secret-previous-abcdef"

	issueCreatedFile = "../../testdata/turbo/envelope/issue-created-high.json"
	commentFile      = "../../testdata/turbo/envelope/comment-created.json"
)

var fixedNow = time.Date(2026, 12, 1, 16, 5, 0, 0, time.UTC)

// configure returns a configured instance with a fake clock at fixedNow, closed
// when the test ends.
func configure(t testing.TB, cfg map[string]any, allowPrivate bool) (sdk.Instance, *connectortest.LogBuffer) {
	t.Helper()
	ic, logs := connectortest.NewInstanceConfig(t, "test-hook", cfg)
	ic.AllowPrivate = allowPrivate
	ic.Clock = clock.NewFake(fixedNow)
	if diagnostics := New().ValidateConfig(ic.Config); len(diagnostics) > 0 {
		t.Fatalf("config is invalid: %+v", diagnostics)
	}
	in, err := New().Configure(context.Background(), ic)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	t.Cleanup(func() { in.Close() })
	return in, logs
}

func deliveryRequest(events ...sdk.Event) *sdk.DeliveryRequest {
	return &sdk.DeliveryRequest{DeliveryID: "dlv_test_1", Attempt: 1, Route: "urgent", Events: events, Target: sdk.Params{}}
}

func deliver(t testing.TB, in sdk.Instance, req *sdk.DeliveryRequest) sdk.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return in.Deliver(ctx, req)
}

func mustDecodeKey(t *testing.T, secret string) []byte {
	t.Helper()
	key, err := signature.DecodeStandardKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestDeliverClassification(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	t.Run("config url", func(t *testing.T) {
		connectortest.CheckClassification(t, func(ctx context.Context, baseURL string) sdk.Result {
			in, _ := configure(t, map[string]any{"url": baseURL + "/hook"}, false)
			return in.Deliver(ctx, deliveryRequest(event))
		}, connectortest.WithClock(clock.NewFake(fixedNow)))
	})
	t.Run("target url", func(t *testing.T) {
		in, _ := configure(t, map[string]any{}, false)
		connectortest.CheckClassification(t, func(ctx context.Context, baseURL string) sdk.Result {
			req := deliveryRequest(event)
			req.Target["url"] = baseURL + "/hook"
			return in.Deliver(ctx, req)
		}, connectortest.WithClock(clock.NewFake(fixedNow)))
	})
}

func TestDeliverCancellation(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	connectortest.CheckCancellation(t, func(ctx context.Context, baseURL string) sdk.Result {
		in, _ := configure(t, map[string]any{"url": baseURL}, false)
		return in.Deliver(ctx, deliveryRequest(event))
	})
}

func TestDeliverStandardWebhooksSignature(t *testing.T) {
	dest := connectortest.NewDestination(t)
	in, _ := configure(t, map[string]any{
		"url":     dest.URL() + "/hook",
		"signing": map[string]any{"scheme": "standard-webhooks", "secret": standardSecretA, "secrets": []string{standardSecretB}},
	}, false)
	event := connectortest.LoadEvent(t, issueCreatedFile)

	first := deliver(t, in, deliveryRequest(event))
	retry := deliveryRequest(event)
	retry.Attempt = 2
	second := deliver(t, in, retry)

	if first.Outcome != sdk.OutcomeDelivered || second.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("outcomes = %v, %v; want delivered (reasons %q, %q)", first.Outcome, second.Outcome, first.Reason, second.Reason)
	}
	requests := dest.Requests()
	got := requests[0]
	if !bytes.Equal(got.Body, event.Envelope) {
		t.Errorf("body differs from the envelope:\n%s", got.Body)
	}
	if id := got.Header.Get("Webhook-Id"); id != "dlv_test_1" {
		t.Errorf("webhook-id = %q, want the delivery id", id)
	}
	if id := requests[1].Header.Get("Webhook-Id"); id != "dlv_test_1" {
		t.Errorf("webhook-id on retry = %q, want the same delivery id", id)
	}
	if ts := got.Header.Get("Webhook-Timestamp"); ts != strconv.FormatInt(fixedNow.Unix(), 10) {
		t.Errorf("webhook-timestamp = %q, want the clock's %d", ts, fixedNow.Unix())
	}
	for name, secret := range map[string]string{"current key": standardSecretA, "previous key": standardSecretB} {
		t.Run(name, func(t *testing.T) {
			err := signature.VerifyStandard([][]byte{mustDecodeKey(t, secret)}, got.Header.Get("Webhook-Id"),
				got.Header.Get("Webhook-Timestamp"), got.Header.Get("Webhook-Signature"), got.Body, fixedNow, 5*time.Minute)
			if err != nil {
				t.Errorf("VerifyStandard = %v", err)
			}
		})
	}
	if got.Header.Get(signature.HeaderTurboSignature) != "" {
		t.Error("a Standard Webhooks request carries X-Webhook-Signature")
	}
}

func TestDeliverTurboSignature(t *testing.T) {
	dest := connectortest.NewDestination(t)
	in, _ := configure(t, map[string]any{
		"url":     dest.URL(),
		"signing": map[string]any{"scheme": "turbo", "secrets": []string{turboSecretA, turboSecretB}},
	}, false)
	event := connectortest.LoadEvent(t, issueCreatedFile)

	result := deliver(t, in, deliveryRequest(event))

	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v (%s)", result.Outcome, result.Reason)
	}
	got := dest.Requests()[0]
	values := got.Header.Values(signature.HeaderTurboSignature)
	if len(values) != 2 {
		t.Fatalf("X-Webhook-Signature values = %d, want one per secret", len(values))
	}
	if err := signature.VerifyTurbo([][]byte{[]byte(turboSecretA)}, values[0], got.Body); err != nil {
		t.Errorf("first signature with the first secret: %v", err)
	}
	if err := signature.VerifyTurbo([][]byte{[]byte(turboSecretB)}, values[1], got.Body); err != nil {
		t.Errorf("second signature with the second secret: %v", err)
	}
	if err := signature.VerifyTurbo([][]byte{[]byte(turboSecretB)}, values[0], got.Body); err == nil {
		t.Error("first signature verifies with the second secret, want the first secret only")
	}
	if e := got.Header.Get(signature.HeaderTurboEvent); e != "issue.created" {
		t.Errorf("X-Webhook-Event = %q, want issue.created", e)
	}
	if id := got.Header.Get(signature.HeaderTurboDeliveryID); id != "dlv_test_1" {
		t.Errorf("X-Webhook-Delivery-Id = %q, want the delivery id", id)
	}
	if got.Header.Get("Webhook-Signature") != "" {
		t.Error("a Turbo-signed request carries webhook-signature")
	}
}

func TestDeliverTurboFormatFromCurrent(t *testing.T) {
	dest := connectortest.NewDestination(t)
	in, _ := configure(t, map[string]any{"url": dest.URL(), "format": "turbo"}, false)
	event := connectortest.LoadEvent(t, issueCreatedFile)

	if result := deliver(t, in, deliveryRequest(event)); result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v (%s)", result.Outcome, result.Reason)
	}

	var body map[string]json.RawMessage
	got := dest.Requests()[0]
	if err := json.Unmarshal(got.Body, &body); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, got.Body)
	}
	if len(body) != 2 {
		t.Errorf("body keys = %d, want issue and project_id", len(body))
	}
	var envelope struct {
		Data struct {
			Current json.RawMessage `json:"current"`
		} `json:"data"`
	}
	json.Unmarshal(event.Envelope, &envelope)
	if !bytes.Equal(body["issue"], envelope.Data.Current) {
		t.Errorf("body.issue = %s, want data.current", body["issue"])
	}
	if string(body["project_id"]) != `"6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"` {
		t.Errorf("body.project_id = %s", body["project_id"])
	}
	if e := got.Header.Get(signature.HeaderTurboEvent); e != "issue.created" {
		t.Errorf("X-Webhook-Event = %q, want issue.created with the turbo format", e)
	}
}

func TestDeliverTurboFormatUsesNative(t *testing.T) {
	dest := connectortest.NewDestination(t)
	in, _ := configure(t, map[string]any{"url": dest.URL(), "format": "turbo"}, false)
	native := `{"issue":{"id":"i-1","title":"T"},"assigned_to_type":"staff","project_id":"p-1"}`
	envelope := `{"event_id":"e-1","event_type":"issue.assigned","timestamp":"2026-12-02T10:00:00Z","entity_type":"issue",` +
		`"entity_id":"i-1","action":"assigned","data":{"current":{"id":"i-1"},"native":` + native + `},"context":{"project_id":"p-1"}}`
	event := connectortest.ParseEvent(t, []byte(envelope))

	deliver(t, in, deliveryRequest(event))

	if got := string(dest.Requests()[0].Body); got != native {
		t.Errorf("body = %s, want data.native as sent by Turbo", got)
	}
}

func TestDeliverSeveralEventsAsArray(t *testing.T) {
	dest := connectortest.NewDestination(t)
	in, _ := configure(t, map[string]any{"url": dest.URL()}, false)
	first := connectortest.LoadEvent(t, issueCreatedFile)
	second := connectortest.LoadEvent(t, commentFile)

	deliver(t, in, deliveryRequest(first, second))

	var bodies []json.RawMessage
	if err := json.Unmarshal(dest.Requests()[0].Body, &bodies); err != nil {
		t.Fatalf("body is not a JSON array: %v", err)
	}
	if len(bodies) != 2 {
		t.Fatalf("array has %d items, want 2", len(bodies))
	}
	if !bytes.Equal(bodies[0], first.Envelope) || !bytes.Equal(bodies[1], second.Envelope) {
		t.Error("array items differ from the envelopes")
	}
}

func TestDeliverSendsRenderedMessage(t *testing.T) {
	dest := connectortest.NewDestination(t)
	in, _ := configure(t, map[string]any{"url": dest.URL(), "format": "turbo"}, false)
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Message = `{"text":"TURBO-42 is high priority"}`

	deliver(t, in, req)

	if got := string(dest.Requests()[0].Body); got != req.Message {
		t.Errorf("body = %s, want the rendered message", got)
	}
}

func TestDeliverHeadersAndMethod(t *testing.T) {
	dest := connectortest.NewDestination(t)
	in, _ := configure(t, map[string]any{
		"url":          dest.URL() + "/in?team=core",
		"method":       "PUT",
		"content_type": "application/vnd.turbo+json",
		"headers":      map[string]string{"Authorization": "Bearer config-token", "X-Team": "core"},
	}, false)
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Target["headers"] = map[string]string{"X-Team": "platform", "X-Priority": "high"}

	deliver(t, in, req)

	got := dest.Requests()[0]
	checks := map[string]string{
		"Method":        got.Method,
		"Path":          got.URL.Path,
		"Query":         got.URL.RawQuery,
		"Content-Type":  got.Header.Get("Content-Type"),
		"User-Agent":    got.Header.Get("User-Agent"),
		"Authorization": got.Header.Get("Authorization"),
		"X-Team":        got.Header.Get("X-Team"),
		"X-Priority":    got.Header.Get("X-Priority"),
	}
	want := map[string]string{
		"Method": "PUT", "Path": "/in", "Query": "team=core",
		"Content-Type": "application/vnd.turbo+json", "User-Agent": "Switchboard/dev",
		"Authorization": "Bearer config-token", "X-Team": "platform", "X-Priority": "high",
	}
	for name, value := range want {
		if checks[name] != value {
			t.Errorf("%s = %q, want %q", name, checks[name], value)
		}
	}
}

func TestDeliverPermanentBeforeSending(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	tests := []struct {
		name       string
		config     map[string]any
		target     sdk.Params
		untrusted  []string
		events     []sdk.Event
		wantReason string
	}{
		{name: "no url anywhere", config: map[string]any{}, events: []sdk.Event{event}, wantReason: "no URL to send to"},
		{name: "empty rendered url", target: sdk.Params{"url": ""}, untrusted: []string{"url"}, events: []sdk.Event{event},
			wantReason: "url is empty"},
		{name: "invalid target url", target: sdk.Params{"url": "https://exa mple.com/?token=tok-s3cret"}, events: []sdk.Event{event},
			wantReason: "invalid target url"},
		{name: "ftp target url", target: sdk.Params{"url": "ftp://files.example/x"}, events: []sdk.Event{event},
			wantReason: `scheme "ftp"`},
		{name: "reserved target header", target: sdk.Params{"headers": map[string]string{"Content-Length": "1"}}, events: []sdk.Event{event},
			wantReason: "Content-Length cannot be set"},
		{name: "target header with newline", target: sdk.Params{"headers": map[string]any{"X-A": "a\r\nX-B: b"}}, events: []sdk.Event{event},
			wantReason: "line break"},
		{name: "no events", events: nil, wantReason: "no events and no message"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dest := connectortest.NewDestination(t)
			cfg := tc.config
			if cfg == nil {
				cfg = map[string]any{"url": dest.URL()}
			}
			in, _ := configure(t, cfg, false)
			req := deliveryRequest(tc.events...)
			for name, value := range tc.target {
				req.Target[name] = value
			}
			req.Untrusted = tc.untrusted

			result := deliver(t, in, req)

			if result.Outcome != sdk.OutcomePermanent {
				t.Errorf("Outcome = %v, want permanent (reason %q)", result.Outcome, result.Reason)
			}
			if !strings.Contains(result.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", result.Reason, tc.wantReason)
			}
			if strings.Contains(result.Reason, "tok-s3cret") {
				t.Errorf("Reason %q shows the URL's query", result.Reason)
			}
			if n := len(dest.Requests()); n != 0 {
				t.Errorf("destination received %d requests, want none", n)
			}
		})
	}
}

func TestDeliverRedirectNotFollowed(t *testing.T) {
	dest := connectortest.NewDestination(t)
	dest.Script(connectortest.Response{Status: http.StatusFound, Header: http.Header{"Location": {dest.URL() + "/new?sig=abc"}}})
	in, _ := configure(t, map[string]any{"url": dest.URL() + "/old"}, false)

	result := deliver(t, in, deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomePermanent {
		t.Errorf("Outcome = %v, want permanent", result.Outcome)
	}
	if !strings.Contains(result.Reason, dest.URL()+"/new?<redacted>") {
		t.Errorf("Reason = %q, want the redacted Location", result.Reason)
	}
	if n := len(dest.Requests()); n != 1 {
		t.Errorf("destination received %d requests, want 1", n)
	}
}

func TestDeliverGuardsUntrustedURL(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	tests := []struct {
		name         string
		host         string
		untrusted    bool
		allowPrivate bool
		want         sdk.Outcome
	}{
		{"untrusted loopback blocked", "127.0.0.1", true, false, sdk.OutcomePermanent},
		{"untrusted localhost blocked", "localhost", true, false, sdk.OutcomePermanent},
		{"untrusted with allow_private", "127.0.0.1", true, true, sdk.OutcomeDelivered},
		{"literal target trusted", "127.0.0.1", false, false, sdk.OutcomeDelivered},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dest := connectortest.NewDestination(t)
			port := dest.URL()[strings.LastIndex(dest.URL(), ":")+1:]
			in, _ := configure(t, map[string]any{}, tc.allowPrivate)
			req := deliveryRequest(event)
			req.Target["url"] = "http://" + tc.host + ":" + port + "/hook"
			if tc.untrusted {
				req.Untrusted = []string{"url"}
			}

			result := deliver(t, in, req)

			if result.Outcome != tc.want {
				t.Fatalf("Outcome = %v, want %v (reason %q)", result.Outcome, tc.want, result.Reason)
			}
			wantRequests := 1
			if tc.want == sdk.OutcomePermanent {
				wantRequests = 0
				if !strings.Contains(result.Reason, "allow_private: true") {
					t.Errorf("Reason = %q, want it to name allow_private", result.Reason)
				}
			}
			if n := len(dest.Requests()); n != wantRequests {
				t.Errorf("destination received %d requests, want %d", n, wantRequests)
			}
		})
	}
}

func TestDeliverLeaksNoSecret(t *testing.T) {
	secrets := []string{standardSecretA, "hdr-token-s3cret", "query-s3cret", "userinfo-s3cret"}
	dest := connectortest.NewDestination(t)
	dest.SetDefault(connectortest.Response{Status: 500, Body: "internal error"})
	closed := connectortest.ClosedURL(t)
	event := connectortest.LoadEvent(t, issueCreatedFile)
	tests := []struct {
		name      string
		url       string
		target    string
		untrusted bool
	}{
		{name: "5xx response", url: dest.URL() + "/hook?key=query-s3cret"},
		{name: "closed port", url: "http://user:userinfo-s3cret@" + strings.TrimPrefix(closed, "http://") + "/x?key=query-s3cret"},
		{name: "blocked target", target: dest.URL() + "/x?key=query-s3cret", untrusted: true},
		{name: "invalid target", target: "http://user:userinfo-s3cret@exa mple/?key=query-s3cret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := map[string]any{
				"headers": map[string]string{"Authorization": "Bearer hdr-token-s3cret"},
				"signing": map[string]any{"scheme": "standard-webhooks", "secret": standardSecretA},
			}
			if tc.url != "" {
				cfg["url"] = tc.url
			}
			in, logs := configure(t, cfg, false)
			req := deliveryRequest(event)
			if tc.target != "" {
				req.Target["url"] = tc.target
			}
			if tc.untrusted {
				req.Untrusted = []string{"url"}
			}

			result := deliver(t, in, req)

			if result.Outcome == sdk.OutcomeDelivered {
				t.Fatalf("Outcome = delivered, want a failure")
			}
			connectortest.CheckNoSecretLeak(t, secrets, result, logs.String())
		})
	}
}

func TestConfigureRejectsInvalidConfig(t *testing.T) {
	ic, _ := connectortest.NewInstanceConfig(t, "bad", map[string]any{"url": "ftp://x", "signing": map[string]any{"scheme": "turbo", "secret": "tiny-s3cret"}})
	_, err := New().Configure(context.Background(), ic)
	if err == nil {
		t.Fatal("Configure accepted an invalid config")
	}
	if strings.Contains(err.Error(), "tiny-s3cret") {
		t.Errorf("error %q shows the secret", err)
	}
	if !strings.Contains(err.Error(), "signing.secret") || !strings.Contains(err.Error(), "url") {
		t.Errorf("error %q does not name both paths", err)
	}
}

func TestHealthAndClose(t *testing.T) {
	in, _ := configure(t, map[string]any{"url": "https://hooks.example.com/x"}, false)
	if health := in.Health(context.Background()); !health.OK {
		t.Errorf("Health = %+v, want OK", health)
	}
	if err := in.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
}

// BenchmarkDeliver measures one signed delivery to a receiver on 127.0.0.1 that
// returns 204, through keep-alive connections.
// The receiver keeps nothing, unlike connectortest.Destination, so that memory
// stays flat over millions of requests.
func BenchmarkDeliver(b *testing.B) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	event := connectortest.LoadEvent(b, issueCreatedFile)
	for _, scheme := range []string{"none", "standard-webhooks"} {
		cfg := map[string]any{"url": receiver.URL + "/hook"}
		if scheme != "none" {
			cfg["signing"] = map[string]any{"scheme": scheme, "secret": standardSecretA}
		}
		in, _ := configure(b, cfg, false)
		b.Run(scheme+"/serial", func(b *testing.B) {
			req := deliveryRequest(event)
			b.ReportAllocs()
			for b.Loop() {
				if result := in.Deliver(context.Background(), req); result.Outcome != sdk.OutcomeDelivered {
					b.Fatalf("Outcome = %v (%s)", result.Outcome, result.Reason)
				}
			}
		})
		b.Run(scheme+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := deliveryRequest(event)
				for pb.Next() {
					if result := in.Deliver(context.Background(), req); result.Outcome != sdk.OutcomeDelivered {
						b.Errorf("Outcome = %v (%s)", result.Outcome, result.Reason)
						return
					}
				}
			})
		})
	}
}
