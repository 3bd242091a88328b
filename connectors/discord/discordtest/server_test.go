package discordtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk/clock"
)

const (
	hookID    = "1180000000000000001"
	hookToken = "hook-token-abc"
)

// post sends body to path on s and returns the status, headers and body.
func post(t *testing.T, s *Server, path string, header http.Header, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for name, values := range header {
		req.Header[name] = values
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var decoded map[string]any
	json.Unmarshal(raw, &decoded)
	return resp.StatusCode, resp.Header, decoded
}

func newTestServer(t *testing.T, opts ...Option) *Server {
	s := NewServer(t, opts...)
	s.AddWebhook(Webhook{ID: hookID, Token: hookToken, ChannelID: "5"})
	return s
}

const hookPath = "/api/v9/webhooks/" + hookID + "/" + hookToken

func TestExecuteWebhook(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		body       string
		wantStatus int
		wantCode   float64
	}{
		{"created with wait", hookPath + "?wait=true", `{"content":"hi"}`, 200, 0},
		{"created without wait", hookPath, `{"content":"hi"}`, 204, 0},
		{"unknown webhook", "/api/v9/webhooks/999/" + hookToken, `{"content":"hi"}`, 404, 10015},
		{"wrong token", "/api/v9/webhooks/" + hookID + "/wrong", `{"content":"hi"}`, 401, 50027},
		{"empty message", hookPath, `{"content":"  "}`, 400, 50006},
		{"invalid JSON", hookPath, `{`, 400, 50109},
		{"content too long", hookPath, `{"content":"` + strings.Repeat("é", 2001) + `"}`, 400, 50035},
		{"title too long", hookPath, `{"embeds":[{"title":"` + strings.Repeat("x", 257) + `"}]}`, 400, 50035},
		{"empty field value", hookPath, `{"embeds":[{"fields":[{"name":"a","value":" "}]}]}`, 400, 50035},
		{"embeds over total", hookPath, `{"embeds":[{"description":"` + strings.Repeat("x", 4000) + `"},{"description":"` + strings.Repeat("x", 2001) + `"}]}`, 400, 50035},
		{"username with clyde", hookPath, `{"content":"hi","username":"Clyde"}`, 400, 50035},
		{"parse and users together", hookPath, `{"content":"hi","allowed_mentions":{"parse":["users"],"users":["1"]}}`, 400, 50035},
		{"unknown route", "/api/v9/guilds/1", `{}`, 404, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			status, _, body := post(t, s, tc.path, nil, tc.body)
			if status != tc.wantStatus {
				t.Errorf("status = %d, want %d (body %v)", status, tc.wantStatus, body)
			}
			if tc.wantStatus >= 400 && body["code"] != tc.wantCode {
				t.Errorf("code = %v, want %v", body["code"], tc.wantCode)
			}
			wantMessages := 0
			if tc.wantStatus < 300 {
				wantMessages = 1
			}
			if n := len(s.Messages()); n != wantMessages {
				t.Errorf("stored %d messages, want %d", n, wantMessages)
			}
		})
	}
}

func TestInvalidFormBodyNestsErrors(t *testing.T) {
	s := newTestServer(t)
	_, _, body := post(t, s, hookPath, nil, `{"embeds":[{"title":"`+strings.Repeat("x", 257)+`"}]}`)

	errors, _ := body["errors"].(map[string]any)
	embeds, _ := errors["embeds"].(map[string]any)
	first, _ := embeds["0"].(map[string]any)
	title, _ := first["title"].(map[string]any)
	list, _ := title["_errors"].([]any)
	if len(list) != 1 {
		t.Fatalf("errors = %v, want embeds.0.title._errors with one item", body["errors"])
	}
	if item, _ := list[0].(map[string]any); item["message"] != "Must be 256 or fewer in length." {
		t.Errorf("message = %v", item["message"])
	}
}

