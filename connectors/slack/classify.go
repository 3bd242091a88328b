package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
)

// errorKind groups Slack's error codes by what the operator has to do.
type errorKind int

const (
	kindUnknown errorKind = iota
	// kindTransient passes by itself: the delivery is retried.
	kindTransient
	// kindDestination needs the channel, the webhook or the workspace fixed.
	kindDestination
	// kindCredentials needs a valid token or scope.
	kindCredentials
	// kindContent needs a different message, usually the route's template.
	kindContent
	// kindThread means the stored thread is unusable; the next attempt starts
	// a new one.
	kindThread
)

// slackError is the meaning of an error code and its fix. fix may contain one
// %s, which becomes the destination ("channel \"#urgent\"" or "the webhook's
// channel").
type slackError struct {
	kind errorKind
	fix  string
}

// slackErrors covers the error codes of chat.postMessage (api.slack.com/methods/
// chat.postMessage) and of incoming webhooks (api.slack.com/changelog/
// 2016-05-17-changes-to-errors-for-incoming-webhooks).
var slackErrors = map[string]slackError{
	"rate_limited":        {kindTransient, "Slack is rate limiting this app; the delivery is retried after the wait Slack asks for"},
	"ratelimited":         {kindTransient, "Slack is rate limiting this app; the delivery is retried after the wait Slack asks for"},
	"fatal_error":         {kindTransient, "Slack failed to handle the request; the delivery is retried"},
	"internal_error":      {kindTransient, "Slack failed to handle the request; the delivery is retried"},
	"service_unavailable": {kindTransient, "Slack is unavailable; the delivery is retried"},
	"request_timeout":     {kindTransient, "Slack timed out; the delivery is retried"},
	"rollup_error":        {kindTransient, "Slack failed to handle the webhook request; the delivery is retried"},

	"channel_not_found":                        {kindDestination, "%s does not exist or is not visible to this app; check the channel name or ID, and invite the app to a private channel first (for a webhook, create a new one: its channel is gone)"},
	"not_in_channel":                           {kindDestination, "the app is not a member of %s; invite it there (/invite @your-app), or add the chat:write.public scope to post in public channels without joining"},
	"is_archived":                              {kindDestination, "%s is archived; unarchive it, or route to another channel"},
	"channel_is_archived":                      {kindDestination, "%s is archived; unarchive it, or route to another channel"},
	"restricted_action":                        {kindDestination, "the workspace does not let this app post in %s; ask a workspace admin, or route to another channel"},
	"restricted_action_read_only_channel":      {kindDestination, "%s is read-only; route to another channel"},
	"restricted_action_thread_only_channel":    {kindDestination, "%s accepts only replies in threads; route to another channel"},
	"restricted_action_non_threadable_channel": {kindDestination, "%s does not allow threads; set thread: \"false\" on the target"},
	"action_prohibited":                        {kindDestination, "an admin has restricted posting to %s; ask a workspace admin, or route elsewhere"},
	"posting_to_general_channel_denied":        {kindDestination, "only admins may post to %s; route to another channel"},
	"no_service":                               {kindDestination, "the incoming webhook was disabled or removed; create a new one and update webhook_url"},
	"no_team":                                  {kindDestination, "the workspace of this webhook no longer exists; create a new webhook and update webhook_url"},
	"team_disabled":                            {kindDestination, "the workspace is disabled"},
	"invalid_token":                            {kindDestination, "the webhook URL is not valid; copy it again from the app's Incoming Webhooks page"},

	"invalid_auth":           {kindCredentials, "Slack rejected the token; set token to a valid bot token (xoxb-...) from the app's OAuth & Permissions page"},
	"not_authed":             {kindCredentials, "Slack received no token; set token to a bot token (xoxb-...)"},
	"token_revoked":          {kindCredentials, "the token was revoked; install the app again and set the new bot token"},
	"token_expired":          {kindCredentials, "the token expired; set a new bot token, or turn token rotation off for the app"},
	"account_inactive":       {kindCredentials, "the token belongs to a deleted user or workspace; set a bot token of an active app"},
	"not_allowed_token_type": {kindCredentials, "this kind of token cannot post messages; use a bot token (xoxb-...)"},
	"no_permission":          {kindCredentials, "the token has no permission to post; check the app's scopes and the workspace's settings"},
	"ekm_access_denied":      {kindCredentials, "the workspace's administrators have suspended the app's access"},
	"missing_scope":          {kindCredentials, "the token lacks a scope; add chat:write (and chat:write.customize for username or icon) under OAuth & Permissions, then reinstall the app"},

	"invalid_blocks":        {kindContent, "Slack rejected the message's blocks; a route template's output is sent as mrkdwn, so check the template, or report the default message as a bug"},
	"invalid_blocks_format": {kindContent, "Slack rejected the blocks as malformed; report this as a bug"},
	"msg_blocks_too_long":   {kindContent, "the message's blocks are longer than Slack accepts; shorten the route's template"},
	"msg_too_long":          {kindContent, "the message is longer than Slack accepts; shorten the route's template"},
	"no_text":               {kindContent, "the message has no text; check the route's template"},
	"invalid_payload":       {kindContent, "Slack rejected the webhook payload as malformed; report this as a bug"},
	"too_many_attachments":  {kindContent, "the message has too many attachments"},
	"invalid_arguments":     {kindContent, "Slack rejected the request's arguments; with a custom api_url, check that the server implements Slack's Web API"},
	"invalid_form_data":     {kindContent, "Slack rejected the request's form data; with a custom api_url, check that the server implements Slack's Web API"},

	"thread_not_found":  {kindThread, "the thread's parent message is gone; the next attempt starts a new thread"},
	"invalid_thread_ts": {kindThread, "the stored thread ts is not valid; the next attempt starts a new thread"},
}

