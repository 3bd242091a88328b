package discord

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/turbocode/switchboard/connectors/discord/discordtest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// createdMessage is the success body the shared checks' destination sends.
const createdMessage = `{"id":"1300000000000000001","channel_id":"1180000000000000100","content":""}`

func TestDeliverClassification(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	opts := []connectortest.Option{
		connectortest.WithClock(clock.NewFake(fixedNow)),
		connectortest.WithSuccessBody("application/json", createdMessage),
	}
	t.Run("webhook", func(t *testing.T) {
		connectortest.CheckClassification(t, func(ctx context.Context, baseURL string) sdk.Result {
			in, _ := configure(t, map[string]any{"webhook_url": baseURL + "/api/webhooks/" + webhookID + "/" + webhookToken}, clock.NewFake(fixedNow), false)
			return in.Deliver(ctx, deliveryRequest(event))
		}, opts...)
	})
	t.Run("bot", func(t *testing.T) {
		connectortest.CheckClassification(t, func(ctx context.Context, baseURL string) sdk.Result {
			in, _ := configure(t, map[string]any{"token": botToken, "api_url": baseURL + "/api"}, clock.NewFake(fixedNow), false)
			return in.Deliver(ctx, botRequest(event))
		}, opts...)
	})
}

func TestDeliverCancellation(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	connectortest.CheckCancellation(t, func(ctx context.Context, baseURL string) sdk.Result {
		in, _ := configure(t, map[string]any{"webhook_url": baseURL + "/api/webhooks/" + webhookID + "/" + webhookToken}, clock.NewFake(fixedNow), false)
		return in.Deliver(ctx, deliveryRequest(event))
	})
}

func TestDeliverWebhookRequest(t *testing.T) {
	s := newWebhookSetup(t, map[string]any{"username": "Turbo", "avatar_url": "https://turbo.example.com/logo.png"})

	result := deliver(t, s.in, deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v, want delivered (reason %q)", result.Outcome, result.Reason)
	}
	requests := s.fake.Requests()
	if len(requests) != 1 {
		t.Fatalf("fake received %d requests, want 1", len(requests))
	}
	got := requests[0]
	if got.Method != http.MethodPost || got.Path != "/api/v9/webhooks/"+webhookID+"/"+webhookToken {
		t.Errorf("request = %s %s, want POST to the webhook", got.Method, got.Path)
	}
	if got.Query.Get("wait") != "true" {
		t.Errorf("wait = %q, want true so that Discord returns the message", got.Query.Get("wait"))
	}
	if got.Header.Get("Authorization") != "" {
		t.Error("a webhook request carries an Authorization header")
	}
	if ua := got.Header.Get("User-Agent"); !strings.HasPrefix(ua, "DiscordBot (") {
		t.Errorf("User-Agent = %q, want Discord's DiscordBot form", ua)
	}
	if !strings.Contains(string(got.Body), `"parse":[]`) {
		t.Errorf("body lacks \"parse\":[], so Discord would apply its default mentions:\n%s", got.Body)
	}
	if result.ExternalRef != s.fake.Messages()[0].ID {
		t.Errorf("ExternalRef = %q, want the message id %q", result.ExternalRef, s.fake.Messages()[0].ID)
	}
	if result.StatusCode != http.StatusOK {
		t.Errorf("StatusCode = %d, want 200", result.StatusCode)
	}
	var body struct {
		Username  string `json:"username"`
		AvatarURL string `json:"avatar_url"`
	}
	json.Unmarshal(got.Body, &body)
	if body.Username != "Turbo" || body.AvatarURL != "https://turbo.example.com/logo.png" {
		t.Errorf("username, avatar_url = %q, %q; want the config's", body.Username, body.AvatarURL)
	}
}

func TestDeliverTargetIdentityAndThread(t *testing.T) {
	s := newWebhookSetup(t, map[string]any{"username": "Turbo"})
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Target[paramThreadID] = "1180000000000000555"
	req.Target[paramUsername] = "Turbo Alerts"
	req.Target[paramAvatarURL] = "https://turbo.example.com/alert.png"
	req.Target[paramThreadName] = "TURBO-42 Login fails"

	result := deliver(t, s.in, req)

	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v (%s)", result.Outcome, result.Reason)
	}
	got := s.fake.Requests()[0]
	if got.Query.Get("thread_id") != "1180000000000000555" {
		t.Errorf("thread_id = %q, want the target's", got.Query.Get("thread_id"))
	}
	var body map[string]any
	json.Unmarshal(got.Body, &body)
	want := map[string]string{"username": "Turbo Alerts", "avatar_url": "https://turbo.example.com/alert.png", "thread_name": "TURBO-42 Login fails"}
	for key, value := range want {
		if body[key] != value {
			t.Errorf("%s = %v, want %q", key, body[key], value)
		}
	}
}

