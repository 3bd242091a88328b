package slackfake

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

func TestValidateBlocks(t *testing.T) {
	long := strings.Repeat("x", 151)
	tests := []struct {
		name      string
		blocks    string
		want      []string
		malformed bool
	}{
		{"valid", `[{"type":"header","text":{"type":"plain_text","text":"Hi"}},{"type":"section","fields":[{"type":"mrkdwn","text":"*a*"}]},` +
			`{"type":"context","elements":[{"type":"mrkdwn","text":"c"}]},{"type":"divider"}]`, nil, false},
		{"long header", `[{"type":"header","text":{"type":"plain_text","text":"` + long + `"}}]`,
			[]string{"must be less than 151 characters [json-pointer:/blocks/0/text/text]"}, false},
		{"mrkdwn header", `[{"type":"header","text":{"type":"mrkdwn","text":"x"}}]`,
			[]string{"must be a valid enum value [json-pointer:/blocks/0/text/type]"}, false},
		{"empty section", `[{"type":"section"}]`, []string{"must provide either text or fields [json-pointer:/blocks/0]"}, false},
		{"empty text", `[{"type":"section","text":{"type":"mrkdwn","text":""}}]`,
			[]string{"must be more than 0 characters [json-pointer:/blocks/0/text/text]"}, false},
		{"emoji counts twice", `[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("🚀", 76) + `"}}]`,
			[]string{"must be less than 151 characters [json-pointer:/blocks/0/text/text]"}, false},
		{"unknown type", `[{"type":"banner"}]`, []string{`unsupported type "banner" [json-pointer:/blocks/0/type]`}, false},
		{"not an array", `{"type":"section"}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, malformed := ValidateBlocks([]byte(tt.blocks))
			if malformed != tt.malformed {
				t.Fatalf("malformed = %v, want %v", malformed, tt.malformed)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems = %q, want %q", got, tt.want)
			}
		})
	}
}

func postForm(t *testing.T, target string, values url.Values) map[string]any {
	t.Helper()
	resp, err := http.PostForm(target, values)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatalf("status %d, body not JSON: %v", resp.StatusCode, err)
	}
	return answer
}

func TestPostMessageAnswers(t *testing.T) {
	s := Start(t, Options{Token: "xoxb-right", KnownChannelsOnly: true})
	s.AddChannel(Channel{ID: "C1", Name: "urgent"})
	api := s.APIURL() + "chat.postMessage"
	tests := []struct {
		name   string
		values url.Values
		want   string
	}{
		{"no token", url.Values{"channel": {"C1"}, "text": {"x"}}, "not_authed"},
		{"wrong token", url.Values{"token": {"xoxb-wrong"}, "channel": {"C1"}, "text": {"x"}}, "invalid_auth"},
		{"unknown channel", url.Values{"token": {"xoxb-right"}, "channel": {"#nope"}, "text": {"x"}}, "channel_not_found"},
		{"no text", url.Values{"token": {"xoxb-right"}, "channel": {"#urgent"}}, "no_text"},
		{"bad blocks", url.Values{"token": {"xoxb-right"}, "channel": {"C1"}, "blocks": {`[{"type":"section"}]`}}, "invalid_blocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer := postForm(t, api, tt.values)
			if answer["ok"] != false || answer["error"] != tt.want {
				t.Errorf("answer = %v, want ok false with %s", answer, tt.want)
			}
		})
	}

	root := postForm(t, api, url.Values{"token": {"xoxb-right"}, "channel": {"#urgent"}, "text": {"root"}})
	reply := postForm(t, api, url.Values{"token": {"xoxb-right"}, "channel": {"C1"}, "text": {"reply"}, "thread_ts": {root["ts"].(string)}})
	orphan := postForm(t, api, url.Values{"token": {"xoxb-right"}, "channel": {"C1"}, "text": {"orphan"}, "thread_ts": {"1.000001"}})
	if reply["message"].(map[string]any)["thread_ts"] != root["ts"] {
		t.Errorf("reply = %v, want it in the root's thread", reply)
	}
	if _, threaded := orphan["message"].(map[string]any)["thread_ts"]; threaded {
		t.Errorf("reply to a missing parent = %v, want a message of its own", orphan)
	}
	if n := len(s.Messages()); n != 3 {
		t.Errorf("accepted %d messages, want 3", n)
	}
}

func TestWebhookPacing(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	s := Start(t, Options{Clock: fake, Interval: time.Second})
	post := func() (int, string, string) {
		resp, err := http.Post(s.WebhookURL(), "application/json", strings.NewReader(`{"text":"hi"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), string(body)
	}

	if status, _, body := post(); status != 200 || body != "ok" {
		t.Fatalf("first post = %d %q, want 200 ok", status, body)
	}
	fake.Advance(400 * time.Millisecond)
	if status, retry, _ := post(); status != 429 || retry != "1" {
		t.Errorf("second post 400ms later = %d, Retry-After %q; want 429 after 1", status, retry)
	}
	fake.Advance(600 * time.Millisecond)
	if status, _, _ := post(); status != 200 {
		t.Errorf("third post a second after the first = %d, want 200", status)
	}
	if s.RateLimited() != 1 || s.Received() != 3 {
		t.Errorf("rate limited %d of %d, want 1 of 3", s.RateLimited(), s.Received())
	}
}

func TestWebhookErrorsArePlainText(t *testing.T) {
	s := Start(t, Options{})
	s.Fail(Failure{Status: 404, Error: "channel_not_found"})
	resp, err := http.Post(s.WebhookURL(), "application/json", strings.NewReader(`{"text":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || string(body) != "channel_not_found" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("scripted failure = %d %q (%s)", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}

	resp, err = http.Post(s.URL()+"/services/T0/B0/unknown", "application/json", strings.NewReader(`{"text":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || string(body) != "no_service" {
		t.Errorf("unknown webhook = %d %q, want 404 no_service", resp.StatusCode, body)
	}
}

func FuzzValidateBlocks(f *testing.F) {
	f.Add(`[{"type":"section","text":{"type":"mrkdwn","text":"x"},"fields":[{"type":"plain_text","text":"y"}]}]`)
	f.Add(`[{"type":"context","elements":[{"type":"image"},{"type":"mrkdwn","text":""}]}]`)
	f.Add(`[1, "x", null]`)
	f.Fuzz(func(t *testing.T, raw string) {
		problems, malformed := ValidateBlocks([]byte(raw))
		if malformed && len(problems) > 0 {
			t.Errorf("ValidateBlocks(%q) is malformed and lists problems", raw)
		}
		BlocksTextLength([]byte(raw))
	})
}
