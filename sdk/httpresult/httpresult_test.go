package httpresult

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/netguard"
)

var testNow = time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)

func TestClassifyStatus(t *testing.T) {
	tests := []struct {
		status     int
		header     http.Header
		want       sdk.Outcome
		wantAfter  time.Duration
		wantReason string
	}{
		{status: 200, want: sdk.OutcomeDelivered},
		{status: 201, want: sdk.OutcomeDelivered},
		{status: 204, want: sdk.OutcomeDelivered},
		{status: 299, want: sdk.OutcomeDelivered},
		{status: 301, header: http.Header{"Location": {"https://new.example/hook?token=s3cret"}}, want: sdk.OutcomePermanent,
			wantReason: "https://new.example/hook?<redacted>"},
		{status: 302, header: http.Header{"Location": {"/moved"}}, want: sdk.OutcomePermanent, wantReason: "302 Found to /moved"},
		{status: 307, want: sdk.OutcomePermanent, wantReason: "without a Location header"},
		{status: 400, want: sdk.OutcomePermanent, wantReason: "400 Bad Request"},
		{status: 401, want: sdk.OutcomePermanent},
		{status: 404, want: sdk.OutcomePermanent, wantReason: "404 Not Found"},
		{status: 410, want: sdk.OutcomePermanent, wantReason: "no longer exists"},
		{status: 422, want: sdk.OutcomePermanent},
		{status: 408, want: sdk.OutcomeRetry, wantReason: "408 Request Timeout"},
		{status: 429, want: sdk.OutcomeRetry},
		{status: 429, header: http.Header{"Retry-After": {"120"}}, want: sdk.OutcomeRetry, wantAfter: 120 * time.Second},
		{status: 503, header: http.Header{"Retry-After": {testNow.Add(90 * time.Second).Format(http.TimeFormat)}},
			want: sdk.OutcomeRetry, wantAfter: 90 * time.Second},
		{status: 500, want: sdk.OutcomeRetry},
		{status: 502, want: sdk.OutcomeRetry},
		{status: 599, want: sdk.OutcomeRetry, wantReason: "599"},
		{status: 301, header: http.Header{"Retry-After": {"60"}}, want: sdk.OutcomePermanent},
		{status: 101, want: sdk.OutcomePermanent, wantReason: "unexpected status 101"},
		{status: 600, want: sdk.OutcomePermanent},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			header := tc.header
			if header == nil {
				header = http.Header{}
			}
			got := ClassifyStatus(tc.status, header, "body text", testNow)

			if got.Outcome != tc.want {
				t.Errorf("Outcome = %v, want %v (reason %q)", got.Outcome, tc.want, got.Reason)
			}
			if got.StatusCode != tc.status {
				t.Errorf("StatusCode = %d, want %d", got.StatusCode, tc.status)
			}
			if got.Response != "body text" {
				t.Errorf("Response = %q, want the excerpt", got.Response)
			}
			if got.RetryAfter != tc.wantAfter {
				t.Errorf("RetryAfter = %v, want %v", got.RetryAfter, tc.wantAfter)
			}
			if tc.want != sdk.OutcomeDelivered && got.Reason == "" {
				t.Error("Reason is empty")
			}
			if !strings.Contains(got.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", got.Reason, tc.wantReason)
			}
			if strings.Contains(got.Reason, "s3cret") {
				t.Errorf("Reason %q shows the Location's query", got.Reason)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"5", 5 * time.Second},
		{" 30 ", 30 * time.Second},
		{"-5", 0},
		{"1.5", 0},
		{"soon", 0},
		{"86400000", 86400000 * time.Second},
		{"9223372036854775807", 1<<63 - 1},
		{"99999999999999999999999", 1<<63 - 1},
		{testNow.Add(time.Hour).Format(http.TimeFormat), time.Hour},
		{testNow.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"Tuesday, 01-Dec-26 16:00:30 GMT", 30 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			if got := ParseRetryAfter(tc.value, testNow); got != tc.want {
				t.Errorf("ParseRetryAfter(%q) = %v, want %v", tc.value, got, tc.want)
			}
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	f.Add("120")
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add("-1")
	f.Add("99999999999999999999")
	f.Fuzz(func(t *testing.T, value string) {
		if got := ParseRetryAfter(value, testNow); got < 0 {
			t.Errorf("ParseRetryAfter(%q) = %v, want no negative wait", value, got)
		}
	})
}

func TestRedactURL(t *testing.T) {
	tests := []struct {
		raw          string
		want         string
		wantLocation string
	}{
		{"https://hooks.example/turbo", "https://hooks.example/<redacted>", "https://hooks.example/turbo"},
		{"https://hooks.example/turbo?token=abc&x=1", "https://hooks.example/<redacted>?<redacted>", "https://hooks.example/turbo?<redacted>"},
		{"https://user:pass@hooks.example:8443/p", "https://<redacted>@hooks.example:8443/<redacted>", "https://<redacted>@hooks.example:8443/p"},
		{"https://hooks.slack.com/services/T0/B0/SECRET", "https://hooks.slack.com/<redacted>", "https://hooks.slack.com/services/T0/B0/SECRET"},
		{"https://hooks.example/", "https://hooks.example/", "https://hooks.example/"},
		{"https://hooks.example", "https://hooks.example", "https://hooks.example"},
		{"https://hooks.example/p#frag", "https://hooks.example/<redacted>", "https://hooks.example/p"},
		{"/relative/path?sig=1", "/<redacted>?<redacted>", "/relative/path?<redacted>"},
		{"hooks.slack.com/services/T0/B0/SECRET", "hooks.slack.com/<redacted>", "hooks.slack.com/services/T0/B0/SECRET"},
		{"discord.com/api/webhooks/1/tok?wait=1", "discord.com/<redacted>?<redacted>", "discord.com/api/webhooks/1/tok?<redacted>"},
		{"T0/B0/SECRET", "/<redacted>", "T0/B0/SECRET"},
		{"xoxb-secret.token", "/<redacted>", "xoxb-secret.token"},
		{"mailto:ops@example.com", "mailto:<redacted>", "mailto:<redacted>"},
		{"http://[::1]:80/a b", "http://[::1]:80/<redacted>", "http://[::1]:80/a%20b"},
		{"http://%zz", "<invalid URL>", "<invalid URL>"},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			if got := RedactURL(tc.raw); got != tc.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tc.raw, got, tc.want)
			}
			if got := RedactLocation(tc.raw); got != tc.wantLocation {
				t.Errorf("RedactLocation(%q) = %q, want %q", tc.raw, got, tc.wantLocation)
			}
		})
	}
}

