package ingest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/signature"
)

const githubDelivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958"

func githubSample(t testing.TB) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/github/issues-edited.json")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func hexMAC(secret string, body []byte, sha256Hash bool) string {
	h := hmac.New(sha1.New, []byte(secret))
	if sha256Hash {
		h = hmac.New(sha256.New, []byte(secret))
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// githubRequest is a webhook as GitHub posts it, signed with secret.
func githubRequest(body []byte, secret string) *http.Request {
	req := request("/v1/github/webhook", "application/json", body)
	req.Header.Set("X-GitHub-Event", "issues")
	req.Header.Set("X-GitHub-Delivery", githubDelivery)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hexMAC(secret, body, true))
	req.Header.Set("X-Hub-Signature", "sha1="+hexMAC(secret, body, false))
	return req
}

func TestGitHubWebhookAccepted(t *testing.T) {
	ts := newTestServer(t, nil)
	body := githubSample(t)

	a := ts.do(t, githubRequest(body, githubSecret))
	if a.status != http.StatusAccepted || len(a.body.Events) != 1 || a.body.Events[0].EventID != githubDelivery {
		t.Fatalf("first delivery: %d %s", a.status, a.raw)
	}
	stored := ts.acceptor.calls[0][0].Envelope
	if stored.EventType != "github.issues.edited" || stored.EntityID != "acme/web#12" {
		t.Errorf("stored event %s about %s, want github.issues.edited about acme/web#12", stored.EventType, stored.EntityID)
	}

	again := ts.do(t, githubRequest(body, githubSecret))
	if again.status != http.StatusOK || !again.body.Events[0].Duplicate {
		t.Errorf("redelivery with the same X-GitHub-Delivery: %d %s, want 200 duplicate", again.status, again.raw)
	}
}

func TestGitHubWebhookRejected(t *testing.T) {
	body := githubSample(t)
	tests := []struct {
		name       string
		options    func(*Options)
		request    func() *http.Request
		wantStatus int
		wantText   string
	}{
		{name: "wrong secret", request: func() *http.Request { return githubRequest(body, "another-secret-0123456") },
			wantStatus: 401, wantText: "webhook_secret"},
		{name: "turbo secret", request: func() *http.Request { return githubRequest(body, rawSecret) },
			wantStatus: 401, wantText: "webhook_secret"},
		{name: "empty secret", request: func() *http.Request { return githubRequest(body, "") },
			wantStatus: 401, wantText: "webhook_secret"},
		{name: "only the SHA-1 header", wantStatus: 401, wantText: "X-Hub-Signature (SHA-1) is not accepted; send X-Hub-Signature-256",
			request: func() *http.Request {
				req := githubRequest(body, githubSecret)
				req.Header.Del("X-Hub-Signature-256")
				return req
			}},
		{name: "sha1 prefix in the 256 header", wantStatus: 401, wantText: "sha256=",
			request: func() *http.Request {
				req := githubRequest(body, githubSecret)
				req.Header.Set("X-Hub-Signature-256", "sha1="+hexMAC(githubSecret, body, false))
				return req
			}},
		{name: "insecure does not apply", options: func(o *Options) { o.Insecure = true }, wantStatus: 401,
			request: func() *http.Request {
				req := githubRequest(body, githubSecret)
				req.Header.Del("X-Hub-Signature-256")
				return req
			}},
		{name: "form encoded", wantStatus: 415, wantText: "application/json in the repository's webhook settings",
			request: func() *http.Request {
				req := githubRequest(body, githubSecret)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return req
			}},
		{name: "missing event header", wantStatus: 400, wantText: "missing header X-GitHub-Event;",
			request: func() *http.Request {
				req := githubRequest(body, githubSecret)
				req.Header.Del("X-GitHub-Event")
				return req
			}},
		{name: "missing delivery header", wantStatus: 400, wantText: "missing header X-GitHub-Delivery;",
			request: func() *http.Request {
				req := githubRequest(body, githubSecret)
				req.Header.Del("X-GitHub-Delivery")
				return req
			}},
		{name: "body over the limit", options: func(o *Options) { o.MaxBodyBytes = 64 }, wantStatus: 413, wantText: "GitHub sends webhook bodies of up to 25 MB",
			request: func() *http.Request { return githubRequest(body, githubSecret) }},
		{name: "no github connector", options: func(o *Options) { o.GitHubSecrets = nil }, wantStatus: 404, wantText: "webhook_secret",
			request: func() *http.Request { return githubRequest(body, githubSecret) }},
		{name: "only an empty secret configured", options: func(o *Options) { o.GitHubSecrets = []sdk.Secret{""} }, wantStatus: 404,
			request: func() *http.Request { return githubRequest(body, "") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.options)
			a := ts.do(t, tc.request())
			if a.status != tc.wantStatus || !strings.Contains(a.body.Error, tc.wantText) {
				t.Errorf("answer %d %q, want %d naming %q", a.status, a.body.Error, tc.wantStatus, tc.wantText)
			}
			if len(ts.acceptor.calls) != 0 {
				t.Error("a rejected webhook reached the acceptor")
			}
		})
	}
}

func TestGitHubWebhookLogsNoSecret(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.do(t, githubRequest(githubSample(t), "another-secret-0123456"))
	if strings.Contains(ts.logs.String(), githubSecret) || strings.Contains(ts.logs.String(), signature.HeaderGitHubSignature+": sha256=") {
		t.Errorf("log shows the secret or the signature:\n%s", ts.logs)
	}
}
