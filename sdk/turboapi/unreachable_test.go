package turboapi_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/turboapi"
)

// TestUnreachableErrorShowsPath checks that a call that got no answer names
// the API path it called: Turbo's paths hold no secret.
func TestUnreachableErrorShowsPath(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	client, err := turboapi.New(turboapi.Options{BaseURL: "http://" + addr + "/api/v1", Token: sdk.Secret(token)})
	if err != nil {
		t.Fatal(err)
	}

	_, err = client.GetIssue(context.Background(), issueID)
	result := turboapi.Classify(err)
	want := "http://" + addr + "/api/v1/issues/" + issueID
	if result.Outcome != sdk.OutcomeRetry || !strings.Contains(result.Reason, want) {
		t.Errorf("result = %v %q, want a retry naming %s", result.Outcome, result.Reason, want)
	}
	if strings.Contains(result.Reason, "<redacted>") || strings.Contains(result.Reason, token) {
		t.Errorf("reason %q hides the path or shows the token", result.Reason)
	}
}
