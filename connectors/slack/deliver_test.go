package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/slack/slackfake"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// webhookCredential is the part of the fake's webhook URL that stands for the
// credential; it must never appear in a result or a log.
const webhookCredential = "fake-webhook-credential-0123"

func TestDeliverClassification(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	target := sdk.Params{"channel": "#urgent"}
	t.Run("token", func(t *testing.T) {
		connectortest.CheckClassification(t, func(ctx context.Context, baseURL string) sdk.Result {
			in, _ := configure(t, map[string]any{"token": testToken, "api_url": baseURL + "/api/"})
			return in.Deliver(ctx, request(target, event))
		}, connectortest.WithClock(clock.NewFake(fixedNow)))
	})
	t.Run("webhook", func(t *testing.T) {
		connectortest.CheckClassification(t, func(ctx context.Context, baseURL string) sdk.Result {
			in, _ := configure(t, map[string]any{"webhook_url": baseURL + "/services/T0/B0/" + webhookCredential})
			return in.Deliver(ctx, request(nil, event))
		}, connectortest.WithClock(clock.NewFake(fixedNow)), connectortest.WithSuccessBody("text/plain", "ok"))
	})
}

func TestDeliverCancellation(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	t.Run("token", func(t *testing.T) {
		connectortest.CheckCancellation(t, func(ctx context.Context, baseURL string) sdk.Result {
			in, _ := configure(t, map[string]any{"token": testToken, "api_url": baseURL + "/api/"})
			return in.Deliver(ctx, request(sdk.Params{"channel": "#urgent"}, event))
		})
	})
	t.Run("webhook", func(t *testing.T) {
		connectortest.CheckCancellation(t, func(ctx context.Context, baseURL string) sdk.Result {
			in, _ := configure(t, map[string]any{"webhook_url": baseURL + "/services/T0/B0/" + webhookCredential})
			return in.Deliver(ctx, request(nil, event))
		})
	})
}

// errorCase is a scripted response of the fake and the result it must give.
type errorCase struct {
	name        string
	failure     slackfake.Failure
	want        sdk.Outcome
	wantStatus  int
	wantReason  string
	wantAfter   time.Duration
	wantExcerpt string
}

func checkErrorCase(t *testing.T, tc errorCase, result sdk.Result) {
	t.Helper()
	if result.Outcome != tc.want {
		t.Errorf("Outcome = %v, want %v (reason %q)", result.Outcome, tc.want, result.Reason)
	}
	if result.StatusCode != tc.wantStatus {
		t.Errorf("StatusCode = %d, want %d", result.StatusCode, tc.wantStatus)
	}
	if !strings.Contains(result.Reason, tc.wantReason) {
		t.Errorf("Reason = %q, want it to contain %q", result.Reason, tc.wantReason)
	}
	if result.RetryAfter != tc.wantAfter {
		t.Errorf("RetryAfter = %v, want %v", result.RetryAfter, tc.wantAfter)
	}
	if !strings.Contains(result.Response, tc.wantExcerpt) {
		t.Errorf("Response = %q, want it to contain %q", result.Response, tc.wantExcerpt)
	}
}

