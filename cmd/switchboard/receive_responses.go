package main

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// responses are the HTTP and SMTP responses of `receive`: --status, in the
// form of each platform it imitates.
type responses struct {
	status int
	// retryAfter is the wait in seconds that a 429 response requests.
	retryAfter int
	// slackError overrides Slack's error code for a 4xx status.
	slackError string
}

// maxRetryAfter bounds --retry-after, in seconds: a day.
const maxRetryAfter = 86400

func (a responses) validate() error {
	if a.status < 200 || a.status > 599 {
		return fmt.Errorf("--status %d is not an HTTP status; use 200 to 599", a.status)
	}
	if a.retryAfter < 1 || a.retryAfter > maxRetryAfter {
		return fmt.Errorf("--retry-after %d is out of range; use 1 to %d seconds", a.retryAfter, maxRetryAfter)
	}
	if a.slackError != "" && !a.isClientError() {
		return errors.New("--slack-error applies to a --status from 400 to 499 other than 429; set one, such as --status 404")
	}
	return nil
}

// describe names the response for the start line.
func (a responses) describe() string {
	text := strconv.Itoa(a.status)
	if a.status == http.StatusTooManyRequests {
		text += fmt.Sprintf(" with Retry-After %d", a.retryAfter)
	}
	if a.isClientError() {
		text += fmt.Sprintf(", Slack's Web API 200 with ok:false %q", a.slackErrorCode())
	}
	return text
}

func (a responses) ok() bool { return a.status >= 200 && a.status <= 299 }

// isClientError reports a 4xx status other than 429, for which Slack's Web
// API responds 200 with ok:false.
func (a responses) isClientError() bool {
	return a.status >= 400 && a.status <= 499 && a.status != http.StatusTooManyRequests
}

// note describes a response that is not a success, for the printed line.
func (a responses) note(detail string) string {
	if a.ok() {
		return ""
	}
	text := "answered " + strconv.Itoa(a.status)
	if a.status == http.StatusTooManyRequests {
		text += fmt.Sprintf(", Retry-After %d", a.retryAfter)
	}
	if detail != "" {
		text += " " + detail
	}
	return text
}

// retryHeader returns the Retry-After header of a 429 response, nil otherwise.
func (a responses) retryHeader() http.Header {
	if a.status != http.StatusTooManyRequests {
		return nil
	}
	return http.Header{"Retry-After": {strconv.Itoa(a.retryAfter)}}
}

// webhook responds to a signed webhook of the http connector.
func (a responses) webhook() httpResponse {
	return httpResponse{status: a.status, header: a.retryHeader(), contentType: "application/json",
		body: fmt.Sprintf(`{"received":%t}`, a.ok()), note: a.note("")}
}

// slackErrorCodes are the error codes Slack uses for a status by default.
var slackErrorCodes = map[int]string{
	http.StatusBadRequest:   "invalid_arguments",
	http.StatusUnauthorized: "invalid_auth",
	http.StatusForbidden:    "not_in_channel",
	http.StatusNotFound:     "channel_not_found",
	http.StatusGone:         "is_archived",
}

func (a responses) slackErrorCode() string {
	if a.slackError != "" {
		return a.slackError
	}
	if code, ok := slackErrorCodes[a.status]; ok {
		return code
	}
	return "invalid_arguments"
}

// slackAPI responds to chat.postMessage as Slack's Web API does: an error other
// than a rate limit or a server failure comes as 200 with ok:false. ts is the
// ts of the message posted.
func (a responses) slackAPI(channel, ts string) httpResponse {
	reply := httpResponse{status: a.status, header: a.retryHeader(), contentType: "application/json"}
	switch {
	case a.ok():
		reply.body = fmt.Sprintf(`{"ok":true,"channel":%q,"ts":%q}`, channel, ts)
	case a.status == http.StatusTooManyRequests:
		reply.body, reply.note = `{"ok":false,"error":"ratelimited"}`, a.note("ok:false ratelimited")
	case a.isClientError():
		code := a.slackErrorCode()
		reply.status = http.StatusOK
		reply.body = fmt.Sprintf(`{"ok":false,"error":%q}`, code)
		reply.note = "answered 200 ok:false " + code
	default:
		reply.body, reply.note = `{"ok":false,"error":"service_unavailable"}`, a.note("")
	}
	return reply
}

