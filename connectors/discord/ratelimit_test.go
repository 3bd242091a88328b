package discord

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/discord/discordtest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestDeliverRateLimitedWaits(t *testing.T) {
	tests := []struct {
		name       string
		response   discordtest.Response
		wantAfter  time.Duration
		wantReason string
	}{
		{"body decimals and header", discordtest.RateLimited(1.5, false), 2 * time.Second, "retry after 2s"},
		{"body decimals only", discordtest.Response{Status: 429, Body: `{"message":"You are being rate limited.","retry_after":0.25,"global":false}`},
			250 * time.Millisecond, "retry after 250ms"},
		{"reset-after header", discordtest.Response{Status: 429, Header: http.Header{"X-Ratelimit-Reset-After": {"3.2"}, "X-Ratelimit-Bucket": {"abcd"}},
			Body: `{"retry_after":1}`}, 3200 * time.Millisecond, "bucket abcd"},
		{"body not JSON", discordtest.Response{Status: 429, Header: http.Header{"Retry-After": {"7"}}, Body: "slow down"}, 7 * time.Second, "Discord rate limit"},
		{"channel write limit", discordtest.Response{Status: 429, Body: `{"message":"The channel you are writing has hit the write rate limit","code":20028,"retry_after":4.5,"global":false}`},
			4500 * time.Millisecond, "the channel's write limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newWebhookSetup(t, nil)
			s.fake.Script(tc.response)

			result := deliver(t, s.in, deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile)))

			if result.Outcome != sdk.OutcomeRetry || result.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("result = %v %d, want retry with 429 (reason %q)", result.Outcome, result.StatusCode, result.Reason)
			}
			if result.RetryAfter != tc.wantAfter {
				t.Errorf("RetryAfter = %v, want %v", result.RetryAfter, tc.wantAfter)
			}
			if !strings.Contains(result.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", result.Reason, tc.wantReason)
			}
			connectortest.CheckNoSecretLeak(t, []string{webhookToken}, result, s.logs.String())
		})
	}
}

func TestDeliverHoldsUntilRateLimitResets(t *testing.T) {
	s := newWebhookSetup(t, nil)
	s.fake.Script(discordtest.RateLimited(1.5, false))
	event := connectortest.LoadEvent(t, issueCreatedFile)

	first := deliver(t, s.in, deliveryRequest(event))
	s.clock.Advance(time.Second)
	held := deliver(t, s.in, deliveryRequest(event))

	if first.Outcome != sdk.OutcomeRetry {
		t.Fatalf("first = %v, want retry", first.Outcome)
	}
	if held.Outcome != sdk.OutcomeRetry || held.RetryAfter != time.Second || !strings.Contains(held.Reason, "not sent") {
		t.Errorf("held = %v after %v (%q), want a retry after the remaining 1s, not sent", held.Outcome, held.RetryAfter, held.Reason)
	}
	if n := len(s.fake.Requests()); n != 1 {
		t.Errorf("fake received %d requests, want 1: a held delivery is not sent", n)
	}

	s.clock.Advance(time.Second)
	if again := deliver(t, s.in, deliveryRequest(event)); again.Outcome != sdk.OutcomeDelivered {
		t.Errorf("after the reset: %v (%q), want delivered", again.Outcome, again.Reason)
	}
}

func TestDeliverGlobalRateLimitHoldsEveryDestination(t *testing.T) {
	s := newWebhookSetup(t, nil)
	otherURL := s.fake.AddWebhook(discordtest.Webhook{ID: "1180000000000000002", Token: "other-token-123456", ChannelID: channelID})
	s.fake.Script(discordtest.RateLimited(5, true))
	event := connectortest.LoadEvent(t, issueCreatedFile)

	first := deliver(t, s.in, deliveryRequest(event))
	other := deliveryRequest(event)
	other.Target[paramWebhookURL] = otherURL
	held := deliver(t, s.in, other)

	if !strings.Contains(first.Reason, "global") || first.RetryAfter != 5*time.Second {
		t.Errorf("first = %q after %v, want a global limit of 5s", first.Reason, first.RetryAfter)
	}
	if held.Outcome != sdk.OutcomeRetry || held.RetryAfter != 5*time.Second {
		t.Errorf("other webhook = %v after %v, want held for 5s", held.Outcome, held.RetryAfter)
	}
	if n := len(s.fake.Requests()); n != 1 {
		t.Errorf("fake received %d requests, want 1", n)
	}
	if !strings.Contains(s.logs.String(), "discord destination on hold") {
		t.Errorf("the global limit is not logged:\n%s", s.logs)
	}
}