func TestDeliverWebAPIErrors(t *testing.T) {
	tests := []errorCase{
		{name: "ok false channel_not_found", failure: slackfake.Failure{Error: "channel_not_found"}, want: sdk.OutcomePermanent, wantStatus: 200,
			wantReason: `Slack returned error "channel_not_found": channel "#urgent" does not exist or is not visible to this app`, wantExcerpt: `"ok":false`},
		{name: "ok false not_in_channel", failure: slackfake.Failure{Error: "not_in_channel"}, want: sdk.OutcomePermanent, wantStatus: 200,
			wantReason: `the app is not a member of channel "#urgent"; invite it there`},
		{name: "ok false invalid_auth", failure: slackfake.Failure{Error: "invalid_auth"}, want: sdk.OutcomePermanent, wantStatus: 200,
			wantReason: "set token to a valid bot token"},
		{name: "ok false missing_scope", failure: slackfake.Failure{Error: "missing_scope"}, want: sdk.OutcomePermanent, wantStatus: 200,
			wantReason: "add chat:write"},
		{name: "ok false invalid_blocks", want: sdk.OutcomePermanent, wantStatus: 200,
			failure: slackfake.Failure{Error: "invalid_blocks", Errors: []string{"must be less than 151 characters [json-pointer:/blocks/0/text/text]"},
				Messages: []string{"[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]"}},
			wantReason: "check the template, or report the default message as a bug ([ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text])"},
		{name: "ok false msg_blocks_too_long", failure: slackfake.Failure{Error: "msg_blocks_too_long"}, want: sdk.OutcomePermanent, wantStatus: 200,
			wantReason: "shorten the route's template"},
		{name: "ok false rate_limited", failure: slackfake.Failure{Error: "rate_limited", RetryAfter: "12"}, want: sdk.OutcomeRetry, wantStatus: 200,
			wantReason: "Slack is rate limiting this app", wantAfter: 12 * time.Second},
		{name: "ok false fatal_error", failure: slackfake.Failure{Error: "fatal_error"}, want: sdk.OutcomeRetry, wantStatus: 200,
			wantReason: "the delivery is retried"},
		{name: "ok false unknown code", failure: slackfake.Failure{Error: "brand_new_error"}, want: sdk.OutcomePermanent, wantStatus: 200,
			wantReason: `Slack returned error "brand_new_error"`},
		{name: "429 Retry-After", failure: slackfake.Failure{Status: 429, RetryAfter: "30"}, want: sdk.OutcomeRetry, wantStatus: 429,
			wantReason: "429 Too Many Requests", wantAfter: 30 * time.Second},
		{name: "429 Retry-After date", failure: slackfake.Failure{Status: 429, RetryAfter: fixedNow.Add(45 * time.Second).Format(http.TimeFormat)},
			want: sdk.OutcomeRetry, wantStatus: 429, wantReason: "429 Too Many Requests", wantAfter: 45 * time.Second},
		{name: "503", failure: slackfake.Failure{Status: 503}, want: sdk.OutcomeRetry, wantStatus: 503, wantReason: "503 Service Unavailable"},
	}
	fake := slackfake.Start(t, slackfake.Options{Token: testToken})
	in, _ := configure(t, tokenConfig(fake, nil))
	event := connectortest.LoadEvent(t, issueCreatedFile)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake.Fail(tc.failure)
			checkErrorCase(t, tc, deliver(t, in, request(sdk.Params{"channel": "#urgent"}, event)))
		})
	}
}

func TestDeliverWebhookErrors(t *testing.T) {
	tests := []errorCase{
		{name: "404 no_service", failure: slackfake.Failure{Status: 404, Error: "no_service"}, want: sdk.OutcomePermanent, wantStatus: 404,
			wantReason: "the incoming webhook was disabled or removed; create a new one and update webhook_url (HTTP 404)", wantExcerpt: "no_service"},
		{name: "404 channel_not_found", failure: slackfake.Failure{Status: 404, Error: "channel_not_found"}, want: sdk.OutcomePermanent, wantStatus: 404,
			wantReason: "the webhook's channel does not exist or is not visible to this app"},
		{name: "410 channel_is_archived", failure: slackfake.Failure{Status: 410, Error: "channel_is_archived"}, want: sdk.OutcomePermanent, wantStatus: 410,
			wantReason: "the webhook's channel is archived"},
		{name: "403 action_prohibited", failure: slackfake.Failure{Status: 403, Error: "action_prohibited"}, want: sdk.OutcomePermanent, wantStatus: 403,
			wantReason: "an admin has restricted posting"},
		{name: "403 invalid_token", failure: slackfake.Failure{Status: 403, Error: "invalid_token"}, want: sdk.OutcomePermanent, wantStatus: 403,
			wantReason: "copy it again"},
		{name: "400 invalid_payload", failure: slackfake.Failure{Status: 400, Error: "invalid_payload"}, want: sdk.OutcomePermanent, wantStatus: 400,
			wantReason: "malformed"},
		{name: "500 rollup_error", failure: slackfake.Failure{Status: 500, Error: "rollup_error"}, want: sdk.OutcomeRetry, wantStatus: 500,
			wantReason: "the delivery is retried"},
		{name: "429 Retry-After", failure: slackfake.Failure{Status: 429, Error: "rate_limited", RetryAfter: "7"}, want: sdk.OutcomeRetry, wantStatus: 429,
			wantReason: "Slack is rate limiting this app", wantAfter: 7 * time.Second},
	}
	fake := slackfake.Start(t, slackfake.Options{})
	in, logs := configure(t, map[string]any{"webhook_url": fake.WebhookURL()})
	event := connectortest.LoadEvent(t, issueCreatedFile)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake.Fail(tc.failure)
			result := deliver(t, in, request(nil, event))
			checkErrorCase(t, tc, result)
			connectortest.CheckNoSecretLeak(t, []string{webhookCredential}, result, logs.String())
		})
	}
}