func TestDeliverTemplatedUsernameFallsBack(t *testing.T) {
	s := newWebhookSetup(t, map[string]any{"username": "Turbo"})
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Target[paramUsername] = "Discord mod"
	req.Untrusted = []string{paramUsername}

	result := deliver(t, s.in, req)

	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v (%s)", result.Outcome, result.Reason)
	}
	var body map[string]any
	json.Unmarshal(s.fake.Requests()[0].Body, &body)
	if body["username"] != "Turbo" {
		t.Errorf("username = %v, want the config's name instead of one Discord rejects", body["username"])
	}
	if !strings.Contains(s.logs.String(), "username from template left out") {
		t.Errorf("logs do not say the username was left out:\n%s", s.logs)
	}
}

func TestDeliverBotRequest(t *testing.T) {
	s := newBotSetup(t)

	result := deliver(t, s.in, botRequest(connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v, want delivered (reason %q)", result.Outcome, result.Reason)
	}
	got := s.fake.Requests()[0]
	if got.Path != "/api/v9/channels/"+channelID+"/messages" {
		t.Errorf("path = %q, want the channel's messages", got.Path)
	}
	if got.Header.Get("Authorization") != "Bot "+botToken {
		t.Error("Authorization is not the bot token with the Bot prefix")
	}
	if !strings.Contains(string(got.Body), `"parse":[]`) {
		t.Errorf("body lacks \"parse\":[]:\n%s", got.Body)
	}
	if result.ExternalRef != s.fake.Messages()[0].ID {
		t.Errorf("ExternalRef = %q, want %q", result.ExternalRef, s.fake.Messages()[0].ID)
	}
}

func TestDeliverBotThreadIsChannel(t *testing.T) {
	s := newBotSetup(t)
	const threadID = "1180000000000000777"
	s.fake.AddChannel(discordtest.Channel{ID: threadID, CanAccess: true})
	req := botRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Target[paramThreadID] = threadID

	if result := deliver(t, s.in, req); result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v (%s)", result.Outcome, result.Reason)
	}
	if got := s.fake.Requests()[0].Path; got != "/api/v9/channels/"+threadID+"/messages" {
		t.Errorf("path = %q, want the thread's messages", got)
	}
}

func TestDeliverBotRejections(t *testing.T) {
	tests := []struct {
		name       string
		prepare    func(*discordtest.Server)
		channel    string
		wantStatus int
		wantReason string
		// wantLater is the outcome of the next delivery, which is not sent:
		// permanent for a rejected token, a retry after the hold for a
		// channel, whose permissions can be fixed in Discord.
		wantLater sdk.Outcome
	}{
		{"wrong token", func(f *discordtest.Server) { f.SetBotToken("another-token") }, channelID, 401, "rejected the bot token", sdk.OutcomePermanent},
		{"unknown channel", func(*discordtest.Server) {}, "1180000000000000999", 404, "does not exist or the bot cannot see it", sdk.OutcomeRetry},
		{"missing access", func(f *discordtest.Server) {
			f.AddChannel(discordtest.Channel{ID: "1180000000000000998"})
		}, "1180000000000000998", 403, "invite it to the server", sdk.OutcomeRetry},
		{"missing permissions", func(f *discordtest.Server) {
			f.Script(discordtest.Response{Status: 403, Body: `{"code":50013,"message":"Missing Permissions"}`})
		}, channelID, 403, "give it the Send Messages", sdk.OutcomeRetry},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newBotSetup(t)
			tc.prepare(s.fake)
			req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
			req.Target[paramChannelID] = tc.channel

			first := deliver(t, s.in, req)
			second := deliver(t, s.in, req)

			if first.Outcome != sdk.OutcomePermanent || first.StatusCode != tc.wantStatus {
				t.Errorf("first = %v %d, want permanent %d (reason %q)", first.Outcome, first.StatusCode, tc.wantStatus, first.Reason)
			}
			if !strings.Contains(first.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", first.Reason, tc.wantReason)
			}
			if second.Outcome != tc.wantLater || !strings.Contains(second.Reason, "not sent") {
				t.Errorf("second = %v (%q), want %v and not sent", second.Outcome, second.Reason, tc.wantLater)
			}
			if tc.wantLater == sdk.OutcomeRetry && second.RetryAfter != channelRejectionHold {
				t.Errorf("second waits %s, want the rest of the hold, %s", second.RetryAfter, channelRejectionHold)
			}
			if n := len(s.fake.Requests()); n != 1 {
				t.Errorf("fake received %d requests, want 1: a rejection is not sent again", n)
			}
			connectortest.CheckNoSecretLeak(t, []string{botToken}, first, s.logs.String())
		})
	}
}