func TestDeliverExhaustedBucketSendsNo429(t *testing.T) {
	s := newWebhookSetup(t, nil)
	s.fake.SetRateLimit(2, 2*time.Second)
	event := connectortest.LoadEvent(t, issueCreatedFile)

	var outcomes []sdk.Outcome
	for range 3 {
		outcomes = append(outcomes, deliver(t, s.in, deliveryRequest(event)).Outcome)
	}
	held := deliver(t, s.in, deliveryRequest(event))

	want := []sdk.Outcome{sdk.OutcomeDelivered, sdk.OutcomeDelivered, sdk.OutcomeRetry}
	for i := range want {
		if outcomes[i] != want[i] {
			t.Errorf("delivery %d = %v, want %v", i+1, outcomes[i], want[i])
		}
	}
	if held.RetryAfter != 2*time.Second {
		t.Errorf("RetryAfter = %v, want the bucket's 2s reset", held.RetryAfter)
	}
	if n := len(s.fake.Requests()); n != 2 {
		t.Errorf("fake received %d requests, want 2: none once the bucket was empty", n)
	}

	s.clock.Advance(2 * time.Second)
	if result := deliver(t, s.in, deliveryRequest(event)); result.Outcome != sdk.OutcomeDelivered {
		t.Errorf("after the reset: %v (%q), want delivered", result.Outcome, result.Reason)
	}
}

func TestDeliverWebhookRejectionsNotRepeated(t *testing.T) {
	tests := []struct {
		name       string
		webhookURL func(*discordtest.Server) string
		wantStatus int
		wantReason string
	}{
		{"unknown webhook", func(f *discordtest.Server) string {
			return f.URL() + "/api/webhooks/1180000000000000404/" + webhookToken
		}, 404, "code 10015: Unknown Webhook): the webhook no longer exists"},
		{"invalid token", func(f *discordtest.Server) string {
			f.AddWebhook(discordtest.Webhook{ID: webhookID, Token: "the-real-token-000", ChannelID: channelID})
			return f.URL() + "/api/webhooks/" + webhookID + "/" + webhookToken
		}, 401, "code 50027: Invalid Webhook Token): Discord rejected the webhook's token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newWebhookSetup(t, nil)
			req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
			req.Target[paramWebhookURL] = tc.webhookURL(s.fake)

			first := deliver(t, s.in, req)
			second := deliver(t, s.in, req)
			s.clock.Advance(24 * time.Hour)
			third := deliver(t, s.in, req)

			if first.Outcome != sdk.OutcomePermanent || first.StatusCode != tc.wantStatus {
				t.Errorf("first = %v %d, want permanent %d", first.Outcome, first.StatusCode, tc.wantStatus)
			}
			if !strings.Contains(first.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", first.Reason, tc.wantReason)
			}
			for i, later := range []sdk.Result{second, third} {
				if later.Outcome != sdk.OutcomePermanent || !strings.Contains(later.Reason, "not sent") || later.StatusCode != tc.wantStatus {
					t.Errorf("delivery %d = %v %d (%q), want permanent, not sent, with the status", i+2, later.Outcome, later.StatusCode, later.Reason)
				}
			}
			if n := len(s.fake.Requests()); n != 1 {
				t.Errorf("fake received %d requests, want 1: Discord bans addresses that repeat 401s", n)
			}
			connectortest.CheckNoSecretLeak(t, []string{webhookToken}, first, s.logs.String())
			if !strings.Contains(s.logs.String(), "destination=\"webhook 1180000000000000") {
				t.Errorf("logs do not name the webhook put on hold:\n%s", s.logs)
			}
		})
	}
}

