package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

func TestValidateTarget(t *testing.T) {
	token := json.RawMessage(`{"token":"xoxb-1-2"}`)
	tokenWithChannel := json.RawMessage(`{"token":"xoxb-1-2","channel":"#turbo"}`)
	webhook := json.RawMessage(`{"webhook_url":"https://hooks.slack.com/services/T0/B0/abc"}`)
	tests := []struct {
		name   string
		config json.RawMessage
		target sdk.TargetSpec
		want   []sdk.Diagnostic
	}{
		{"literal channel", token, sdk.TargetSpec{Literal: sdk.Params{"channel": "#urgent"}}, nil},
		{"templated channel", token, sdk.TargetSpec{Templated: []string{"channel"}}, nil},
		{"default channel", tokenWithChannel, sdk.TargetSpec{}, nil},
		{"webhook without channel", webhook, sdk.TargetSpec{}, nil},
		{"mentions", token, sdk.TargetSpec{Literal: sdk.Params{"channel": "C1", "mentions": []any{"here", "U024BE7LH", "S0614TZR7"}}}, nil},
		{"thread false on webhook", webhook, sdk.TargetSpec{Literal: sdk.Params{"thread": "false"}}, nil},
		{"no channel anywhere", token, sdk.TargetSpec{},
			[]sdk.Diagnostic{{Message: `the target sets no channel and the connector has no default channel; set channel: "#urgent" (a name, or an ID such as C0123456789)`}}},
		{"channel on webhook", webhook, sdk.TargetSpec{Literal: sdk.Params{"channel": "#urgent"}},
			[]sdk.Diagnostic{{Path: "channel", Message: errWebhookChannel.Error()}}},
		{"invalid channel", token, sdk.TargetSpec{Literal: sdk.Params{"channel": "team urgent"}},
			[]sdk.Diagnostic{{Path: "channel", Message: `invalid channel "team urgent"; write a channel name such as "#urgent" or a channel ID such as C0123456789`}}},
		{"thread on webhook", webhook, sdk.TargetSpec{Literal: sdk.Params{"thread": "true"}},
			[]sdk.Diagnostic{{Path: "thread", Message: "threads need token mode: Slack's incoming webhooks return no message ts, so replies cannot find their thread; remove thread, or give the connector a token"}}},
		{"thread not a bool", token, sdk.TargetSpec{Literal: sdk.Params{"channel": "C1", "thread": "yes"}},
			[]sdk.Diagnostic{{Path: "thread", Message: `invalid thread value "yes"; use "true" or "false"`}}},
		{"templated mentions", token, sdk.TargetSpec{Literal: sdk.Params{"channel": "C1"}, Templated: []string{"mentions"}},
			[]sdk.Diagnostic{{Path: "mentions", Message: "mentions must be written out in the route, not rendered from a template, so that event data can never ping people"}}},
		{"unknown mention", token, sdk.TargetSpec{Literal: sdk.Params{"channel": "C1", "mentions": []any{"@alice"}}},
			[]sdk.Diagnostic{{Path: "mentions", Message: `unknown mention "@alice"; use here, channel, everyone, a user ID such as U024BE7LH, or a user group ID such as S0614TZR7`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := New().ValidateTarget(tt.config, tt.target)
			if len(got) != len(tt.want) {
				t.Fatalf("ValidateTarget = %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("diagnostic %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestResolveTarget(t *testing.T) {
	token, _ := parseConfig(json.RawMessage(`{"token":"xoxb-1-2","channel":"#turbo","thread":true}`))
	webhook, _ := parseConfig(json.RawMessage(`{"webhook_url":"https://hooks.slack.com/services/T0/B0/abc"}`))
	noDefault, _ := parseConfig(json.RawMessage(`{"token":"xoxb-1-2"}`))
	tests := []struct {
		name      string
		cfg       config
		params    sdk.Params
		untrusted []string
		want      target
		wantErr   string
	}{
		{"default channel and thread", token, sdk.Params{}, nil, target{channel: "#turbo", thread: true}, ""},
		{"target overrides", token, sdk.Params{"channel": "C0123", "thread": "false", "mentions": []string{"here", "@U024BE7LH"}}, nil,
			target{channel: "C0123", mentions: "<!here> <@U024BE7LH>"}, ""},
		{"templated channel", token, sdk.Params{"channel": "#team-a"}, []string{"channel"}, target{channel: "#team-a", thread: true}, ""},
		{"webhook", webhook, sdk.Params{}, nil, target{}, ""},
		{"templated mentions", token, sdk.Params{"mentions": []string{"channel"}}, []string{"mentions"}, target{}, "mentions must be written out"},
		{"rendered channel empty", token, sdk.Params{"channel": ""}, []string{"channel"}, target{channel: "#turbo", thread: true}, ""},
		{"rendered channel empty without default", noDefault, sdk.Params{"channel": ""}, []string{"channel"}, target{}, "no channel to post to"},
		{"rendered channel invalid", token, sdk.Params{"channel": "<!channel>"}, []string{"channel"}, target{}, `target channel: invalid channel "<!channel>"`},
		{"channel on webhook", webhook, sdk.Params{"channel": "#x"}, nil, target{}, "incoming webhook"},
		{"thread on webhook", webhook, sdk.Params{"thread": "true"}, nil, target{}, "threads need token mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveTarget(tt.cfg, &sdk.DeliveryRequest{Target: tt.params, Untrusted: tt.untrusted})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolveTarget: %v", err)
			}
			if got != tt.want {
				t.Errorf("target = %+v, want %+v", got, tt.want)
			}
		})
	}
}