func TestDeliverSendsTemplateAsContent(t *testing.T) {
	s := newWebhookSetup(t, nil)
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Message = "TURBO\\-42 needs eyes"

	deliver(t, s.in, req)

	var body map[string]any
	json.Unmarshal(s.fake.Requests()[0].Body, &body)
	if body["content"] != req.Message {
		t.Errorf("content = %v, want the rendered template", body["content"])
	}
	if _, hasEmbeds := body["embeds"]; hasEmbeds {
		t.Error("a templated message carries the default embed too")
	}
}

func TestDeliverPermanentBeforeSending(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	tests := []struct {
		name       string
		bot        bool
		target     sdk.Params
		untrusted  []string
		message    string
		events     []sdk.Event
		wantReason string
	}{
		{name: "empty rendered webhook_url", target: sdk.Params{paramWebhookURL: ""}, untrusted: []string{paramWebhookURL},
			events: []sdk.Event{event}, wantReason: "webhook_url is empty"},
		{name: "invalid target webhook_url", target: sdk.Params{paramWebhookURL: "https://discord.com/api/webhooks/x/" + webhookToken},
			events: []sdk.Event{event}, wantReason: "invalid target webhook_url"},
		{name: "thread id not numeric", target: sdk.Params{paramThreadID: "12/../../x"}, events: []sdk.Event{event}, wantReason: "not a numeric Discord id"},
		{name: "bot without channel", bot: true, target: sdk.Params{}, events: []sdk.Event{event}, wantReason: "must set channel_id"},
		{name: "bot channel with a path", bot: true, target: sdk.Params{paramChannelID: "1/../../guilds/2"}, events: []sdk.Event{event},
			wantReason: "not a numeric Discord id"},
		{name: "literal invalid mention", target: sdk.Params{paramMentions: []string{"@someone"}}, events: []sdk.Event{event},
			wantReason: "is not a mention"},
		{name: "literal invalid username", target: sdk.Params{paramUsername: "clyde"}, events: []sdk.Event{event}, wantReason: "choose another name"},
		{name: "blank template output", message: "  \n ", events: []sdk.Event{event}, wantReason: "empty message"},
		{name: "no events", events: nil, wantReason: "no events and no message"},
		{name: "envelope not JSON", events: []sdk.Event{{ID: "e-1", Envelope: []byte("{")}}, wantReason: "event e-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s *setup
			if tc.bot {
				s = newBotSetup(t)
			} else {
				s = newWebhookSetup(t, nil)
			}
			req := deliveryRequest(tc.events...)
			for name, value := range tc.target {
				req.Target[name] = value
			}
			req.Untrusted = tc.untrusted
			req.Message = tc.message

			result := deliver(t, s.in, req)

			if result.Outcome != sdk.OutcomePermanent {
				t.Errorf("Outcome = %v, want permanent (reason %q)", result.Outcome, result.Reason)
			}
			if !strings.Contains(result.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", result.Reason, tc.wantReason)
			}
			if n := len(s.fake.Requests()); n != 0 {
				t.Errorf("fake received %d requests, want none", n)
			}
			connectortest.CheckNoSecretLeak(t, []string{webhookToken, botToken}, result, s.logs.String())
		})
	}
}

func TestDeliverWithoutDestination(t *testing.T) {
	in, _ := configure(t, map[string]any{}, clock.NewFake(fixedNow), false)
	result := deliver(t, in, deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile)))
	if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, "no webhook_url or token") {
		t.Errorf("result = %v %q, want a permanent failure naming webhook_url and token", result.Outcome, result.Reason)
	}
}

