package teamstest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk/clock"
)

const validMessage = `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,
"content":{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"Hello","wrap":true},
{"type":"RichTextBlock","inlines":[{"type":"TextRun","text":"TURBO-42"}]}],
"actions":[{"type":"Action.OpenUrl","title":"Open","url":"https://turbo.example/issues/TURBO-42"}]}}]}`

func post(t *testing.T, target, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(target, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	return resp, string(text)
}

// errorCode reads the code of a Logic Apps error body.
func errorCode(t *testing.T, body string) string {
	t.Helper()
	var answer struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatalf("error body is not JSON: %q", body)
	}
	return answer.Error.Code
}

func TestTriggerAcceptsCard(t *testing.T) {
	s := NewServer(t, Options{})
	hook := s.NewWorkflow()

	resp, body := post(t, hook, validMessage)

	if resp.StatusCode != http.StatusAccepted || body != "" {
		t.Errorf("response = %d %q, want 202 with an empty body", resp.StatusCode, body)
	}
	runs := s.Runs()
	if len(runs) != 1 {
		t.Fatalf("got %d runs, want 1", len(runs))
	}
	if resp.Header.Get("X-Ms-Workflow-Run-Id") != runs[0].ID {
		t.Errorf("run id header = %q, want %q", resp.Header.Get("X-Ms-Workflow-Run-Id"), runs[0].ID)
	}
	if !runs[0].Posted() {
		t.Errorf("run failed: %s", runs[0].Error)
	}
	if runs[0].Card["version"] != "1.4" {
		t.Errorf("Card = %v, want the decoded card", runs[0].Card)
	}
}

func TestTriggerRejects(t *testing.T) {
	s := NewServer(t, Options{})
	hook := s.NewWorkflow()
	u, _ := url.Parse(hook)
	noSig := *u
	query := noSig.Query()
	query.Del("sig")
	noSig.RawQuery = query.Encode()
	wrongSig := *u
	query.Set("sig", "wrong")
	wrongSig.RawQuery = query.Encode()

	tests := []struct {
		name       string
		method     string
		target     string
		body       string
		wantStatus int
		wantCode   string
	}{
		{"unknown workflow", "POST", s.URL() + "/workflows/0000/triggers/manual/paths/invoke?sig=x", validMessage, 404, "WorkflowNotFound"},
		{"other path", "POST", s.URL() + "/webhookb2/abc", validMessage, 404, "InvalidRequestPath"},
		{"missing signature", "POST", noSig.String(), validMessage, 401, "DirectApiAuthorizationRequired"},
		{"wrong signature", "POST", wrongSig.String(), validMessage, 401, "DirectApiInvalidAuthorizationSignature"},
		{"GET", "GET", hook, "", 405, "TriggerRequestMethodNotValid"},
		{"not JSON", "POST", hook, "hello", 400, "InvalidRequestContent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)

			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if code := errorCode(t, string(body)); code != tc.wantCode {
				t.Errorf("code = %q, want %q", code, tc.wantCode)
			}
		})
	}
	if n := len(s.Runs()); n != 0 {
		t.Errorf("got %d runs, want none", n)
	}
}

func TestPostStepFails(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantError string
	}{
		{"oversize", `{"type":"message","attachments":[],"pad":"` + strings.Repeat("x", MaxMessageBytes) + `"}`, "Request Entity too large"},
		{"no attachments", `{"type":"message","text":"hi"}`, "is of type 'Null'"},
		{"message card", `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.o365connector","content":{}}]}`, "contentType"},
		{"no version", `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","body":[]}}]}`, "version is missing"},
		{"unknown element", `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","version":"1.4","body":[{"type":"Marquee"}]}}]}`, "unknown element type"},
		{"relative link", `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","version":"1.4","body":[],"actions":[{"type":"Action.OpenUrl","url":"/issues/1"}]}}]}`, "not an absolute"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewServer(t, Options{})

			resp, _ := post(t, s.NewWorkflow(), tc.body)

			if resp.StatusCode != http.StatusAccepted {
				t.Errorf("status = %d, want 202: the trigger accepts before the post step runs", resp.StatusCode)
			}
			runs := s.Runs()
			if len(runs) != 1 || runs[0].Posted() {
				t.Fatalf("runs = %+v, want one failed run", runs)
			}
			if !strings.Contains(runs[0].Error, tc.wantError) {
				t.Errorf("Error = %q, want it to contain %q", runs[0].Error, tc.wantError)
			}
		})
	}
}

func TestTriggerThrottles(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	s := NewServer(t, Options{Clock: fake})
	hook, other := s.NewWorkflow(), s.NewWorkflow()

	for i := range ThrottlePerSecond {
		if resp, _ := post(t, hook, validMessage); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("request %d: status %d, want 202", i, resp.StatusCode)
		}
	}
	resp, body := post(t, hook, validMessage)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("fifth request: %d with Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if code := errorCode(t, body); code != "WorkflowRequestsThrottled" {
		t.Errorf("code = %q", code)
	}
	if resp, _ := post(t, other, validMessage); resp.StatusCode != http.StatusAccepted {
		t.Errorf("another workflow: status %d, want 202 (throttling is per workflow)", resp.StatusCode)
	}

	fake.Advance(time.Second)
	if resp, _ := post(t, hook, validMessage); resp.StatusCode != http.StatusAccepted {
		t.Errorf("a second later: status %d, want 202", resp.StatusCode)
	}
}

func TestScriptedResponses(t *testing.T) {
	s := NewServer(t, Options{})
	hook := s.NewWorkflow()
	s.Script(Response{Status: 502, Body: "Bad Gateway"})

	first, _ := post(t, hook, validMessage)
	second, _ := post(t, hook, validMessage)

	if first.StatusCode != 502 || second.StatusCode != 202 {
		t.Errorf("statuses = %d, %d, want 502 then 202", first.StatusCode, second.StatusCode)
	}
	if n := len(s.WaitRuns(t, 1, time.Second)); n != 1 {
		t.Errorf("got %d runs, want 1", n)
	}
}

func TestScriptedForOneWorkflow(t *testing.T) {
	s := NewServer(t, Options{ThrottlePerSecond: -1})
	flaky, steady := s.NewWorkflow(), s.NewWorkflow()
	s.ScriptWorkflow(flaky, Response{Status: 503})

	steadyFirst, _ := post(t, steady, validMessage)
	flakyFirst, _ := post(t, flaky, validMessage)
	flakySecond, _ := post(t, flaky, validMessage)

	if steadyFirst.StatusCode != 202 || flakyFirst.StatusCode != 503 || flakySecond.StatusCode != 202 {
		t.Errorf("statuses = %d, %d, %d, want 202, 503, 202", steadyFirst.StatusCode, flakyFirst.StatusCode, flakySecond.StatusCode)
	}
	for range 10 {
		if resp, _ := post(t, steady, validMessage); resp.StatusCode != 202 {
			t.Fatalf("status %d with throttling off, want 202", resp.StatusCode)
		}
	}
}