func TestDeliverChannelProblems(t *testing.T) {
	fake := slackfake.Start(t, slackfake.Options{Token: testToken, KnownChannelsOnly: true})
	fake.AddChannel(slackfake.Channel{ID: "C0PRIVATE", Name: "private", NotMember: true})
	fake.AddChannel(slackfake.Channel{ID: "C0OLD", Name: "old", Archived: true})
	in, _ := configure(t, tokenConfig(fake, nil))
	event := connectortest.LoadEvent(t, issueCreatedFile)
	tests := map[string]string{
		"#missing": `"channel_not_found"`,
		"#private": `"not_in_channel"`,
		"C0OLD":    `channel "C0OLD" is archived`,
	}
	for channel, want := range tests {
		t.Run(channel, func(t *testing.T) {
			result := deliver(t, in, request(sdk.Params{"channel": channel}, event))
			if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, want) {
				t.Errorf("result = %v %q, want permanent with %s", result.Outcome, result.Reason, want)
			}
		})
	}

	wrongToken, logs := configure(t, map[string]any{"token": "xoxb-wrong-token-0123456789", "api_url": fake.APIURL()})
	result := deliver(t, wrongToken, request(sdk.Params{"channel": "#private"}, event))
	if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, `"invalid_auth"`) {
		t.Errorf("wrong token: %v %q, want permanent invalid_auth", result.Outcome, result.Reason)
	}
	connectortest.CheckNoSecretLeak(t, []string{"xoxb-wrong-token-0123456789"}, result, logs.String())
}

func TestDeliverPostsMessage(t *testing.T) {
	fake := slackfake.Start(t, slackfake.Options{Token: testToken})
	in, _ := configure(t, tokenConfig(fake, map[string]any{"username": "Turbo", "icon_emoji": ":rotating_light:"}))

	result := deliver(t, in, request(sdk.Params{"channel": "#urgent", "mentions": []string{"here"}}, connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomeDelivered || result.StatusCode != 200 {
		t.Fatalf("result = %+v, want delivered", result)
	}
	messages := fake.Messages()
	if len(messages) != 1 {
		t.Fatalf("fake received %d messages, want 1", len(messages))
	}
	m := messages[0]
	if result.ExternalRef != m.ChannelID+"/"+m.TS {
		t.Errorf("ExternalRef = %q, want %s/%s", result.ExternalRef, m.ChannelID, m.TS)
	}
	if m.Username != "Turbo" || m.IconEmoji != ":rotating_light:" {
		t.Errorf("identity = %q %q, want the configured username and icon", m.Username, m.IconEmoji)
	}
	if !strings.HasPrefix(m.Text, "<!here> Issue created: TURBO-42") {
		t.Errorf("text = %q, want the route's mention first", m.Text)
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(m.Blocks), &blocks); err != nil || len(blocks) != 5 || blocks[0]["type"] != "header" {
		t.Errorf("blocks = %s (%v), want the default message's five blocks", m.Blocks, err)
	}
	if result.UpdateState {
		t.Error("a message without thread stored state")
	}
	if m.UserAgent != "Switchboard/dev" {
		t.Errorf("User-Agent = %q, want Switchboard/dev", m.UserAgent)
	}
}

func TestDeliverTemplateMessage(t *testing.T) {
	fake := slackfake.Start(t, slackfake.Options{})
	in, _ := configure(t, map[string]any{"webhook_url": fake.WebhookURL()})
	req := request(nil, connectortest.LoadEvent(t, issueCreatedFile))
	req.Message = "*TURBO-42* needs &lt;review&gt;\n" + connectortest.MultibyteText(5000)

	result := deliver(t, in, req)

	if result.Outcome != sdk.OutcomeDelivered || result.Response != "ok" || result.ExternalRef != "" {
		t.Fatalf("result = %+v, want delivered with the webhook's ok", result)
	}
	m := fake.Messages()[0]
	if !m.Webhook || !strings.HasPrefix(m.Text, "*TURBO-42* needs &lt;review&gt;") || strings.Count(m.Blocks, `"type":"section"`) != 2 {
		t.Errorf("message = %+v, want the template in two sections", m)
	}
}

func TestDeliverRejectsUntrustedMentions(t *testing.T) {
	fake := slackfake.Start(t, slackfake.Options{})
	in, _ := configure(t, tokenConfig(fake, nil))
	req := request(sdk.Params{"channel": "#urgent", "mentions": []string{"channel"}}, connectortest.LoadEvent(t, issueCreatedFile))
	req.Untrusted = []string{"mentions"}

	result := deliver(t, in, req)

	if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, "mentions must be written out") {
		t.Errorf("result = %v %q, want permanent", result.Outcome, result.Reason)
	}
	if fake.Received() != 0 {
		t.Errorf("fake received %d requests, want none", fake.Received())
	}
}

func TestDeliverResponseWithoutOK(t *testing.T) {
	tests := map[string]string{
		"ok false without error": `{"ok":false}`,
		"empty object":           `{}`,
		"html":                   `<html>login</html>`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			dest := connectortest.NewDestination(t)
			dest.SetDefault(connectortest.Response{Status: 200, Body: body})
			in, _ := configure(t, map[string]any{"token": testToken, "api_url": dest.URL() + "/api/"})
			result := deliver(t, in, request(sdk.Params{"channel": "#urgent"}, connectortest.LoadEvent(t, issueCreatedFile)))
			if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, "api_url must be") {
				t.Errorf("result = %v %q, want permanent naming api_url", result.Outcome, result.Reason)
			}
		})
	}
}