func TestDeliverGuardsUntrustedWebhookURL(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	tests := []struct {
		name         string
		host         string
		untrusted    bool
		allowPrivate bool
		want         sdk.Outcome
	}{
		{"untrusted loopback blocked", "127.0.0.1", true, false, sdk.OutcomePermanent},
		{"untrusted localhost blocked", "localhost", true, false, sdk.OutcomePermanent},
		{"untrusted with allow_private", "127.0.0.1", true, true, sdk.OutcomeDelivered},
		{"literal target trusted", "127.0.0.1", false, false, sdk.OutcomeDelivered},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := discordtest.NewServer(t)
			fake.AddWebhook(discordtest.Webhook{ID: webhookID, Token: webhookToken, ChannelID: channelID})
			port := fake.URL()[strings.LastIndex(fake.URL(), ":")+1:]
			in, logs := configure(t, map[string]any{}, clock.NewFake(fixedNow), tc.allowPrivate)
			req := deliveryRequest(event)
			req.Target[paramWebhookURL] = "http://" + tc.host + ":" + port + "/api/webhooks/" + webhookID + "/" + webhookToken
			if tc.untrusted {
				req.Untrusted = []string{paramWebhookURL}
			}

			result := deliver(t, in, req)

			if result.Outcome != tc.want {
				t.Fatalf("Outcome = %v, want %v (reason %q)", result.Outcome, tc.want, result.Reason)
			}
			if tc.want == sdk.OutcomePermanent && !strings.Contains(result.Reason, "allow_private") {
				t.Errorf("Reason = %q, want it to name allow_private", result.Reason)
			}
			wantRequests := 0
			if tc.want == sdk.OutcomeDelivered {
				wantRequests = 1
			}
			if n := len(fake.Requests()); n != wantRequests {
				t.Errorf("fake received %d requests, want %d", n, wantRequests)
			}
			connectortest.CheckNoSecretLeak(t, []string{webhookToken}, result, logs.String())
		})
	}
}

func TestDeliverUserTextCannotPingOrFormat(t *testing.T) {
	s := newWebhookSetup(t, nil)
	title := "@everyone <@1180000000000000007> **urgent** <!channel>"
	description := "@here <@&1180000000000000008> <script>alert(1)</script> & `code` [click](https://evil.example) # Heading\n> quote ||spoiler||"
	event := eventWith(t, title, description)

	result := deliver(t, s.in, deliveryRequest(event))

	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v (%s)", result.Outcome, result.Reason)
	}
	var body struct {
		Content         string `json:"content"`
		AllowedMentions struct {
			Parse []string `json:"parse"`
			Users []string `json:"users"`
			Roles []string `json:"roles"`
		} `json:"allowed_mentions"`
		Embeds []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"embeds"`
	}
	raw := s.fake.Requests()[0].Body
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	if body.Content != "" {
		t.Errorf("content = %q, want none: user text belongs in the embed, where it cannot ping", body.Content)
	}
	if body.AllowedMentions.Parse == nil || len(body.AllowedMentions.Parse) != 0 || len(body.AllowedMentions.Users) != 0 || len(body.AllowedMentions.Roles) != 0 {
		t.Errorf("allowed_mentions = %+v, want parse [] and no ids", body.AllowedMentions)
	}
	embed := body.Embeds[0]
	wantTitle := `TURBO-42 @everyone \<@1180000000000000007\> \*\*urgent\*\* \<!channel\>`
	if embed.Title != wantTitle {
		t.Errorf("title = %q, want %q", embed.Title, wantTitle)
	}
	checkEscaped(t, "title", embed.Title)
	checkEscaped(t, "description", embed.Description)
	if !strings.Contains(embed.Description, `\<script\>alert(1)\</script\> & \`+"`code\\`") {
		t.Errorf("description = %q, want markup escaped and & kept as it is", embed.Description)
	}
}

// checkEscaped fails when a markdown character of text is not escaped by a
// backslash.
func checkEscaped(t *testing.T, what, text string) {
	t.Helper()
	backslashes := 0
	for _, r := range text {
		if strings.ContainsRune("*_~`|>#<[]", r) && backslashes%2 == 0 {
			t.Errorf("%s %q has an unescaped %q", what, text, r)
		}
		if r == '\\' {
			backslashes++
		} else {
			backslashes = 0
		}
	}
}