func TestClassifyErrorOutcomes(t *testing.T) {
	blocked := &netguard.BlockedError{Host: "x.example", Range: "10.0.0.0/8", Kind: "private"}
	tests := []struct {
		name       string
		err        error
		want       sdk.Outcome
		wantReason string
	}{
		{"blocked by guard", &url.Error{Op: "Post", URL: "https://x.example/", Err: blocked}, sdk.OutcomePermanent, "allow_private"},
		{"blocked inside OpError", &url.Error{Op: "Post", URL: "https://x.example/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: blocked}},
			sdk.OutcomePermanent, "private range"},
		{"numeric host", &url.Error{Op: "Post", URL: "http://0x7f000001/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &netguard.InvalidHostError{Host: "0x7f000001"}}},
			sdk.OutcomePermanent, "dotted decimal"},
		{"connection refused", &url.Error{Op: "Post", URL: "http://127.0.0.1:1/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}},
			sdk.OutcomeRetry, "connection refused"},
		{"DNS not found", &url.Error{Op: "Post", URL: "https://missing.example/", Err: &net.DNSError{Err: "no such host", Name: "missing.example", IsNotFound: true}},
			sdk.OutcomeRetry, "no such host"},
		{"deadline", &url.Error{Op: "Post", URL: "https://x.example/", Err: context.DeadlineExceeded}, sdk.OutcomeRetry, "timed out"},
		{"net timeout", &url.Error{Op: "Post", URL: "https://x.example/", Err: &net.DNSError{Err: "i/o timeout", IsTimeout: true}}, sdk.OutcomeRetry, "timed out"},
		{"cancelled", &url.Error{Op: "Post", URL: "https://x.example/", Err: context.Canceled}, sdk.OutcomeRetry, "cancelled"},
		{"unexpected EOF", io.ErrUnexpectedEOF, sdk.OutcomeRetry, "unexpected EOF"},
		{"nil error", nil, sdk.OutcomeRetry, "without an error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ClassifyError(tc.err)
			if got.Outcome != tc.want {
				t.Errorf("Outcome = %v, want %v", got.Outcome, tc.want)
			}
			if !strings.Contains(got.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", got.Reason, tc.wantReason)
			}
			if got.StatusCode != 0 {
				t.Errorf("StatusCode = %d, want 0", got.StatusCode)
			}
		})
	}
}

func TestClassifyErrorRedactsURL(t *testing.T) {
	raw := "https://bob:hunter2@hooks.example/p?token=s3cret&q=\"x\""
	err := fmt.Errorf("deliver d-1: %w", &url.Error{Op: "Post", URL: raw, Err: errors.New("connection reset by peer")})

	got := ClassifyError(err)

	for _, secret := range []string{"hunter2", "bob", "s3cret"} {
		if strings.Contains(got.Reason, secret) {
			t.Errorf("Reason %q contains %q", got.Reason, secret)
		}
	}
	if !strings.Contains(got.Reason, "https://<redacted>@hooks.example/<redacted>?<redacted>") {
		t.Errorf("Reason %q does not name the redacted URL", got.Reason)
	}
}

func TestClassifyErrorFromRealClient(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	client := netguard.NewTrustedHTTPClient(netguard.Options{})

	t.Run("timeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		got := ClassifyError(doGet(ctx, t, client, slow.URL+"/?key=s3cret"))
		if got.Outcome != sdk.OutcomeRetry || !strings.Contains(got.Reason, "timed out") {
			t.Errorf("result = %+v, want a retry that says timed out", got)
		}
		if strings.Contains(got.Reason, "s3cret") {
			t.Errorf("Reason %q shows the query", got.Reason)
		}
	})
	t.Run("closed port", func(t *testing.T) {
		got := ClassifyError(doGet(context.Background(), t, client, closedURL))
		if got.Outcome != sdk.OutcomeRetry {
			t.Errorf("result = %+v, want a retry", got)
		}
	})
	t.Run("guard", func(t *testing.T) {
		_, err := netguard.NewHTTPClient(netguard.Options{}).Get(slow.URL)
		got := ClassifyError(err)
		if got.Outcome != sdk.OutcomePermanent || !strings.Contains(got.Reason, "allow_private") {
			t.Errorf("result = %+v, want a permanent failure that names allow_private", got)
		}
	})
}

func doGet(ctx context.Context, t *testing.T, client *http.Client, target string) error {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET %s succeeded, want an error", target)
	}
	return err
}