func TestDeliverPacedByFake(t *testing.T) {
	fakeClock := clock.NewFake(fixedNow)
	fake := slackfake.Start(t, slackfake.Options{Clock: fakeClock, Interval: time.Second})
	in, _ := configure(t, tokenConfig(fake, nil))
	event := connectortest.LoadEvent(t, issueCreatedFile)

	first := deliver(t, in, request(sdk.Params{"channel": "#urgent"}, event))
	second := deliver(t, in, request(sdk.Params{"channel": "#urgent"}, event))
	other := deliver(t, in, request(sdk.Params{"channel": "#other"}, event))
	fakeClock.Advance(time.Second)
	third := deliver(t, in, request(sdk.Params{"channel": "#urgent"}, event))

	if first.Outcome != sdk.OutcomeDelivered || other.Outcome != sdk.OutcomeDelivered || third.Outcome != sdk.OutcomeDelivered {
		t.Errorf("outcomes = %v, %v, %v; want delivered", first.Outcome, other.Outcome, third.Outcome)
	}
	if second.Outcome != sdk.OutcomeRetry || second.StatusCode != 429 || second.RetryAfter != time.Second {
		t.Errorf("second message within a second = %+v, want retry after 1s", second)
	}
}

func TestDeliverNoSecretLeak(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	t.Run("webhook transport error", func(t *testing.T) {
		in, logs := configure(t, map[string]any{"webhook_url": connectortest.ClosedURL(t) + "/services/T0/B0/" + webhookCredential})
		result := deliver(t, in, request(nil, event))
		if result.Outcome != sdk.OutcomeRetry || !strings.Contains(result.Reason, "<redacted>") {
			t.Errorf("result = %v %q, want a retry with the URL redacted", result.Outcome, result.Reason)
		}
		connectortest.CheckNoSecretLeak(t, []string{webhookCredential}, result, logs.String())
	})
	t.Run("token transport error", func(t *testing.T) {
		in, logs := configure(t, map[string]any{"token": testToken, "api_url": connectortest.ClosedURL(t) + "/api/"})
		result := deliver(t, in, request(sdk.Params{"channel": "#urgent"}, event))
		connectortest.CheckNoSecretLeak(t, []string{testToken}, result, logs.String())
	})
	t.Run("preview", func(t *testing.T) {
		for _, cfg := range []map[string]any{
			{"token": testToken, "channel": "#urgent"},
			{"webhook_url": "https://hooks.slack.com/services/T0/B0/" + webhookCredential},
		} {
			in, _ := configure(t, cfg)
			text, err := in.Preview(context.Background(), request(nil, event))
			if err != nil {
				t.Fatal(err)
			}
			connectortest.CheckNoSecretLeak(t, []string{testToken, webhookCredential}, sdk.Result{Response: text}, "")
		}
	})
}