func TestDeliverLongMultibyteDescription(t *testing.T) {
	s := newWebhookSetup(t, nil)
	description := strings.Repeat("Grüße 日本語 ", 500) // 5,000 characters, most of them 2 or 3 bytes long
	if n := utf8.RuneCountInString(description); n != 5000 {
		t.Fatalf("test description has %d characters, want 5000", n)
	}

	result := deliver(t, s.in, deliveryRequest(eventWith(t, "Long description", description)))

	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v, want delivered: the fake rejects a description over 4096 (reason %q)", result.Outcome, result.Reason)
	}
	var body struct {
		Embeds []struct {
			Description string `json:"description"`
		} `json:"embeds"`
	}
	json.Unmarshal(s.fake.Messages()[0].Body, &body)
	got := body.Embeds[0].Description
	if n := utf8.RuneCountInString(got); n > maxDescription || n < maxDescription-10 {
		t.Errorf("description has %d characters, want just under %d", n, maxDescription)
	}
	if !strings.HasSuffix(got, truncationMarker) {
		t.Errorf("description ends %q, want the marker", got[len(got)-20:])
	}
	if !strings.HasPrefix(description, strings.TrimSuffix(got, truncationMarker)) {
		t.Error("description is not a prefix of the original")
	}
	if !utf8.ValidString(got) {
		t.Error("description is not valid UTF-8: it was cut inside a character")
	}
}

func TestDeliverMentions(t *testing.T) {
	s := newWebhookSetup(t, nil)
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Target[paramMentions] = []string{"<@1180000000000000007>", "@everyone", "not-a-mention", "<@&1180000000000000008>"}
	req.Untrusted = []string{paramMentions}

	result := deliver(t, s.in, req)

	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v (%s)", result.Outcome, result.Reason)
	}
	var body struct {
		Content         string `json:"content"`
		AllowedMentions struct {
			Parse []string `json:"parse"`
			Users []string `json:"users"`
			Roles []string `json:"roles"`
		} `json:"allowed_mentions"`
	}
	json.Unmarshal(s.fake.Requests()[0].Body, &body)
	if body.Content != "<@1180000000000000007> <@&1180000000000000008>" {
		t.Errorf("content = %q, want the two allowed mentions", body.Content)
	}
	if len(body.AllowedMentions.Parse) != 0 {
		t.Errorf("parse = %v, want [] (@everyone from a template is left out)", body.AllowedMentions.Parse)
	}
	if strings.Join(body.AllowedMentions.Users, ",") != "1180000000000000007" || strings.Join(body.AllowedMentions.Roles, ",") != "1180000000000000008" {
		t.Errorf("users, roles = %v, %v", body.AllowedMentions.Users, body.AllowedMentions.Roles)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "mention left out") || !strings.Contains(logs, "delivery_id=dlv_test_1") {
		t.Errorf("logs do not record the left-out mentions:\n%s", logs)
	}
}

func TestDeliverLiteralEveryone(t *testing.T) {
	s := newWebhookSetup(t, nil)
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Target[paramMentions] = []string{"@here"}

	deliver(t, s.in, req)

	var body map[string]any
	json.Unmarshal(s.fake.Requests()[0].Body, &body)
	allowed, _ := body["allowed_mentions"].(map[string]any)
	if parse, _ := allowed["parse"].([]any); len(parse) != 1 || parse[0] != "everyone" {
		t.Errorf("parse = %v, want [everyone] for a literal @here", allowed["parse"])
	}
	if body["content"] != "@here" {
		t.Errorf("content = %v, want @here", body["content"])
	}
}

