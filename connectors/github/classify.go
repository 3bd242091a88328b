package github

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
	"github.com/turbocode/switchboard/sdk/turboapi"
)

// minRateLimitWait is the wait after a rate-limit response without
// retry-after or x-ratelimit-reset: GitHub asks for at least a minute, and the
// host's backoff grows it on repeats.
const minRateLimitWait = time.Minute

// githubFailure turns a failed GitHub call of the delivery into a result; ref
// names the repository ("owner/repo") or the issue ("owner/repo#12") the call
// was about.
func (d *delivery) githubFailure(what, ref string, err error) sdk.Result {
	return d.in.githubFailure(d.log, what, ref, err)
}

// githubFailure turns a failed GitHub call into a result. A rate-limit response
// (403 or 429) blocks the token's calls until GitHub allows them again and is
// logged with log. go-github v60 classifies 403s only, so 429 is read here
// from the status. ref names the repository or issue the call was about, or
// is empty.
func (in *instance) githubFailure(log *slog.Logger, what, ref string, err error) sdk.Result {
	var wait *waitError
	if errors.As(err, &wait) {
		return sdk.Retry(what+": "+wait.Error(), wait.After)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return sdk.Retry(what+": "+err.Error(), 0)
	}
	resp := responseOf(err)
	if resp == nil {
		result := httpresult.ClassifyError(err)
		result.Reason = what + ": " + result.Reason
		return result
	}

	status := resp.StatusCode
	if after, limited := in.rateLimitWait(err, resp); limited {
		in.pacer.block(in.clock.Now().Add(after))
		log.Warn("GitHub rate limit reached; calls of this token wait", "status", status, "wait", after.String(), "err", err)
		result := sdk.Retry(fmt.Sprintf("%s: GitHub rate limit (%d); next call allowed in %s", what, status, after), after)
		result.StatusCode = status
		return result
	}

	result := httpresult.ClassifyStatus(status, resp.Header, "", in.clock.Now())
	result.Response = sdk.Excerpt(errorMessage(err))
	result.Reason = what + ": " + statusReason(status, ref, err, result.Reason)
	if status == http.StatusGone {
		// GitHub's 410 concerns one repository or issue, not the API: the
		// host would pause the whole connector on a 410 status.
		result.StatusCode = 0
	}
	return result
}

// statusReason explains a GitHub error status: what it means for the
// repository or issue in ref, and what to check. classified is the generic
// reason for the other statuses.
func statusReason(status int, ref string, err error, classified string) string {
	repo, number, isIssue := strings.Cut(ref, "#")
	in := ""
	if repo != "" {
		in = " for repository " + repo
	}
	switch status {
	case http.StatusUnauthorized:
		return "GitHub rejected the token (401: " + errorMessage(err) + ")" + in +
			"; the token is invalid, expired or revoked: create a new one and set it in the connector's token"
	case http.StatusNotFound:
		reason := "not found (404)" + in + "; check that owner/repo names the repository exactly and that the token can access it" +
			" (a fine-grained token must list it under Repository access)"
		if isIssue {
			reason += ", and that issue #" + number + " was not deleted or transferred"
		}
		return reason
	case http.StatusForbidden:
		return "forbidden (403)" + in + "; the token lacks the permission: " + errorMessage(err)
	case http.StatusGone:
		reason := "gone (410)" + in + ": " + errorMessage(err) + "; turn the repository's issues on under its Settings, General, Features"
		if isIssue {
			reason += ", or check whether issue #" + number + " was deleted"
		}
		return reason
	case http.StatusUnprocessableEntity:
		return "GitHub rejected the request (422)" + in + ": " + errorMessage(err)
	}
	return classified
}

// rateLimitWait reports whether a response is a rate limit, and how long to
// wait: retry-after, else until x-ratelimit-reset when no request remains,
// else at least a minute.
func (in *instance) rateLimitWait(err error, resp *http.Response) (time.Duration, bool) {
	var primary *gh.RateLimitError
	var secondary *gh.AbuseRateLimitError
	limited := resp.StatusCode == http.StatusTooManyRequests || errors.As(err, &primary) || errors.As(err, &secondary) ||
		(resp.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(errorMessage(err)), "rate limit"))
	if !limited {
		return 0, false
	}
	if after := httpresult.ParseRetryAfter(resp.Header.Get("Retry-After"), in.clock.Now()); after > 0 {
		return after, true
	}
	if resp.Header.Get("X-Ratelimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			if wait := time.Unix(reset, 0).Sub(in.clock.Now()); wait > 0 {
				return wait, true
			}
		}
	}
	return minRateLimitWait, true
}

// responseOf returns the HTTP response behind a go-github error.
func responseOf(err error) *http.Response {
	var apiErr *gh.ErrorResponse
	var primary *gh.RateLimitError
	var secondary *gh.AbuseRateLimitError
	switch {
	case errors.As(err, &primary):
		return primary.Response
	case errors.As(err, &secondary):
		return secondary.Response
	case errors.As(err, &apiErr):
		return apiErr.Response
	}
	return nil
}

// errorMessage returns GitHub's message with its validation errors.
func errorMessage(err error) string {
	var apiErr *gh.ErrorResponse
	if !errors.As(err, &apiErr) {
		var primary *gh.RateLimitError
		if errors.As(err, &primary) {
			return primary.Message
		}
		var secondary *gh.AbuseRateLimitError
		if errors.As(err, &secondary) {
			return secondary.Message
		}
		return err.Error()
	}
	parts := []string{apiErr.Message}
	for _, e := range apiErr.Errors {
		if e.Message != "" {
			parts = append(parts, e.Message)
		} else {
			parts = append(parts, e.Field+" "+e.Code)
		}
	}
	return strings.Join(parts, ": ")
}

// turboFailure turns a failed Turbo call into a result.
func turboFailure(what string, err error) sdk.Result {
	result := turboapi.Classify(err)
	result.Reason = what + ": " + result.Reason
	return result
}