// slackWebhookCodes are the texts Slack's incoming webhooks respond with for
// a status by default (Slack's changelog of 2016-05-17 on webhook errors).
var slackWebhookCodes = map[int]string{
	http.StatusBadRequest: "invalid_payload",
	http.StatusForbidden:  "action_prohibited",
	http.StatusNotFound:   "channel_not_found",
	http.StatusGone:       "channel_is_archived",
}

// slackWebhook responds to an incoming webhook: "ok", or the status with the
// error code as plain text.
func (a responses) slackWebhook() httpResponse {
	reply := httpResponse{status: a.status, header: a.retryHeader(), contentType: "text/plain; charset=utf-8"}
	switch {
	case a.ok():
		reply.status, reply.body = http.StatusOK, "ok"
	case a.status == http.StatusTooManyRequests:
		reply.body = "rate_limited"
	case a.isClientError():
		reply.body = a.slackError
		if reply.body == "" {
			reply.body = slackWebhookCodes[a.status]
		}
		if reply.body == "" {
			reply.body = "invalid_payload"
		}
	default:
		reply.body = "rollup_error"
	}
	if !a.ok() {
		reply.note = a.note(reply.body)
	}
	return reply
}

// discordError is a Discord error body's code and message for a status
// (Discord's API reference, "JSON Error Codes").
type discordError struct {
	code    int
	message string
}

// discordErrors gives the webhook's error and the bot's error for a status.
var discordErrors = map[int][2]discordError{
	http.StatusBadRequest:            {{50035, "Invalid Form Body"}, {50035, "Invalid Form Body"}},
	http.StatusUnauthorized:          {{50027, "Invalid Webhook Token"}, {0, "401: Unauthorized"}},
	http.StatusForbidden:             {{50013, "Missing Permissions"}, {50013, "Missing Permissions"}},
	http.StatusNotFound:              {{10015, "Unknown Webhook"}, {10003, "Unknown Channel"}},
	http.StatusRequestEntityTooLarge: {{40005, "Request entity too large"}, {40005, "Request entity too large"}},
}

// discord responds to a webhook execution or a bot's channel message as Discord
// does. created is the message Discord returns on success.
func (a responses) discord(webhook bool, created string) httpResponse {
	reply := httpResponse{status: a.status, header: a.retryHeader(), contentType: "application/json"}
	switch {
	case a.ok():
		reply.status, reply.body = http.StatusOK, created
	case a.status == http.StatusTooManyRequests:
		reply.header.Set("X-RateLimit-Remaining", "0")
		reply.header.Set("X-RateLimit-Reset-After", strconv.Itoa(a.retryAfter))
		reply.header.Set("X-RateLimit-Scope", "user")
		reply.body = fmt.Sprintf(`{"message":"You are being rate limited.","retry_after":%d,"global":false}`, a.retryAfter)
		reply.note = a.note("")
	default:
		e := discordError{message: http.StatusText(a.status)}
		if pair, ok := discordErrors[a.status]; ok {
			e = pair[1]
			if webhook {
				e = pair[0]
			}
		}
		reply.body = fmt.Sprintf(`{"code":%d,"message":%q}`, e.code, e.message)
		reply.note = a.note(fmt.Sprintf("code %d %s", e.code, e.message))
	}
	return reply
}

// httpResponse is one HTTP response.
type httpResponse struct {
	status      int
	header      http.Header
	contentType string
	body        string
	// note describes the response on the printed line; empty for a success.
	note string
}

func (p httpResponse) write(w http.ResponseWriter) {
	for name, values := range p.header {
		w.Header()[name] = values
	}
	w.Header().Set("Content-Type", p.contentType)
	w.WriteHeader(p.status)
	fmt.Fprint(w, p.body)
}