func TestDeliverOtherWebhookNotHeldByRejection(t *testing.T) {
	s := newWebhookSetup(t, nil)
	gone := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	gone.Target[paramWebhookURL] = s.fake.URL() + "/api/webhooks/1180000000000000404/" + webhookToken

	deliver(t, s.in, gone)
	result := deliver(t, s.in, deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomeDelivered {
		t.Errorf("config webhook = %v (%q), want delivered: another webhook's rejection does not hold it", result.Outcome, result.Reason)
	}
}

func TestDeliverInvalidFormBody(t *testing.T) {
	s := newWebhookSetup(t, nil)
	s.fake.Script(discordtest.Response{Status: 400, Body: `{"code":50035,"errors":{"embeds":{"0":{"title":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 256 or fewer in length."}]}}},` +
		`"content":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 2000 or fewer in length."}]}},"message":"Invalid Form Body"}`})

	result := deliver(t, s.in, deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomePermanent || result.StatusCode != 400 {
		t.Fatalf("result = %v %d, want permanent 400", result.Outcome, result.StatusCode)
	}
	want := "content: Must be 2000 or fewer in length.; embeds.0.title: Must be 256 or fewer in length."
	if !strings.Contains(result.Reason, want) || !strings.Contains(result.Reason, "code 50035") {
		t.Errorf("Reason = %q, want the code and %q", result.Reason, want)
	}
	if !strings.Contains(result.Response, "Invalid Form Body") {
		t.Errorf("Response = %q, want the body excerpt", result.Response)
	}
}

func TestDeliverUnknownThreadHoldsOnlyThread(t *testing.T) {
	s := newWebhookSetup(t, nil)
	threadURL := s.fake.AddWebhook(discordtest.Webhook{ID: "1180000000000000003", Token: "thread-hook-token", ChannelID: channelID,
		Threads: []string{"1180000000000000300"}})
	event := connectortest.LoadEvent(t, issueCreatedFile)
	request := func(threadID string) *sdk.DeliveryRequest {
		req := deliveryRequest(event)
		req.Target[paramWebhookURL] = threadURL
		if threadID != "" {
			req.Target[paramThreadID] = threadID
		}
		return req
	}

	missing := deliver(t, s.in, request("1180000000000000399"))
	again := deliver(t, s.in, request("1180000000000000399"))
	known := deliver(t, s.in, request("1180000000000000300"))
	channel := deliver(t, s.in, request(""))

	if missing.Outcome != sdk.OutcomePermanent || !strings.Contains(missing.Reason, "thread 1180000000000000399 does not exist") {
		t.Errorf("unknown thread = %v (%q), want permanent naming the thread", missing.Outcome, missing.Reason)
	}
	if again.Outcome != sdk.OutcomePermanent || !strings.Contains(again.Reason, "not sent") {
		t.Errorf("same thread again = %v (%q), want permanent, not sent: a wait would hold the webhook's other messages too", again.Outcome, again.Reason)
	}
	if known.Outcome != sdk.OutcomeDelivered || channel.Outcome != sdk.OutcomeDelivered {
		t.Errorf("known thread, channel = %v, %v; want both delivered: an unknown thread does not hold its webhook", known.Outcome, channel.Outcome)
	}
	if n := len(s.fake.Requests()); n != 3 {
		t.Errorf("fake received %d requests, want 3", n)
	}

	s.clock.Advance(channelRejectionHold)
	if retried := deliver(t, s.in, request("1180000000000000399")); strings.Contains(retried.Reason, "not sent") {
		t.Errorf("after %v the thread is still held: %q", channelRejectionHold, retried.Reason)
	}
}

func TestDeliverForbiddenWebhookWaitsForHold(t *testing.T) {
	s := newWebhookSetup(t, nil)
	s.fake.Script(discordtest.Response{Status: 403, Body: `{"code":50013,"message":"Missing Permissions"}`})
	event := connectortest.LoadEvent(t, issueCreatedFile)

	first := deliver(t, s.in, deliveryRequest(event))
	s.clock.Advance(time.Minute)
	second := deliver(t, s.in, deliveryRequest(event))
	s.clock.Advance(channelRejectionHold)
	third := deliver(t, s.in, deliveryRequest(event))

	if first.Outcome != sdk.OutcomePermanent || first.StatusCode != 403 {
		t.Errorf("first = %v %d, want permanent 403", first.Outcome, first.StatusCode)
	}
	if second.Outcome != sdk.OutcomeRetry || second.RetryAfter != channelRejectionHold-time.Minute || !strings.Contains(second.Reason, "not sent") {
		t.Errorf("second = %v after %s (%q), want a retry at the hold's end, not sent", second.Outcome, second.RetryAfter, second.Reason)
	}
	if third.Outcome != sdk.OutcomeDelivered {
		t.Errorf("after the hold = %v (%q), want delivered", third.Outcome, third.Reason)
	}
	if n := len(s.fake.Requests()); n != 2 {
		t.Errorf("fake received %d requests, want 2: none during the hold", n)
	}
}
