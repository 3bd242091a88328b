package discord

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestPreviewWebhook(t *testing.T) {
	s := newWebhookSetup(t, map[string]any{"username": "Turbo"})
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Target[paramThreadID] = "1180000000000000555"

	got, err := s.in.(sdk.Previewer).Preview(t.Context(), req)

	if err != nil {
		t.Fatalf("Preview: %v", err)
	}
	wantFirst := "POST " + s.fake.URL() + "/api/v9/webhooks/" + webhookID + "/<redacted>?thread_id=1180000000000000555&wait=true"
	if first, _, _ := strings.Cut(got, "\n"); first != wantFirst {
		t.Errorf("first line = %q, want %q", first, wantFirst)
	}
	for _, want := range []string{`"username": "Turbo"`, `"parse": []`, `"title": "TURBO-42 Login fails with 500 after password reset"`} {
		if !strings.Contains(got, want) {
			t.Errorf("preview lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, webhookToken) {
		t.Error("preview shows the webhook token")
	}
	if n := len(s.fake.Requests()); n != 0 {
		t.Errorf("Preview sent %d requests, want none", n)
	}
}

func TestPreviewBot(t *testing.T) {
	s := newBotSetup(t)

	got, err := s.in.(sdk.Previewer).Preview(t.Context(), botRequest(connectortest.LoadEvent(t, commentFile)))

	if err != nil {
		t.Fatalf("Preview: %v", err)
	}
	want := "POST " + s.fake.URL() + "/api/v9/channels/" + channelID + "/messages\nAuthorization: Bot <secret>\n\n{"
	if !strings.HasPrefix(got, want) {
		t.Errorf("preview starts %q, want %q", got[:min(len(got), len(want))], want)
	}
	if strings.Contains(got, botToken) {
		t.Error("preview shows the bot token")
	}
}

func TestPreviewGuardedWebhook(t *testing.T) {
	s := newWebhookSetup(t, nil)
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Target[paramWebhookURL] = "https://discord.com/api/webhooks/" + webhookID + "/" + webhookToken
	req.Untrusted = []string{paramWebhookURL}

	got, err := s.in.(sdk.Previewer).Preview(t.Context(), req)

	if err != nil {
		t.Fatalf("Preview: %v", err)
	}
	if !strings.Contains(got, "through the network guard") {
		t.Errorf("preview does not say the URL goes through the guard:\n%s", got)
	}
}

func TestPreviewReportsInvalidTarget(t *testing.T) {
	s := newBotSetup(t)
	_, err := s.in.(sdk.Previewer).Preview(t.Context(), deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile)))
	if err == nil || !strings.Contains(err.Error(), "channel_id") {
		t.Errorf("Preview error = %v, want one naming channel_id", err)
	}
}
