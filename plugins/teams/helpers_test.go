package teams

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/turbocode/switchboard/plugins/teams/teamstest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

const (
	envelopeDir      = "../../testdata/turbo/envelope/"
	issueCreatedFile = envelopeDir + "issue-created-high.json"
	webURL           = "https://turbo.example.com"
)

var fixedNow = time.Date(2026, 12, 1, 16, 5, 0, 0, time.UTC)

// setup is a fake Teams workflow and an instance configured to post to it.
type setup struct {
	fake    *teamstest.Server
	hookURL string
	in      sdk.Instance
	logs    *connectortest.LogBuffer
	clock   *clock.Fake
}

// newSetup returns an instance posting to a new workflow of a fresh fake,
// with extra config keys merged in.
func newSetup(t *testing.T, extra map[string]any) *setup {
	t.Helper()
	fakeClock := clock.NewFake(fixedNow)
	fake := teamstest.NewServer(t, teamstest.Options{Clock: fakeClock})
	hookURL := fake.NewWorkflow()
	cfg := map[string]any{"webhook_url": hookURL}
	for key, value := range extra {
		cfg[key] = value
	}
	in, logs := configure(t, cfg, fakeClock, false)
	return &setup{fake: fake, hookURL: hookURL, in: in, logs: logs, clock: fakeClock}
}

// configure returns a configured instance, closed when the test ends.
func configure(t testing.TB, cfg map[string]any, c sdk.Clock, allowPrivate bool) (sdk.Instance, *connectortest.LogBuffer) {
	t.Helper()
	ic, logs := connectortest.NewInstanceConfig(t, "team-teams", cfg)
	ic.Clock = c
	ic.AllowPrivate = allowPrivate
	ic.Turbo.WebURL = webURL
	if diagnostics := New().ValidateConfig(ic.Config); len(diagnostics) > 0 {
		t.Fatalf("config is invalid: %+v", diagnostics)
	}
	in, err := New().Configure(context.Background(), ic)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	t.Cleanup(func() { in.Close() })
	return in, logs
}

func deliveryRequest(events ...sdk.Event) *sdk.DeliveryRequest {
	return &sdk.DeliveryRequest{DeliveryID: "dlv_test_1", Attempt: 1, Route: "teams", Events: events, Target: sdk.Params{}}
}

func deliver(t testing.TB, in sdk.Instance, req *sdk.DeliveryRequest) sdk.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return in.Deliver(ctx, req)
}

// signatureOf returns the sig query parameter of a webhook URL.
func signatureOf(t testing.TB, hookURL string) string {
	t.Helper()
	u, err := url.Parse(hookURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("sig")
}