func TestDeliverDigestOfSixty(t *testing.T) {
	s := newWebhookSetup(t, nil)
	events := make([]sdk.Event, 0, 60)
	for i := range 60 {
		events = append(events, eventWith(t, "Event "+strings.Repeat("long title ", 12)+string(rune('A'+i%26)), "text"))
	}

	result := deliver(t, s.in, deliveryRequest(events...))

	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v, want delivered (reason %q)", result.Outcome, result.Reason)
	}
	var body struct {
		Embeds []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"embeds"`
	}
	json.Unmarshal(s.fake.Messages()[0].Body, &body)
	digest := body.Embeds[0]
	if digest.Title != "60 events" {
		t.Errorf("title = %q, want 60 events", digest.Title)
	}
	lines := strings.Split(digest.Description, "\n")
	last := lines[len(lines)-1]
	listed := len(lines) - 1
	want := "[… and " + itoaTest(60-listed) + " more in Turbo](" + webURL + ")"
	if last != want {
		t.Errorf("last line = %q, want %q", last, want)
	}
	if listed < 10 || listed >= 60 {
		t.Errorf("digest lists %d events, want as many as fit and fewer than 60", listed)
	}
	if n := textLength(digest.Description); n > maxDescription {
		t.Errorf("description is %d long, want at most %d", n, maxDescription)
	}
}

func itoaTest(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestDeliverDoesNotWaitForDiscordgo(t *testing.T) {
	s := newWebhookSetup(t, nil)
	s.fake.Script(discordtest.RateLimited(30, false), discordtest.Response{Status: http.StatusBadGateway, Body: "bad gateway"})
	event := connectortest.LoadEvent(t, issueCreatedFile)

	start := time.Now()
	limited := deliver(t, s.in, deliveryRequest(event))
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("a 429 took %s, want an immediate result: discordgo must not sleep", elapsed)
	}
	if limited.Outcome != sdk.OutcomeRetry || limited.RetryAfter != 30*time.Second {
		t.Errorf("429 result = %v after %v, want retry after 30s", limited.Outcome, limited.RetryAfter)
	}

	s.clock.Advance(31 * time.Second)
	gateway := deliver(t, s.in, deliveryRequest(event))
	if gateway.Outcome != sdk.OutcomeRetry || gateway.StatusCode != http.StatusBadGateway {
		t.Errorf("502 result = %v %d, want retry with 502", gateway.Outcome, gateway.StatusCode)
	}
	if n := len(s.fake.Requests()); n != 2 {
		t.Errorf("fake received %d requests, want 2: discordgo must not retry a 429 or a 502 itself", n)
	}
}

// TestDeliverErrorNamesRealDestination checks that a request that got no
// response is reported against the address it went to, not against the
// discord.com URL that discordgo built before the transport rewrote it.
func TestDeliverErrorNamesRealDestination(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	closed := connectortest.ClosedURL(t)
	fake := discordtest.NewServer(t)
	tests := []struct {
		name      string
		cfg       map[string]any
		target    string
		untrusted bool
		wantURL   string
	}{
		{"webhook connection refused", map[string]any{"webhook_url": closed + "/api/webhooks/" + webhookID + "/" + webhookToken},
			"", false, closed + "/<redacted>"},
		{"bot connection refused", map[string]any{"token": botToken, "api_url": closed + "/api"},
			"", false, closed + "/<redacted>"},
		{"guard blocked templated webhook", map[string]any{},
			fake.URL() + "/api/webhooks/" + webhookID + "/" + webhookToken, true, fake.URL() + "/<redacted>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, logs := configure(t, tc.cfg, clock.NewFake(fixedNow), false)
			req := botRequest(event)
			if tc.target != "" {
				req = deliveryRequest(event)
				req.Target[paramWebhookURL] = tc.target
			}
			if tc.untrusted {
				req.Untrusted = []string{paramWebhookURL}
			}

			result := deliver(t, in, req)

			if result.Outcome == sdk.OutcomeDelivered {
				t.Fatalf("Outcome = delivered, want a failure")
			}
			if strings.Contains(result.Reason, "discord.com") {
				t.Errorf("Reason = %q, names discord.com instead of the address the request went to", result.Reason)
			}
			if !strings.Contains(result.Reason, tc.wantURL) {
				t.Errorf("Reason = %q, want it to name %s", result.Reason, tc.wantURL)
			}
			connectortest.CheckNoSecretLeak(t, []string{webhookToken, botToken}, result, logs.String())
		})
	}
}

func TestDefaultEmbedShowsDocumentContent(t *testing.T) {
	event := connectortest.ParseEvent(t, []byte(`{"event_id":"d1","event_type":"document.created","timestamp":"2026-12-01T16:03:10Z",
		"entity_type":"document","entity_id":"5d6e7f80-1a2b-4c3d-8e4f-5a6b7c8d9e0f","action":"created",
		"actor":{"type":"user","name":"dev@example.com"},
		"data":{"current":{"title":"Runbook","content":"Restart the cache before the API."}}}`))
	s := newWebhookSetup(t, nil)

	deliver(t, s.in, deliveryRequest(event))

	var body struct {
		Embeds []struct {
			Description string `json:"description"`
		} `json:"embeds"`
	}
	json.Unmarshal(s.fake.Requests()[0].Body, &body)
	if len(body.Embeds) != 1 || body.Embeds[0].Description != "Restart the cache before the API." {
		t.Errorf("embeds = %+v, want the document's content as the description", body.Embeds)
	}
}
