package discord

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
)

// Discord's JSON error codes that the connector explains (Discord's API
// reference, "JSON Error Codes").
const (
	codeUnknownChannel     = 10003
	codeUnknownWebhook     = 10015
	codeChannelWriteLimit  = 20028
	codeRequestTooLarge    = 40005
	codeMissingAccess      = 50001
	codeEmptyMessage       = 50006
	codeMissingPermissions = 50013
	codeInvalidWebhook     = 50027
	codeInvalidFormBody    = 50035
)

// apiError is the JSON body of a Discord error response. A 429 response adds
// retry_after, in seconds with decimals, and global.
type apiError struct {
	Code       int             `json:"code"`
	Message    string          `json:"message"`
	Errors     json.RawMessage `json:"errors"`
	RetryAfter float64         `json:"retry_after"`
	Global     bool            `json:"global"`
}

// sentMessage is the part of the created message that the result records.
type sentMessage struct {
	ID string `json:"id"`
}

// classify turns what came back for one request into a result. sendErr is
// discordgo's error; it decides only when no response arrived.
func classify(ex *exchange, sendErr error, dest *destination, now time.Time) sdk.Result {
	if !ex.responded {
		return httpresult.ClassifyError(sendErr)
	}

	result := httpresult.ClassifyStatus(ex.status, ex.header, string(ex.body), now)
	var body apiError
	json.Unmarshal(ex.body, &body)

	switch {
	case ex.status >= 200 && ex.status <= 299:
		var sent sentMessage
		if json.Unmarshal(ex.body, &sent) == nil {
			result.ExternalRef = sent.ID
		}
	case ex.status == http.StatusTooManyRequests:
		result.RetryAfter = max(result.RetryAfter, secondsDuration(body.RetryAfter), resetAfter(ex.header))
		result.Reason = rateLimitReason(ex.header, body, result.RetryAfter)
	case ex.status >= 400 && ex.status <= 499:
		result.Reason = rejectionReason(ex.status, body, dest)
	}
	return result
}

// rateLimitReason describes a 429 response: its scope, bucket and wait.
func rateLimitReason(header http.Header, body apiError, wait time.Duration) string {
	var b strings.Builder
	b.WriteString("Discord rate limit")
	if body.Global || header.Get("X-RateLimit-Global") == "true" {
		b.WriteString(" (global: every request of this connector waits)")
	}
	if scope := header.Get("X-RateLimit-Scope"); scope != "" {
		b.WriteString(", scope " + scope)
	}
	if bucket := header.Get("X-RateLimit-Bucket"); bucket != "" {
		b.WriteString(", bucket " + bucket)
	}
	if body.Code == codeChannelWriteLimit {
		b.WriteString(", the channel's write limit")
	}
	fmt.Fprintf(&b, "; retry after %s", wait)
	return b.String()
}

// rejectionReason explains a 4xx response other than 429 and what to fix.
func rejectionReason(status int, body apiError, dest *destination) string {
	prefix := "Discord answered " + statusText(status)
	if body.Code != 0 || body.Message != "" {
		prefix += fmt.Sprintf(" (code %d: %s)", body.Code, body.Message)
	}
	if fix := rejectionFix(status, body, dest); fix != "" {
		return prefix + ": " + fix
	}
	return prefix
}

func rejectionFix(status int, body apiError, dest *destination) string {
	switch {
	case dest.webhook != nil && dest.threadID != "" && body.Code == codeUnknownChannel:
		return "thread " + dest.threadID + " does not exist in the webhook's channel; check thread_id"
	case body.Code == codeUnknownWebhook || (status == http.StatusNotFound && dest.webhook != nil):
		return "the webhook no longer exists (it was deleted in Discord); create a new webhook in the channel's Integrations settings and update webhook_url"
	case body.Code == codeInvalidWebhook || (status == http.StatusUnauthorized && dest.webhook != nil):
		return "Discord rejected the webhook's token; copy the webhook URL again from the channel's Integrations settings and update webhook_url"
	case status == http.StatusUnauthorized:
		return "Discord rejected the bot token; copy the token from the Bot page of your application in the Developer Portal and update token"
	case body.Code == codeUnknownChannel:
		return "channel " + dest.channelID + " does not exist or the bot cannot see it; check channel_id"
	case body.Code == codeMissingAccess:
		return "the bot cannot see channel " + dest.channelID + "; invite it to the server and give it the View Channel permission there"
	case body.Code == codeMissingPermissions:
		return "the bot may not post in channel " + dest.channelID + "; give it the Send Messages, Send Messages in Threads and Embed Links permissions there"
	case body.Code == codeInvalidFormBody:
		return "Discord found the message invalid: " + formErrors(body.Errors) + "; fix the route's template, or report the event if the default message failed"
	case body.Code == codeEmptyMessage:
		return "the message is empty; check the route's template"
	case body.Code == codeRequestTooLarge || status == http.StatusRequestEntityTooLarge:
		return "the message is too large for Discord; shorten the route's template"
	}
	return ""
}

