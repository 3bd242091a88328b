// Package httpresult turns one HTTP exchange into an sdk.Result, the same way
// for every HTTP-based connector and plugin. A 2xx status is delivered. 408,
// 429 and 5xx are retried, after Retry-After when the response sends one. 3xx
// (never followed), 410 and the other 4xx are permanent. Transport errors are
// retried, except a destination the network guard rejected, which is
// permanent. Reasons never show a URL's user information, query or fragment.
package httpresult

import (
	"net/http"
	"strconv"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// ClassifyResponse returns the result of a response and consumes it: it reads a
// bounded excerpt of the body for the delivery log, discards a bounded amount
// more so that the connection can be reused, and closes the body. now is the
// time Retry-After dates are measured from.
func ClassifyResponse(resp *http.Response, now time.Time) sdk.Result {
	excerpt := consumeExcerpt(resp.Body)
	return ClassifyStatus(resp.StatusCode, resp.Header, excerpt, now)
}

// ClassifyStatus returns the result of a response whose body the caller has
// read itself, for connectors that parse it (a chat API's error code, say).
// header supplies Retry-After and Location; excerpt is cut to
// sdk.MaxResponseExcerpt.
func ClassifyStatus(status int, header http.Header, excerpt string, now time.Time) sdk.Result {
	var result sdk.Result
	switch {
	case status >= 200 && status <= 299:
		result = sdk.Delivered(status, excerpt)
	case isRetryStatus(status):
		result = sdk.Retry("destination returned "+statusText(status), ParseRetryAfter(header.Get("Retry-After"), now))
	case status >= 300 && status <= 399:
		result = sdk.Permanent(redirectReason(status, header.Get("Location")))
	case status == http.StatusGone:
		result = sdk.Permanent("destination returned 410 Gone: the endpoint no longer exists; remove the target or change its URL")
	case status >= 400 && status <= 499:
		result = sdk.Permanent("destination rejected the request with " + statusText(status))
	default:
		result = sdk.Permanent("destination returned the unexpected status " + strconv.Itoa(status))
	}

	result.StatusCode = status
	result.Response = sdk.Excerpt(excerpt)
	return result
}

func isRetryStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || (status >= 500 && status <= 599)
}

func redirectReason(status int, location string) string {
	if location == "" {
		return "destination returned " + statusText(status) + " without a Location header; redirects are not followed, so set the target's final URL"
	}
	return "destination returned " + statusText(status) + " to " + RedactLocation(location) + "; redirects are not followed, so set the target's URL to the new address"
}

// statusText returns "404 Not Found", or only the number for an unknown code.
// It uses Go's text rather than the server's reason phrase, which the server
// controls.
func statusText(status int) string {
	text := http.StatusText(status)
	if text == "" {
		return strconv.Itoa(status)
	}
	return strconv.Itoa(status) + " " + text
}