func TestClassifyResponseReusesConnection(t *testing.T) {
	var connections atomic.Int32
	body := strings.Repeat("x", 100<<10)
	server := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, body)
	}))
	server.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			connections.Add(1)
		}
	}
	server.Start()
	defer server.Close()
	client := netguard.NewTrustedHTTPClient(netguard.Options{})

	for range 5 {
		resp, err := client.Get(server.URL)
		if err != nil {
			t.Fatal(err)
		}
		got := ClassifyResponse(resp, time.Now())
		if got.Outcome != sdk.OutcomeRetry || got.StatusCode != 500 {
			t.Fatalf("result = %+v, want a retry with status 500", got)
		}
		if len(got.Response) > sdk.MaxResponseExcerpt+len("…") {
			t.Fatalf("Response is %d bytes, want at most the excerpt size", len(got.Response))
		}
	}
	if n := connections.Load(); n != 1 {
		t.Errorf("opened %d connections for 5 requests, want 1", n)
	}
}

func TestClassifyResponseExcerptIsValidUTF8(t *testing.T) {
	resp := &http.Response{
		StatusCode: 400,
		Header:     http.Header{},
		Body:       io.NopCloser(strings.NewReader("bad \xff\xfe input")),
	}
	got := ClassifyResponse(resp, testNow)
	if got.Response != "bad \uFFFD input" {
		t.Errorf("Response = %q, want invalid bytes replaced", got.Response)
	}
}

func TestReadBodyIsBounded(t *testing.T) {
	body := strings.NewReader(strings.Repeat("a", MaxBodyRead+MaxDrain+1000))
	data, err := ReadBody(io.NopCloser(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != MaxBodyRead {
		t.Errorf("read %d bytes, want %d", len(data), MaxBodyRead)
	}
	if body.Len() != 1000 {
		t.Errorf("%d bytes left unread, want 1000 (the drain is bounded)", body.Len())
	}
}