// statusText returns "404 Not Found", or only the number for an unknown code.
func statusText(status int) string {
	if text := http.StatusText(status); text != "" {
		return strconv.Itoa(status) + " " + text
	}
	return strconv.Itoa(status)
}

// maxFormErrors bounds the problems formErrors lists.
const maxFormErrors = 5

// formErrors flattens the errors object of an Invalid Form Body answer, such
// as {"embeds": {"0": {"title": {"_errors": [{"message": "..."}]}}}}, into
// "embeds.0.title: ...; content: ...", in key order.
func formErrors(raw json.RawMessage) string {
	var tree map[string]json.RawMessage
	if json.Unmarshal(raw, &tree) != nil {
		return "no details given"
	}
	var problems []string
	collectFormErrors(tree, "", &problems, 0)
	if len(problems) == 0 {
		return "no details given"
	}
	if len(problems) > maxFormErrors {
		problems = append(problems[:maxFormErrors], fmt.Sprintf("and %d more", len(problems)-maxFormErrors))
	}
	return strings.Join(problems, "; ")
}

// maxFormErrorDepth bounds the nesting formErrors follows.
const maxFormErrorDepth = 10

func collectFormErrors(tree map[string]json.RawMessage, path string, problems *[]string, depth int) {
	if depth > maxFormErrorDepth {
		return
	}
	keys := make([]string, 0, len(tree))
	for key := range tree {
		keys = append(keys, key)
	}
	sort.Strings(keys)

	for _, key := range keys {
		if key == "_errors" {
			var list []struct {
				Message string `json:"message"`
			}
			json.Unmarshal(tree[key], &list)
			for _, item := range list {
				*problems = append(*problems, formProblem(path, item.Message))
			}
			continue
		}
		var child map[string]json.RawMessage
		if json.Unmarshal(tree[key], &child) == nil {
			collectFormErrors(child, strings.TrimPrefix(path+"."+key, "."), problems, depth+1)
		}
	}
}

// formProblem is one problem as formErrors lists it: "embeds.0.title: Must be
// 256 or fewer in length.", or the message alone for the body as a whole.
func formProblem(path, message string) string {
	if message == "" {
		message = "invalid value"
	}
	if path == "" {
		return message
	}
	return path + ": " + message
}

// secondsDuration converts Discord's seconds with decimals to a duration,
// rounded up to the millisecond so that the wait is never shorter. A negative
// or NaN value gives 0, and a value too large for a duration the largest one.
func secondsDuration(seconds float64) time.Duration {
	if seconds <= 0 || math.IsNaN(seconds) {
		return 0
	}
	if seconds >= math.MaxInt64/float64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(math.Ceil(seconds*1000)) * time.Millisecond
}

// resetAfter returns X-RateLimit-Reset-After, the seconds until the bucket
// refills, or 0.
func resetAfter(header http.Header) time.Duration {
	seconds, err := strconv.ParseFloat(header.Get("X-RateLimit-Reset-After"), 64)
	if err != nil {
		return 0
	}
	return secondsDuration(seconds)
}

// bucketExhausted reports whether the response headers show a bucket with no
// request left, and how long until it refills.
func bucketExhausted(header http.Header) (time.Duration, bool) {
	if header.Get("X-RateLimit-Remaining") != "0" {
		return 0, false
	}
	wait := resetAfter(header)
	return wait, wait > 0
}
