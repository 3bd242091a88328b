package discord

import (
	"strings"
	"testing"
)

func TestParseWebhookURL(t *testing.T) {
	tests := []struct {
		raw        string
		wantBase   string
		wantID     string
		wantToken  string
		wantThread string
	}{
		{"https://discord.com/api/webhooks/1180000000000000001/abc-DEF_123", "https://discord.com/api", "1180000000000000001", "abc-DEF_123", ""},
		{"https://discord.com/api/v10/webhooks/1180000000000000001/abc", "https://discord.com/api", "1180000000000000001", "abc", ""},
		{"https://discordapp.com/api/webhooks/1180000000000000001/abc/", "https://discordapp.com/api", "1180000000000000001", "abc", ""},
		{"https://discord.com/api/webhooks/1180000000000000001/abc?thread_id=1180000000000000002&wait=false",
			"https://discord.com/api", "1180000000000000001", "abc", "1180000000000000002"},
		{"http://127.0.0.1:8080/api/webhooks/5/tok-5", "http://127.0.0.1:8080/api", "5", "tok-5", ""},
		{"https://proxy.example.com/discord/api/webhooks/5/tok-5", "https://proxy.example.com/discord/api", "5", "tok-5", ""},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			w, err := parseWebhookURL(tc.raw)
			if err != nil {
				t.Fatalf("parseWebhookURL: %v", err)
			}
			if got := w.Base.String(); got != tc.wantBase {
				t.Errorf("Base = %q, want %q", got, tc.wantBase)
			}
			if w.ID != tc.wantID || w.Token != tc.wantToken || w.ThreadID != tc.wantThread {
				t.Errorf("ID, Token, ThreadID = %q, %q, %q; want %q, %q, %q", w.ID, w.Token, w.ThreadID, tc.wantID, tc.wantToken, tc.wantThread)
			}
			if strings.Contains(w.Redacted(), w.Token) {
				t.Errorf("Redacted() = %q shows the token", w.Redacted())
			}
		})
	}
}

func TestParseWebhookURLRejects(t *testing.T) {
	const secret = "tok-SECRET-value"
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"no path", "https://discord.com", "does not end in /api/webhooks/<id>/<token>"},
		{"missing token", "https://discord.com/api/webhooks/1180000000000000001", "does not end in"},
		{"id with letters", "https://discord.com/api/webhooks/12a/" + secret, "not a numeric Discord id"},
		{"id with leading zero", "https://discord.com/api/webhooks/0123/" + secret, "not a numeric Discord id"},
		{"id over 64 bits", "https://discord.com/api/webhooks/99999999999999999999/" + secret, "not a numeric Discord id"},
		{"token with dot", "https://discord.com/api/webhooks/5/" + secret + ".x", "characters a Discord webhook token never has"},
		{"escaped slash in token", "https://discord.com/api/webhooks/5/a%2Fb", "characters a Discord webhook token never has"},
		{"github endpoint", "https://discord.com/api/webhooks/5/" + secret + "/github", "remove /github"},
		{"thread id not numeric", "https://discord.com/api/webhooks/5/" + secret + "?thread_id=abc", "thread_id is not a numeric"},
		{"unknown query", "https://discord.com/api/webhooks/5/" + secret + "?token=x", `query parameter "token"`},
		{"mailto", "mailto:ops@example.com", `scheme "mailto"`},
		{"relative", "/api/webhooks/5/" + secret, "webhook URL /<redacted> has no scheme such as https://"},
		{"no scheme", "discord.com/api/webhooks/5/" + secret, "webhook URL discord.com/<redacted> has no scheme such as https://"},
		{"user info", "https://user:" + secret + "@discord.com/api/webhooks/5/t", "user name or password"},
		{"unparsable", "https://discord.com/api/webhooks/5/%zz", "invalid webhook URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseWebhookURL(tc.raw)
			if err == nil {
				t.Fatalf("parseWebhookURL(%q) succeeded, want an error", tc.raw)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error %q shows the token", err)
			}
		})
	}
}

func FuzzParseWebhookURL(f *testing.F) {
	f.Add("https://discord.com/api/webhooks/1180000000000000001/abc-DEF_123")
	f.Add("https://discord.com/api/v10/webhooks/1/abc?thread_id=2")
	f.Add("http://127.0.0.1:1/webhooks/1/t/")
	f.Add("https://discord.com/api/webhooks/1/t/slack")
	f.Add("https://discord.com/api/webhooks/%2e%2e/t")
	f.Fuzz(func(t *testing.T, raw string) {
		w, err := parseWebhookURL(raw)
		if err != nil {
			return
		}
		if !isSnowflake(w.ID) {
			t.Errorf("ID %q is not a snowflake", w.ID)
		}
		if !tokenSyntax.MatchString(w.Token) {
			t.Errorf("Token %q can change the request path", w.Token)
		}
		if w.ThreadID != "" && !isSnowflake(w.ThreadID) {
			t.Errorf("ThreadID %q is not a snowflake", w.ThreadID)
		}
		if w.Base.Scheme != "http" && w.Base.Scheme != "https" {
			t.Errorf("Base scheme %q", w.Base.Scheme)
		}
	})
}

func TestIsSnowflake(t *testing.T) {
	tests := map[string]bool{
		"1": true, "1180000000000000001": true, "18446744073709551615": true,
		"": false, "0": false, "01": false, "18446744073709551616": false, "-1": false, "1 ": false, "１": false,
	}
	for value, want := range tests {
		if got := isSnowflake(value); got != want {
			t.Errorf("isSnowflake(%q) = %v, want %v", value, got, want)
		}
	}
}
