package ingest

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/sdk/signature"
)

// FuzzGitHubWebhookRequest posts arbitrary GitHub webhooks to
// /v1/github/webhook: any X-Hub-Signature-256 value, X-GitHub-Event and
// X-GitHub-Delivery header and body. When sign is set the request carries the
// true signature of the body instead of the fuzzed value, so that the inputs
// also reach the payload decoding behind the signature check. Each request
// must get a JSON answer with a precise status, reach the store only with
// the body's true signature and then as one github.* event under its
// delivery id, and never show the webhook secret.
func FuzzGitHubWebhookRequest(f *testing.F) {
	for _, path := range globFixtures(f, "../../testdata/github/*.json") {
		body := readFile(f, path)
		name, _, _ := strings.Cut(filepath.Base(path), "-")
		f.Add(true, "", name, githubDelivery, body)
		f.Add(false, "sha256="+hexMAC(githubSecret, body, true), name, githubDelivery, body)
	}
	body := githubSample(f)
	f.Add(false, "sha1="+hexMAC(githubSecret, body, false), "issues", githubDelivery, body)
	f.Add(false, "sha256="+strings.ToUpper(hexMAC(githubSecret, body, true)), "issues", githubDelivery, body)
	f.Add(false, "sha256="+hexMAC(githubSecret, body, true)+" ", "issues", githubDelivery, body)
	f.Add(false, "sha256=", "issues", githubDelivery, body)
	f.Add(true, "", "ping", "d-2", []byte(`{"zen": "Keep it logically awesome.", "hook_id": 1}`))
	f.Add(true, "", "issues", "a b", body)

	f.Fuzz(func(t *testing.T, sign bool, header, eventName, deliveryID string, body []byte) {
		if sign {
			header = "sha256=" + hexMAC(githubSecret, body, true)
		}
		ts := newTestServer(t, nil)
		req := request("/v1/github/webhook", "application/json", body)
		setHeaderIfValid(req, "X-Hub-Signature-256", header)
		setHeaderIfValid(req, "X-GitHub-Event", eventName)
		setHeaderIfValid(req, "X-GitHub-Delivery", deliveryID)
		a := ts.do(t, req)

		if strings.Contains(string(a.raw), githubSecret) || strings.Contains(ts.logs.String(), githubSecret) {
			t.Fatal("the answer or the log shows the webhook secret")
		}
		received := ts.acceptor.received()
		switch a.status {
		case http.StatusAccepted:
			checkAcceptedWebhook(t, received, req, body)
		case http.StatusBadRequest, http.StatusUnauthorized:
			if len(received) != 0 {
				t.Fatalf("status %d, but the webhook reached the store", a.status)
			}
			if a.body.Error == "" || a.body.Code == "" {
				t.Fatalf("status %d without an error and a code: %s", a.status, a.raw)
			}
		default:
			t.Fatalf("status %d (%s); want 202, 400 or 401", a.status, a.raw)
		}
	})
}

// checkAcceptedWebhook checks the one event that a 202 stored: its body's
// true signature was sent, and it became a github.* event under its
// delivery id.
func checkAcceptedWebhook(t *testing.T, received []*event.Incoming, req *http.Request, body []byte) {
	t.Helper()
	if len(received) != 1 {
		t.Fatalf("202, but %d events reached the store", len(received))
	}
	sent, err := hex.DecodeString(strings.TrimPrefix(req.Header.Get(signature.HeaderGitHubSignature), "sha256="))
	want, _ := hex.DecodeString(hexMAC(githubSecret, body, true))
	if err != nil || !hmac.Equal(sent, want) {
		t.Fatalf("202 for X-Hub-Signature-256 %q, which is not the signature of the body", req.Header.Get(signature.HeaderGitHubSignature))
	}
	env := received[0].Envelope
	if env.EventID != req.Header.Get("X-GitHub-Delivery") {
		t.Fatalf("event id %q, want the X-GitHub-Delivery %q", env.EventID, req.Header.Get("X-GitHub-Delivery"))
	}
	if !strings.HasPrefix(env.EventType, "github."+req.Header.Get("X-GitHub-Event")) {
		t.Fatalf("event type %q does not start with github.%s", env.EventType, req.Header.Get("X-GitHub-Event"))
	}
	if !bytes.Contains(received[0].Body, []byte(`"native":`)) {
		t.Fatalf("the stored event keeps no data.native: %s", received[0].Body)
	}
}

// setHeaderIfValid sets a header when its value could be sent at all: not
// empty and without control characters other than tab, which HTTP clients
// and servers reject.
func setHeaderIfValid(req *http.Request, name, value string) {
	if value == "" {
		return
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return
		}
	}
	req.Header.Set(name, value)
}