func TestWebhookMessageResponse(t *testing.T) {
	s := newTestServer(t)
	_, _, body := post(t, s, hookPath+"?wait=true&thread_id=77", nil, `{"content":"hi"}`)

	stored := s.Messages()[0]
	if body["id"] != stored.ID || body["webhook_id"] != hookID || body["content"] != "hi" {
		t.Errorf("response = %v, want the stored message", body)
	}
	if stored.ThreadID != "77" || stored.ChannelID != "5" {
		t.Errorf("stored thread, channel = %q, %q", stored.ThreadID, stored.ChannelID)
	}
}

func TestCreateMessage(t *testing.T) {
	tests := []struct {
		name       string
		channel    string
		auth       string
		wantStatus int
		wantCode   float64
	}{
		{"created", "10", "Bot tok-123", 200, 0},
		{"no prefix", "10", "tok-123", 401, 0},
		{"unknown channel", "11", "Bot tok-123", 404, 10003},
		{"missing access", "12", "Bot tok-123", 403, 50001},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewServer(t)
			s.SetBotToken("tok-123")
			s.AddChannel(Channel{ID: "10", CanAccess: true})
			s.AddChannel(Channel{ID: "12"})
			status, _, body := post(t, s, "/api/v9/channels/"+tc.channel+"/messages", http.Header{"Authorization": {tc.auth}}, `{"content":"hi"}`)
			if status != tc.wantStatus {
				t.Errorf("status = %d, want %d", status, tc.wantStatus)
			}
			if tc.wantStatus >= 400 && body["code"] != tc.wantCode {
				t.Errorf("code = %v, want %v", body["code"], tc.wantCode)
			}
		})
	}
}

func TestRateLimitHeadersAnd429(t *testing.T) {
	c := clock.NewFake(time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC))
	s := newTestServer(t, WithClock(c))
	s.SetRateLimit(2, 2*time.Second)

	_, first, _ := post(t, s, hookPath, nil, `{"content":"1"}`)
	c.Advance(500 * time.Millisecond)
	_, second, _ := post(t, s, hookPath, nil, `{"content":"2"}`)
	status, limited, body := post(t, s, hookPath, nil, `{"content":"3"}`)

	if first.Get("X-RateLimit-Remaining") != "1" || second.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("remaining = %q, %q; want 1, 0", first.Get("X-RateLimit-Remaining"), second.Get("X-RateLimit-Remaining"))
	}
	if second.Get("X-RateLimit-Reset-After") != "1.500" || second.Get("X-RateLimit-Limit") != "2" || second.Get("X-RateLimit-Bucket") == "" {
		t.Errorf("second headers = %v", second)
	}
	if status != http.StatusTooManyRequests || body["retry_after"] != 1.5 || body["global"] != false {
		t.Errorf("third = %d %v, want 429 with retry_after 1.5", status, body)
	}
	if limited.Get("Retry-After") != "2" || limited.Get("X-RateLimit-Scope") != "user" {
		t.Errorf("429 headers = %v, want Retry-After 2 and scope user", limited)
	}
	if n := len(s.Messages()); n != 2 {
		t.Errorf("stored %d messages, want 2", n)
	}

	c.Advance(1500 * time.Millisecond)
	if status, _, _ := post(t, s, hookPath, nil, `{"content":"4"}`); status != http.StatusNoContent {
		t.Errorf("after the window: status %d, want 204", status)
	}
}

func TestScriptComesFirst(t *testing.T) {
	s := newTestServer(t)
	s.Script(RateLimited(0.25, true))

	status, header, body := post(t, s, hookPath, nil, `{"content":"hi"}`)
	if status != 429 || body["global"] != true || header.Get("X-RateLimit-Global") != "true" || header.Get("Retry-After") != "1" {
		t.Errorf("scripted answer = %d %v %v", status, header, body)
	}
	if status, _, _ := post(t, s, hookPath, nil, `{"content":"hi"}`); status != http.StatusNoContent {
		t.Errorf("after the script: status %d, want 204", status)
	}
	if n := len(s.Requests()); n != 2 {
		t.Errorf("recorded %d requests, want 2", n)
	}
}
