package main

import (
	"context"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/discord"
	"github.com/turbocode/switchboard/connectors/email"
	"github.com/turbocode/switchboard/connectors/slack"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

const issueCreatedFile = "../../testdata/turbo/envelope/issue-created-high.json"

// startReceiver serves a receiver that responds as a, and returns its URL and
// what it prints.
func startReceiver(t *testing.T, a responses, showBody bool) (string, *connectortest.LogBuffer) {
	t.Helper()
	if err := a.validate(); err != nil {
		t.Fatalf("responses %+v: %v", a, err)
	}
	out := &connectortest.LogBuffer{}
	verify, err := newVerifier(exampleHookSecret)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(&receiver{out: out, verify: verify, responses: a, showBody: showBody})
	t.Cleanup(server.Close)
	return server.URL, out
}

// configureConnector returns a configured instance of connector, closed when
// the test ends. The receiver is on loopback, which a config's own address may
// reach.
func configureConnector(t *testing.T, connector sdk.Connector, cfg map[string]any) sdk.Instance {
	t.Helper()
	ic, _ := connectortest.NewInstanceConfig(t, "local", cfg)
	ic.Turbo.WebURL = "https://turbo.example.com"
	if diagnostics := connector.ValidateConfig(ic.Config); len(diagnostics) > 0 {
		t.Fatalf("config %v is invalid: %+v", cfg, diagnostics)
	}
	in, err := connector.Configure(context.Background(), ic)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

func deliverTo(t *testing.T, in sdk.Instance, target sdk.Params, state []byte) sdk.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := &sdk.DeliveryRequest{DeliveryID: "dlv_test_1", Attempt: 1, Route: "urgent", Target: target,
		Events: []sdk.Event{connectortest.LoadEvent(t, issueCreatedFile)}, EntityKey: "issue:42", State: state}
	return in.Deliver(ctx, req)
}

// receiveCase is a --status and the result the connector must return for it.
type receiveCase struct {
	name       string
	responses  responses
	want       sdk.Outcome
	wantReason string
	wantWait   time.Duration
}

func checkReceiveCase(t *testing.T, tc receiveCase, result sdk.Result) {
	t.Helper()
	if result.Outcome != tc.want {
		t.Fatalf("Outcome = %v (%q), want %v", result.Outcome, result.Reason, tc.want)
	}
	if !strings.Contains(result.Reason, tc.wantReason) {
		t.Errorf("Reason = %q, want it to contain %q", result.Reason, tc.wantReason)
	}
	if result.RetryAfter < tc.wantWait {
		t.Errorf("RetryAfter = %s, want at least %s", result.RetryAfter, tc.wantWait)
	}
}

func TestReceiveAnswersSlackAPI(t *testing.T) {
	tests := []receiveCase{
		{"ok", responses{status: 200, retryAfter: 5}, sdk.OutcomeDelivered, "", 0},
		{"not found is ok false", responses{status: 404, retryAfter: 5}, sdk.OutcomePermanent, "channel_not_found", 0},
		{"chosen error", responses{status: 400, retryAfter: 5, slackError: "invalid_blocks"}, sdk.OutcomePermanent, "invalid_blocks", 0},
		{"rate limited", responses{status: 429, retryAfter: 7}, sdk.OutcomeRetry, "", 7 * time.Second},
		{"unavailable", responses{status: 503, retryAfter: 5}, sdk.OutcomeRetry, "503", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url, _ := startReceiver(t, tc.responses, false)
			in := configureConnector(t, slack.New(), map[string]any{"token": "xoxb-local-receiver", "api_url": url + "/slack/"})

			result := deliverTo(t, in, sdk.Params{"channel": "#urgent"}, nil)

			checkReceiveCase(t, tc, result)
		})
	}
}

func TestReceiveAnswersSlackWebhook(t *testing.T) {
	tests := []receiveCase{
		{"ok", responses{status: 200, retryAfter: 5}, sdk.OutcomeDelivered, "", 0},
		{"not found", responses{status: 404, retryAfter: 5}, sdk.OutcomePermanent, "channel_not_found", 0},
		{"rate limited", responses{status: 429, retryAfter: 7}, sdk.OutcomeRetry, "", 7 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url, out := startReceiver(t, tc.responses, false)
			in := configureConnector(t, slack.New(), map[string]any{"webhook_url": url + "/services/T000/B000/local-receiver"})

			result := deliverTo(t, in, sdk.Params{}, nil)

			checkReceiveCase(t, tc, result)
			if !strings.Contains(out.String(), "Slack webhook message") {
				t.Errorf("output = %q, want the request printed as a Slack webhook message, not a signed webhook", out)
			}
		})
	}
}