func TestPreview(t *testing.T) {
	in, _ := configure(t, map[string]any{"token": testToken, "thread": true})
	text, err := in.Preview(context.Background(), request(sdk.Params{"channel": "#urgent"}, connectortest.LoadEvent(t, issueCreatedFile)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"POST https://slack.com/api/chat.postMessage",
		"(starts a thread unless one is stored for " + issueEntityKey + " on #urgent, then replies in it)",
		`"channel": "#urgent"`, `"type": "header"`, "<https://turbo.example/issues/TURBO-42|Open in Turbo>"} {
		if !strings.Contains(text, want) {
			t.Errorf("preview lacks %q:\n%s", want, text)
		}
	}

	webhook, _ := configure(t, map[string]any{"webhook_url": "https://hooks.slack.com/services/T0/B0/" + webhookCredential})
	text, err = webhook.Preview(context.Background(), request(nil, connectortest.LoadEvent(t, issueCreatedFile)))
	if err != nil || !strings.HasPrefix(text, "POST https://hooks.slack.com/<redacted>  (incoming webhook)") {
		t.Errorf("webhook preview = %q, %v", text, err)
	}
}

func TestPreviewThreadFromState(t *testing.T) {
	in, _ := configure(t, map[string]any{"token": testToken, "thread": true})
	tests := []struct {
		name  string
		state string
		want  string
	}{
		{"thread stored", `{"threads":{"#urgent":"1733300000.000100"}}`, `"thread_ts": "1733300000.000100"`},
		{"thread on another channel", `{"threads":{"#other":"1733300000.000100"}}`, "(starts the thread of " + issueEntityKey + " on #urgent)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := request(sdk.Params{"channel": "#urgent"}, connectortest.LoadEvent(t, issueCreatedFile))
			req.State = []byte(tc.state)

			text, err := in.Preview(context.Background(), req)

			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, tc.want) {
				t.Errorf("preview lacks %q:\n%s", tc.want, text)
			}
			if strings.Contains(text, "unless one is stored") {
				t.Errorf("preview with state says it cannot tell:\n%s", text)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	fake := slackfake.Start(t, slackfake.Options{Token: testToken})
	good, _ := configure(t, tokenConfig(fake, nil))
	if h := good.Health(context.Background()); !h.OK || !strings.Contains(h.Message, "Fake Workspace") {
		t.Errorf("Health with a valid token = %+v", h)
	}
	bad, _ := configure(t, map[string]any{"token": "xoxb-revoked-0123456789", "api_url": fake.APIURL()})
	if h := bad.Health(context.Background()); h.OK || !strings.Contains(h.Message, "invalid_auth") {
		t.Errorf("Health with a wrong token = %+v", h)
	}
	webhook, _ := configure(t, map[string]any{"webhook_url": fake.WebhookURL()})
	if h := webhook.Health(context.Background()); !h.OK {
		t.Errorf("Health of a webhook = %+v", h)
	}

	// A server that names the token's user and team by id only, as
	// `switchboard receive` does.
	idsOnly := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true,"user_id":"ULOCAL","team_id":"TLOCAL"}`))
	}))
	t.Cleanup(idsOnly.Close)
	ids, _ := configure(t, map[string]any{"token": testToken, "api_url": idsOnly.URL + "/api/"})
	if h := ids.Health(context.Background()); !h.OK || h.Message != "token of ULOCAL in workspace TLOCAL" {
		t.Errorf("Health with an answer of ids only = %+v, want the ids named", h)
	}
}

// TestDeliverRedirectNamesKey checks that a redirect names the config key that
// holds the address, not a target URL, which Slack targets do not have.
func TestDeliverRedirectNamesKey(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	tests := []struct {
		name    string
		cfg     func(base string) map[string]any
		target  sdk.Params
		wantKey string
	}{
		{"token", func(base string) map[string]any { return map[string]any{"token": testToken, "api_url": base + "/api/"} },
			sdk.Params{"channel": "#urgent"}, "set api_url to the new address"},
		{"webhook", func(base string) map[string]any {
			return map[string]any{"webhook_url": base + "/services/T0/B0/" + webhookCredential}
		},
			nil, "set webhook_url to the new address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dest := connectortest.NewDestination(t)
			dest.Script(connectortest.Response{Status: 302, Header: http.Header{"Location": {"https://slack.example/api/"}}})
			in, _ := configure(t, tc.cfg(dest.URL()))

			result := deliver(t, in, request(tc.target, event))

			if result.Outcome != sdk.OutcomePermanent || result.StatusCode != 302 {
				t.Fatalf("result = %v %d, want permanent 302", result.Outcome, result.StatusCode)
			}
			if !strings.Contains(result.Reason, tc.wantKey) || !strings.Contains(result.Reason, "https://slack.example/api/") {
				t.Errorf("Reason = %q, want the Location and %q", result.Reason, tc.wantKey)
			}
		})
	}
}
