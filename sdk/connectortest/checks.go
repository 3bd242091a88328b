package connectortest

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
)

// DeliverFunc makes the connector under test deliver one request to the HTTP
// destination at baseURL (such as "http://127.0.0.1:41234") within ctx, and
// returns its result. It usually configures an instance, or sets a target
// parameter, with baseURL and calls Deliver.
type DeliverFunc func(ctx context.Context, baseURL string) sdk.Result

// Option adjusts the shared checks.
type Option func(*options)

type options struct {
	clock         sdk.Clock
	timeout       time.Duration
	successHeader http.Header
	successBody   string
}

func newOptions(opts []Option) options {
	o := options{
		clock:         clock.System,
		timeout:       300 * time.Millisecond,
		successHeader: http.Header{"Content-Type": {"application/json"}},
		successBody:   `{"ok":true}`,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithClock sets the clock the connector uses, from which the checks date an
// HTTP-date Retry-After. Default: the system clock.
func WithClock(c sdk.Clock) Option { return func(o *options) { o.clock = c } }

// WithTimeout sets the attempt deadline of the slow-response case, which must be
// shorter than the connector's own timeouts. Default 300ms.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithSuccessBody sets the body of the 2xx responses, for connectors that read
// it (a chat API that returns {"ok":true}). Default `{"ok":true}` as JSON.
func WithSuccessBody(contentType, body string) Option {
	return func(o *options) {
		o.successHeader = http.Header{"Content-Type": {contentType}}
		o.successBody = body
	}
}

// classificationCase is one row of CheckClassification's table.
type classificationCase struct {
	name     string
	response Response
	// closedPort sends to a port with no listener instead of a Destination.
	closedPort bool
	want       sdk.Outcome
	wantStatus int
	// wantAfterMin and wantAfterMax bound Result.RetryAfter.
	wantAfterMin, wantAfterMax time.Duration
	// wantReason is a text the reason must contain.
	wantReason string
	// wantResponse is a text the response excerpt must contain.
	wantResponse string
}

func classificationCases(o options) []classificationCase {
	success := func(status int) Response {
		return Response{Status: status, Header: o.successHeader, Body: o.successBody}
	}
	retryDate := o.clock.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	return []classificationCase{
		{name: "200 delivered", response: success(200), want: sdk.OutcomeDelivered, wantStatus: 200},
		{name: "201 delivered", response: success(201), want: sdk.OutcomeDelivered, wantStatus: 201},
		{name: "204 delivered", response: Response{Status: 204}, want: sdk.OutcomeDelivered, wantStatus: 204},
		{name: "301 permanent", response: Response{Status: 301, Header: http.Header{"Location": {"/moved-elsewhere"}}},
			want: sdk.OutcomePermanent, wantStatus: 301, wantReason: "/moved-elsewhere"},
		{name: "302 permanent", response: Response{Status: 302, Header: http.Header{"Location": {"/moved-elsewhere"}}},
			want: sdk.OutcomePermanent, wantStatus: 302, wantReason: "/moved-elsewhere"},
		{name: "400 permanent", response: Response{Status: 400, Body: "invalid field: title"},
			want: sdk.OutcomePermanent, wantStatus: 400, wantResponse: "invalid field: title"},
		{name: "404 permanent", response: Response{Status: 404}, want: sdk.OutcomePermanent, wantStatus: 404},
		{name: "410 permanent", response: Response{Status: 410}, want: sdk.OutcomePermanent, wantStatus: 410},
		{name: "408 retry", response: Response{Status: 408}, want: sdk.OutcomeRetry, wantStatus: 408},
		{name: "429 retry", response: Response{Status: 429}, want: sdk.OutcomeRetry, wantStatus: 429},
		{name: "500 retry", response: Response{Status: 500, Body: "internal error"},
			want: sdk.OutcomeRetry, wantStatus: 500, wantResponse: "internal error"},
		{name: "502 retry", response: Response{Status: 502}, want: sdk.OutcomeRetry, wantStatus: 502},
		{name: "503 retry", response: Response{Status: 503}, want: sdk.OutcomeRetry, wantStatus: 503},
		{name: "429 Retry-After seconds", response: Response{Status: 429, Header: http.Header{"Retry-After": {"120"}}},
			want: sdk.OutcomeRetry, wantStatus: 429, wantAfterMin: 120 * time.Second, wantAfterMax: 120 * time.Second},
		{name: "503 Retry-After date", response: Response{Status: 503, Header: http.Header{"Retry-After": {retryDate}}},
			want: sdk.OutcomeRetry, wantStatus: 503, wantAfterMin: 80 * time.Second, wantAfterMax: 91 * time.Second},
		{name: "slow response retry", response: Response{Delay: time.Minute}, want: sdk.OutcomeRetry},
		{name: "connection reset retry", response: Response{Reset: true}, want: sdk.OutcomeRetry},
		{name: "closed port retry", closedPort: true, want: sdk.OutcomeRetry},
	}
}

// CheckClassification runs deliver against one scripted response per case and
// checks the outcome. 200, 201 and 204 are delivered. 301 and 302 are permanent,
// name the Location and are not followed. 400, 404 and 410 are permanent. 408,
// 429, 500, 502 and 503 are retried, and Retry-After in seconds or as an HTTP
// date sets RetryAfter. A response slower than the attempt deadline, a reset
// connection and a closed port are retried. Every failure must have a reason,
// and every HTTP response must set StatusCode.
func CheckClassification(t *testing.T, deliver DeliverFunc, opts ...Option) {
	t.Helper()
	o := newOptions(opts)
	for _, tc := range classificationCases(o) {
		t.Run(tc.name, func(t *testing.T) {
			checkCase(t, deliver, o, tc)
		})
	}
}

func checkCase(t *testing.T, deliver DeliverFunc, o options, tc classificationCase) {
	var dest *Destination
	target := ""
	if tc.closedPort {
		target = ClosedURL(t)
	} else {
		dest = NewDestination(t)
		dest.SetDefault(tc.response)
		target = dest.URL()
	}
	timeout := 10 * time.Second
	if tc.response.Delay > 0 {
		timeout = o.timeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	start := time.Now()
	result := deliver(ctx, target)
	elapsed := time.Since(start)

	checkResult(t, tc, result)
	if tc.response.Delay > 0 && elapsed > timeout+2*time.Second {
		t.Errorf("Deliver returned %s after the deadline, want promptly", elapsed-timeout)
	}
	if dest != nil && tc.response.Status >= 300 && tc.response.Status <= 399 {
		if n := len(dest.Requests()); n != 1 {
			t.Errorf("destination received %d requests, want 1 (redirects must not be followed)", n)
		}
	}
}

func checkResult(t *testing.T, tc classificationCase, result sdk.Result) {
	t.Helper()
	if result.Outcome != tc.want {
		t.Errorf("Outcome = %v, want %v (reason %q)", result.Outcome, tc.want, result.Reason)
	}
	if tc.wantStatus != 0 && result.StatusCode != tc.wantStatus {
		t.Errorf("StatusCode = %d, want %d", result.StatusCode, tc.wantStatus)
	}
	if result.RetryAfter < tc.wantAfterMin || result.RetryAfter > tc.wantAfterMax {
		t.Errorf("RetryAfter = %v, want between %v and %v", result.RetryAfter, tc.wantAfterMin, tc.wantAfterMax)
	}
	if tc.want != sdk.OutcomeDelivered && result.Reason == "" {
		t.Error("Reason is empty, want the cause of the failure")
	}
	if !strings.Contains(result.Reason, tc.wantReason) {
		t.Errorf("Reason = %q, want it to contain %q", result.Reason, tc.wantReason)
	}
	if !strings.Contains(result.Response, tc.wantResponse) {
		t.Errorf("Response = %q, want it to contain %q", result.Response, tc.wantResponse)
	}
}

// CheckCancellation starts deliver against a destination that never responds,
// cancels ctx once the request has arrived, and checks that Deliver returns
// within two seconds with OutcomeRetry.
func CheckCancellation(t *testing.T, deliver DeliverFunc) {
	t.Helper()
	dest := NewDestination(t)
	dest.SetDefault(Response{Delay: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	results := make(chan sdk.Result, 1)
	go func() { results <- deliver(ctx, dest.URL()) }()
	dest.WaitRequests(t, 1, 10*time.Second)
	cancel()

	select {
	case result := <-results:
		if result.Outcome != sdk.OutcomeRetry {
			t.Errorf("Outcome after cancellation = %v, want retry (reason %q)", result.Outcome, result.Reason)
		}
		if result.Reason == "" {
			t.Error("Reason after cancellation is empty")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Deliver did not return within 2s of the context's cancellation")
	}
}

// minSecretLength is the shortest secret CheckNoSecretLeak accepts: a shorter
// one would match ordinary text by chance.
const minSecretLength = 6

// CheckNoSecretLeak fails the test when any secret appears in result's reason,
// response, external reference or state, or in logs, as written, URL-escaped or
// base64-encoded. Its messages name the secret by index, never by value.
func CheckNoSecretLeak(t testing.TB, secrets []string, result sdk.Result, logs string) {
	t.Helper()
	places := []struct{ name, text string }{
		{"Result.Reason", result.Reason},
		{"Result.Response", result.Response},
		{"Result.ExternalRef", result.ExternalRef},
		{"Result.State", string(result.State)},
		{"logs", logs},
	}
	for i, secret := range secrets {
		if len(secret) < minSecretLength {
			t.Fatalf("secret %d is shorter than %d bytes, too short to search for; use a longer test secret", i, minSecretLength)
		}
		forms := map[string]string{
			"as written":     secret,
			"URL-escaped":    url.QueryEscape(secret),
			"base64-encoded": base64.StdEncoding.EncodeToString([]byte(secret)),
		}
		for _, place := range places {
			for form, text := range forms {
				if strings.Contains(place.text, text) {
					t.Errorf("%s contains secret %d, %s", place.name, i, form)
				}
			}
		}
	}
}