func TestReceiveAnswersDiscord(t *testing.T) {
	const channelID = "1180000000000000100"
	tests := []struct {
		receiveCase
		bot bool
	}{
		{receiveCase{"webhook ok", responses{status: 200, retryAfter: 5}, sdk.OutcomeDelivered, "", 0}, false},
		{receiveCase{"webhook missing permissions", responses{status: 403, retryAfter: 5}, sdk.OutcomePermanent, "code 50013", 0}, false},
		{receiveCase{"webhook deleted", responses{status: 404, retryAfter: 5}, sdk.OutcomePermanent, "code 10015", 0}, false},
		{receiveCase{"webhook rate limited", responses{status: 429, retryAfter: 7}, sdk.OutcomeRetry, "Discord rate limit", 7 * time.Second}, false},
		{receiveCase{"bot ok", responses{status: 200, retryAfter: 5}, sdk.OutcomeDelivered, "", 0}, true},
		{receiveCase{"bot unknown channel", responses{status: 404, retryAfter: 5}, sdk.OutcomePermanent, "code 10003", 0}, true},
		{receiveCase{"bot server error", responses{status: 502, retryAfter: 5}, sdk.OutcomeRetry, "502", 0}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url, out := startReceiver(t, tc.responses, false)
			cfg := map[string]any{"webhook_url": url + "/api/webhooks/1/local-receiver"}
			target := sdk.Params{}
			if tc.bot {
				cfg = map[string]any{"token": "local-receiver", "api_url": url + "/api"}
				target["channel_id"] = channelID
			}
			in := configureConnector(t, discord.New(), cfg)

			result := deliverTo(t, in, target, nil)

			checkReceiveCase(t, tc.receiveCase, result)
			if tc.bot && !strings.Contains(out.String(), "Discord bot message to channel "+channelID) {
				t.Errorf("output = %q, want the bot's channel", out)
			}
		})
	}
}

// TestReceivePrintsSlackThread posts two threaded messages about one issue:
// the second replies in the first one's thread, and the output shows it.
func TestReceivePrintsSlackThread(t *testing.T) {
	url, out := startReceiver(t, responses{status: 200, retryAfter: 5}, true)
	in := configureConnector(t, slack.New(), map[string]any{"token": "xoxb-local-receiver", "api_url": url + "/slack/", "thread": true})
	target := sdk.Params{"channel": "#urgent"}

	first := deliverTo(t, in, target, nil)
	second := deliverTo(t, in, target, first.State)

	if first.Outcome != sdk.OutcomeDelivered || second.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("outcomes = %v, %v; want both delivered", first.Outcome, second.Outcome)
	}
	ts := strings.TrimPrefix(first.ExternalRef, "C0LOCAL/")
	printed := out.String()
	if !strings.Contains(printed, "Slack message to #urgent in thread "+ts) {
		t.Errorf("output does not show the reply in thread %s:\n%s", ts, printed)
	}
	if !strings.Contains(printed, `"thread_ts": "`+ts+`"`) || !strings.Contains(printed, `"blocks": [`) {
		t.Errorf("--body output lacks the payload's thread_ts and blocks:\n%s", printed)
	}
	if strings.Contains(printed, "local-receiver") {
		t.Errorf("--body output shows the Slack token:\n%s", printed)
	}
	if !strings.Contains(printed, `"token": "<secret>"`) {
		t.Errorf("--body output does not show the token's field as <secret>:\n%s", printed)
	}
	if strings.Contains(printed, `\u003c`) || !strings.Contains(printed, "<https://turbo.example.com/issues/TURBO-42|Open in Turbo>") {
		t.Errorf("--body output shows < and > as JSON escapes:\n%s", printed)
	}
}

func TestReceiveAnswersWebhook429(t *testing.T) {
	reply := responses{status: 429, retryAfter: 9}.webhook()
	if reply.status != 429 || reply.header.Get("Retry-After") != "9" {
		t.Errorf("reply = %d with Retry-After %q, want 429 with 9", reply.status, reply.header.Get("Retry-After"))
	}
}

func TestReceiveValidatesFlags(t *testing.T) {
	tests := []struct {
		name      string
		responses responses
		want      string
	}{
		{"status", responses{status: 99, retryAfter: 5}, "--status 99 is not an HTTP status"},
		{"retry after", responses{status: 429, retryAfter: 0}, "--retry-after 0 is out of range"},
		{"slack error without 4xx", responses{status: 200, retryAfter: 5, slackError: "invalid_blocks"}, "--slack-error applies to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.responses.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validate = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestReceiveSMTPSink(t *testing.T) {
	tests := []receiveCase{
		{"accepted", responses{status: 200, retryAfter: 5}, sdk.OutcomeDelivered, "", 0},
		{"temporary", responses{status: 503, retryAfter: 5}, sdk.OutcomeRetry, "451", 0},
		{"rejected", responses{status: 404, retryAfter: 5}, sdk.OutcomePermanent, "550", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := &connectortest.LogBuffer{}
			r := &receiver{out: out, responses: tc.responses, showBody: true}
			listener, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(r.serveSMTP(listener))
			port := listener.Addr().(*net.TCPAddr).Port
			in := configureConnector(t, email.New(), map[string]any{"host": "127.0.0.1", "port": port, "tls": "none",
				"from": "switchboard@example.com"})

			result := deliverTo(t, in, sdk.Params{"to": []string{"team@example.com"}}, nil)

			checkReceiveCase(t, tc, result)
			printed := out.String()
			if !strings.Contains(printed, "mail from switchboard@example.com to team@example.com: \"[Turbo] TURBO-42") {
				t.Errorf("output lacks the mail's line:\n%s", printed)
			}
			if !strings.Contains(printed, "Message-ID: <") || !strings.Contains(printed, "Login fails") {
				t.Errorf("--body output lacks the headers or the text part:\n%s", printed)
			}
			if tc.want != sdk.OutcomeDelivered && !strings.Contains(printed, "-> answered "+strconv.Itoa(int(result.StatusCode))) {
				t.Errorf("output does not say what was answered (%d):\n%s", result.StatusCode, printed)
			}
		})
	}
}