// explain returns the reason for error code, saying what to do about it.
func explain(code, destination string) (slackError, string) {
	info, known := slackErrors[code]
	if !known {
		return slackError{kind: kindUnknown}, fmt.Sprintf("Slack returned error %q; see Slack's documentation of chat.postMessage and incoming webhooks for what it means", code)
	}
	fix := info.fix
	if strings.Contains(fix, "%s") {
		fix = fmt.Sprintf(fix, destination)
	}
	return info, fmt.Sprintf("Slack returned error %q: %s", code, fix)
}

// classifyFailure returns the result of a request that slack-go reported as
// failed, from its error and the recorded response. urlKey names the config
// key of the address the request went to, api_url or webhook_url, for the fix
// of a redirect.
func classifyFailure(err error, ex *exchange, destination, urlKey string, now time.Time) sdk.Result {
	if ex.status == 0 {
		return httpresult.ClassifyError(err)
	}

	var apiErr slack.SlackErrorResponse
	if errors.As(err, &apiErr) {
		return classifyAPIError(apiErr, ex, destination, now)
	}
	if ex.status == http.StatusOK {
		result := sdk.Permanent("the server responded 200 with a body that is not a Slack API response; api_url must be the Web API base, such as https://slack.com/api/")
		result.StatusCode, result.Response = ex.status, sdk.Excerpt(string(ex.body))
		return result
	}
	return classifyStatus(ex, destination, urlKey, now)
}

// classifyAPIError classifies a response with "ok": false by its error code.
func classifyAPIError(apiErr slack.SlackErrorResponse, ex *exchange, destination string, now time.Time) sdk.Result {
	info, reason := explain(apiErr.Err, destination)
	if details := errorDetails(apiErr); details != "" {
		reason += " (" + details + ")"
	}

	var result sdk.Result
	switch info.kind {
	case kindTransient, kindThread:
		result = sdk.Retry(reason, httpresult.ParseRetryAfter(ex.header.Get("Retry-After"), now))
	default:
		result = sdk.Permanent(reason)
	}
	result.StatusCode, result.Response = ex.status, sdk.Excerpt(string(ex.body))
	return result
}

// errorDetails returns the details Slack sends beside the code: the scopes of
// a missing_scope, and the messages that point at an invalid block.
func errorDetails(apiErr slack.SlackErrorResponse) string {
	var details []string
	if apiErr.Needed != "" {
		details = append(details, "needed: "+apiErr.Needed)
	}
	if apiErr.Provided != "" {
		details = append(details, "the token has: "+apiErr.Provided)
	}
	details = append(details, apiErr.ResponseMetadata.Messages...)
	if len(apiErr.ResponseMetadata.Messages) == 0 {
		for _, e := range apiErr.Errors {
			if e.Message != nil {
				details = append(details, *e.Message)
			}
		}
	}
	return strings.Join(details, "; ")
}

// classifyStatus classifies a response with a status other than 200 by its
// status, as every HTTP connector does, and names the error code in its body:
// incoming webhooks send one as plain text.
func classifyStatus(ex *exchange, destination, urlKey string, now time.Time) sdk.Result {
	result := httpresult.ClassifyStatus(ex.status, ex.header, string(ex.body), now)
	if ex.status >= 300 && ex.status <= 399 {
		result.Reason = redirectReason(ex, urlKey)
		return result
	}
	code := errorCode(ex.body)
	if code == "" || result.Outcome == sdk.OutcomeDelivered {
		return result
	}
	_, reason := explain(code, destination)
	result.Reason = reason + " (HTTP " + strconv.Itoa(ex.status) + ")"
	return result
}

// redirectReason explains a 3xx response with the config key to change. The
// Location is shown as httpresult shows it for every connector: its path
// kept, its query redacted.
func redirectReason(ex *exchange, urlKey string) string {
	status := strconv.Itoa(ex.status) + " " + http.StatusText(ex.status)
	location := ex.header.Get("Location")
	if location == "" {
		return fmt.Sprintf("the server returned %s without a Location header; redirects are not followed, so check %s", status, urlKey)
	}
	return fmt.Sprintf("the server returned %s to %s; redirects are not followed, so set %s to the new address",
		status, httpresult.RedactLocation(location), urlKey)
}

// errorCodePattern matches Slack's error codes, such as channel_not_found.
var errorCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{2,63}$`)

// errorCode returns the error code of a response body, which is a webhook's
// plain-text body or the "error" member of a JSON body. It returns "" when
// the body has none.
func errorCode(body []byte) string {
	text := strings.TrimSpace(string(body))
	if errorCodePattern.MatchString(text) {
		return text
	}
	var response struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &response) == nil && errorCodePattern.MatchString(response.Error) {
		return response.Error
	}
	return ""
}

// describeDestination names where a message goes, for reasons.
func describeDestination(channel string) string {
	if channel == "" {
		return "the webhook's channel"
	}
	return fmt.Sprintf("channel %q", channel)
}
