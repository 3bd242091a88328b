package turboapi_test

import (
	"context"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/turboapi"
	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

// TestFakeFailAcceptsEachPrefixForm checks that the fake's Fail matches a
// path prefix written relative to the API root, with a leading slash, or with
// the API root.
func TestFakeFailAcceptsEachPrefixForm(t *testing.T) {
	for _, prefix := range []string{"issues/", "/issues/", "/api/v1/issues/"} {
		t.Run(prefix, func(t *testing.T) {
			fake, client := newFake(t)
			fake.Fail("GET", prefix, 1, turbofake.Failure{Status: 503, Detail: "maintenance"})
			_, err := client.GetIssue(context.Background(), issueID)
			if err == nil {
				t.Fatalf("GetIssue after Fail(%q) succeeded, want the 503", prefix)
			}
			if result := turboapi.Classify(err); result.Outcome != sdk.OutcomeRetry {
				t.Errorf("GetIssue after Fail(%q): %v %q, want the 503 retried", prefix, result.Outcome, result.Reason)
			}
		})
	}
}
