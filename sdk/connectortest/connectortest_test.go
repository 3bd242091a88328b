package connectortest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
	"github.com/turbocode/switchboard/sdk/netguard"
)

// referenceDeliver is the smallest correct HTTP connector: a POST through the
// trusted client, classified by httpresult.
func referenceDeliver(client *http.Client) DeliverFunc {
	return func(ctx context.Context, baseURL string) sdk.Result {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/hook", strings.NewReader(`{"a":1}`))
		if err != nil {
			return sdk.Permanent(err.Error())
		}
		resp, err := client.Do(req)
		if err != nil {
			return httpresult.ClassifyError(err)
		}
		return httpresult.ClassifyResponse(resp, time.Now())
	}
}

func TestReferenceConnectorPassesChecks(t *testing.T) {
	client := netguard.NewTrustedHTTPClient(netguard.Options{})
	t.Run("classification", func(t *testing.T) {
		CheckClassification(t, referenceDeliver(client))
	})
	t.Run("cancellation", func(t *testing.T) {
		CheckCancellation(t, referenceDeliver(client))
	})
}

func TestDestinationScriptThenDefault(t *testing.T) {
	dest := NewDestination(t)
	dest.Script(Response{Status: 503}, Response{Status: 201, Header: http.Header{"X-Id": {"42"}}, Body: "created"})
	dest.SetDefault(Response{Status: 202})
	client := netguard.NewTrustedHTTPClient(netguard.Options{})

	var statuses []int
	for i := range 3 {
		resp, err := client.Post(dest.URL()+"/path?n="+fmt.Sprint(i), "text/plain", strings.NewReader(fmt.Sprint("body", i)))
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 && resp.Header.Get("X-Id") != "42" {
			t.Errorf("second response header X-Id = %q, want 42", resp.Header.Get("X-Id"))
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}

	if fmt.Sprint(statuses) != "[503 201 202]" {
		t.Errorf("statuses = %v, want [503 201 202]", statuses)
	}
	requests := dest.Requests()
	if len(requests) != 3 {
		t.Fatalf("recorded %d requests, want 3", len(requests))
	}
	last := requests[2]
	if last.Method != http.MethodPost || last.URL.Path != "/path" || last.URL.Query().Get("n") != "2" {
		t.Errorf("last request = %s %s, want POST /path?n=2", last.Method, last.URL)
	}
	if string(last.Body) != "body2" {
		t.Errorf("last body = %q, want body2", last.Body)
	}
	if last.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("last Content-Type = %q, want text/plain", last.Header.Get("Content-Type"))
	}
}

func TestDestinationResetIsRetried(t *testing.T) {
	dest := NewDestination(t)
	dest.SetDefault(Response{Reset: true})

	_, err := netguard.NewTrustedHTTPClient(netguard.Options{}).Post(dest.URL(), "text/plain", strings.NewReader("x"))
	if err == nil {
		t.Fatal("POST to a resetting destination succeeded")
	}
	if got := httpresult.ClassifyError(err); got.Outcome != sdk.OutcomeRetry {
		t.Errorf("Outcome = %v, want retry", got.Outcome)
	}
}

func TestWaitRequestsReturnsWhenRequestArrives(t *testing.T) {
	dest := NewDestination(t)
	go func() {
		resp, err := http.Post(dest.URL(), "text/plain", strings.NewReader("x"))
		if err == nil {
			resp.Body.Close()
		}
	}()
	if got := dest.WaitRequests(t, 1, 5*time.Second); len(got) != 1 {
		t.Errorf("WaitRequests returned %d requests, want 1", len(got))
	}
}

func TestLoadEventFillsFields(t *testing.T) {
	event := LoadEvent(t, "../../testdata/turbo/envelope/issue-created-high.json")
	if event.ID != "5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b" {
		t.Errorf("ID = %q", event.ID)
	}
	if event.Type != "issue.created" || event.EntityType != "issue" || event.Action != "created" {
		t.Errorf("Type, EntityType, Action = %q, %q, %q", event.Type, event.EntityType, event.Action)
	}
	if !event.Time.Equal(time.Date(2026, 12, 1, 16, 3, 10, 0, time.UTC)) {
		t.Errorf("Time = %v", event.Time)
	}
	if !bytes.Contains(event.Envelope, []byte(`"TURBO-42"`)) {
		t.Error("Envelope does not hold the file's JSON")
	}
}

// recordingTB records failures instead of failing the real test.
type recordingTB struct {
	testing.TB
	mu       sync.Mutex
	failures []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func TestCheckNoSecretLeakFindsLeaks(t *testing.T) {
	secret := "s3cret/value+1"
	tests := []struct {
		name   string
		result sdk.Result
		logs   string
		want   string
	}{
		{"reason", sdk.Result{Reason: "auth with s3cret/value+1 failed"}, "", "Result.Reason contains secret 0, as written"},
		{"response", sdk.Result{Response: "token=s3cret%2Fvalue%2B1"}, "", "Result.Response contains secret 0, URL-escaped"},
		{"state", sdk.Result{State: []byte("czNjcmV0L3ZhbHVlKzE=")}, "", "Result.State contains secret 0, base64-encoded"},
		{"logs", sdk.Result{}, "level=INFO secret=s3cret/value+1", "logs contains secret 0, as written"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recorder := &recordingTB{TB: t}
			CheckNoSecretLeak(recorder, []string{"another-secret", secret}, tc.result, tc.logs)
			want := strings.Replace(tc.want, "secret 0", "secret 1", 1)
			if len(recorder.failures) != 1 || recorder.failures[0] != want {
				t.Errorf("failures = %q, want [%q]", recorder.failures, want)
			}
			for _, failure := range recorder.failures {
				if strings.Contains(failure, secret) {
					t.Errorf("failure message %q shows the secret", failure)
				}
			}
		})
	}
}

func TestCheckNoSecretLeakPassesCleanResult(t *testing.T) {
	recorder := &recordingTB{TB: t}
	CheckNoSecretLeak(recorder, []string{"s3cret-value"}, sdk.Result{Reason: "destination returned 500"}, "level=INFO msg=done")
	if len(recorder.failures) != 0 {
		t.Errorf("failures = %q, want none", recorder.failures)
	}
}
