package httpresult_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/turbocode/switchboard/sdk/httpresult"
)

func ExampleClassifyStatus() {
	now := time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)

	busy := httpresult.ClassifyStatus(503, http.Header{"Retry-After": {"30"}}, "try later", now)
	moved := httpresult.ClassifyStatus(301, http.Header{"Location": {"https://new.example/hook?token=x"}}, "", now)

	fmt.Println(busy.Outcome, busy.RetryAfter, busy.Reason)
	fmt.Println(moved.Outcome, moved.Reason)
	// Output:
	// retry 30s destination returned 503 Service Unavailable
	// permanent destination returned 301 Moved Permanently to https://new.example/hook?<redacted>; redirects are not followed, so set the target's URL to the new address
}

func ExampleParseRetryAfter() {
	now := time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)

	fmt.Println(httpresult.ParseRetryAfter("120", now))
	fmt.Println(httpresult.ParseRetryAfter("Tue, 01 Dec 2026 16:01:30 GMT", now))
	fmt.Println(httpresult.ParseRetryAfter("soon", now))
	// Output:
	// 2m0s
	// 1m30s
	// 0s
}

func ExampleRedactURL() {
	fmt.Println(httpresult.RedactURL("https://bot:s3cret@hooks.example.com/turbo?token=abc#top"))
	// Output: https://<redacted>@hooks.example.com/<redacted>?<redacted>
}
