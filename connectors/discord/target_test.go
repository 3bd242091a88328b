package discord

import (
	"encoding/json"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

func TestValidateTarget(t *testing.T) {
	webhookConfig := json.RawMessage(`{"webhook_url": "https://discord.com/api/webhooks/1180000000000000001/abc"}`)
	botConfig := json.RawMessage(`{"token": "abc.def"}`)
	emptyConfig := json.RawMessage(`{}`)
	tests := []struct {
		name   string
		config json.RawMessage
		target sdk.TargetSpec
		want   []sdk.Diagnostic
	}{
		{"webhook config", webhookConfig, sdk.TargetSpec{}, nil},
		{"webhook thread and identity", webhookConfig, sdk.TargetSpec{Literal: sdk.Params{"thread_id": "5", "username": "Turbo",
			"avatar_url": "https://turbo.example.com/a.png", "mentions": []string{"<@1>", "@here"}}}, nil},
		{"target webhook", emptyConfig, sdk.TargetSpec{Literal: sdk.Params{"webhook_url": "https://discord.com/api/webhooks/5/abc"}}, nil},
		{"templated webhook", emptyConfig, sdk.TargetSpec{Templated: []string{"webhook_url"}}, nil},
		{"bot channel", botConfig, sdk.TargetSpec{Literal: sdk.Params{"channel_id": "1180000000000000100"}}, nil},
		{"bot templated thread", botConfig, sdk.TargetSpec{Templated: []string{"thread_id"}}, nil},
		{"nowhere to send", emptyConfig, sdk.TargetSpec{},
			[]sdk.Diagnostic{{Message: "the connector has no webhook_url or token and this target sets no webhook_url; set webhook_url or token on the connector, or webhook_url on the target"}}},
		{"bot without channel", botConfig, sdk.TargetSpec{},
			[]sdk.Diagnostic{{Message: "the connector posts as a bot and this target names no channel; set channel_id (or thread_id) on the target"}}},
		{"bot with webhook keys", botConfig, sdk.TargetSpec{Literal: sdk.Params{"channel_id": "5", "username": "Turbo"}, Templated: []string{"thread_name"}},
			[]sdk.Diagnostic{
				{Path: "username", Message: "username applies to webhooks only; remove it, or post with webhook_url"},
				{Path: "thread_name", Message: "thread_name applies to webhooks only; remove it, or post with webhook_url"},
			}},
		{"webhook with channel", webhookConfig, sdk.TargetSpec{Templated: []string{"channel_id"}},
			[]sdk.Diagnostic{{Path: "channel_id", Message: "channel_id applies to bot mode; a webhook posts to its own channel, so remove channel_id (use thread_id to post in a thread)"}}},
		{"channel not numeric", botConfig, sdk.TargetSpec{Literal: sdk.Params{"channel_id": "#urgent"}},
			[]sdk.Diagnostic{{Path: "channel_id", Message: `"#urgent" is not a numeric Discord id; copy the id with Discord's developer mode`}}},
		{"bad target webhook", emptyConfig, sdk.TargetSpec{Literal: sdk.Params{"webhook_url": "https://hooks.slack.com/services/T/B/SECRET"}},
			[]sdk.Diagnostic{{Path: "webhook_url", Message: "webhook URL https://hooks.slack.com/<redacted>: its path does not end in /api/webhooks/<id>/<token>; copy the URL with Copy Webhook URL in the channel's Integrations settings"}}},
		{"bad literal mention", webhookConfig, sdk.TargetSpec{Literal: sdk.Params{"mentions": []string{"@everyone", "ops"}}},
			[]sdk.Diagnostic{{Path: "mentions", Message: `mention "ops" is not a mention; write "<@USER_ID>", "<@&ROLE_ID>", "@everyone" or "@here"`}}},
		{"bad literal username", webhookConfig, sdk.TargetSpec{Literal: sdk.Params{"username": "Clyde"}},
			[]sdk.Diagnostic{{Path: "username", Message: `the name "Clyde" contains "clyde", which Discord rejects in webhook names; choose another name`}}},
		{"bad literal avatar", webhookConfig, sdk.TargetSpec{Literal: sdk.Params{"avatar_url": "logo.png"}},
			[]sdk.Diagnostic{{Path: "avatar_url", Message: `invalid avatar URL "logo.png"; write an absolute https URL of an image`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := New().ValidateTarget(tc.config, tc.target)
			if len(got) != len(tc.want) {
				t.Fatalf("ValidateTarget = %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("diagnostic %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestInfo(t *testing.T) {
	info := New().Info()
	if info.Name != "discord" || info.Markup != sdk.MarkupDiscord {
		t.Errorf("Name, Markup = %q, %q", info.Name, info.Markup)
	}
	if info.Capabilities.RateLimit == nil || info.Capabilities.RateLimit.PerSecond <= 0 || info.Capabilities.RateLimit.Burst < 1 {
		t.Errorf("RateLimit = %+v, want a positive pace", info.Capabilities.RateLimit)
	}
	names := map[string]bool{}
	for _, p := range info.TargetParams {
		names[p.Name] = true
	}
	for _, name := range info.DestinationParams {
		if !names[name] {
			t.Errorf("destination parameter %q is not a target parameter", name)
		}
	}
}
