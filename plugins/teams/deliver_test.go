package teams

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/plugins/teams/teamstest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestDeliverPostsCard(t *testing.T) {
	s := newSetup(t, nil)

	result := deliver(t, s.in, deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomeDelivered || result.StatusCode != http.StatusAccepted {
		t.Fatalf("result = %+v, want delivered with 202", result)
	}
	runs := s.fake.Runs()
	if len(runs) != 1 {
		t.Fatalf("fake received %d runs, want 1", len(runs))
	}
	if !runs[0].Posted() {
		t.Errorf("the workflow could not post the card: %s", runs[0].Error)
	}
	if result.ExternalRef != runs[0].ID {
		t.Errorf("ExternalRef = %q, want the run id %q", result.ExternalRef, runs[0].ID)
	}
}

// classificationDeliver returns a DeliverFunc that posts to a trigger path
// under the base URL the check passes.
func classificationDeliver(t *testing.T) connectortest.DeliverFunc {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	return func(ctx context.Context, baseURL string) sdk.Result {
		hook := baseURL + "/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=classification-sig"
		in, _ := configure(t, map[string]any{"webhook_url": hook}, clock.System, false)
		return in.Deliver(ctx, deliveryRequest(event))
	}
}

func TestDeliverClassification(t *testing.T) {
	connectortest.CheckClassification(t, classificationDeliver(t), connectortest.WithSuccessBody("text/plain", ""))
}

func TestDeliverCancellation(t *testing.T) {
	connectortest.CheckCancellation(t, classificationDeliver(t))
}

func TestDeliverThrottledByTeams(t *testing.T) {
	s := newSetup(t, nil)
	event := connectortest.LoadEvent(t, issueCreatedFile)

	var results []sdk.Result
	for range teamstest.ThrottlePerSecond + 1 {
		results = append(results, deliver(t, s.in, deliveryRequest(event)))
	}

	last := results[len(results)-1]
	if last.Outcome != sdk.OutcomeRetry || last.StatusCode != http.StatusTooManyRequests || last.RetryAfter != time.Second {
		t.Errorf("fifth result = %+v, want a retry after 1s with status 429", last)
	}
	for i, result := range results[:len(results)-1] {
		if result.Outcome != sdk.OutcomeDelivered {
			t.Errorf("result %d = %+v, want delivered", i, result)
		}
	}
}

func TestDeliverTooLargeNamesKey(t *testing.T) {
	s := newSetup(t, nil)
	s.fake.Script(teamstest.Response{Status: http.StatusRequestEntityTooLarge, Body: "Request Entity Too Large"})

	result := deliver(t, s.in, deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, "lower max_message_bytes") {
		t.Errorf("result = %+v, want a permanent failure that names max_message_bytes", result)
	}
}

func TestDeliverTargetWebhook(t *testing.T) {
	fake := teamstest.NewServer(t, teamstest.Options{})
	event := connectortest.LoadEvent(t, issueCreatedFile)
	tests := []struct {
		name         string
		config       map[string]any
		target       string
		untrusted    bool
		allowPrivate bool
		want         sdk.Outcome
		wantReason   string
	}{
		{name: "literal target", config: map[string]any{}, target: fake.NewWorkflow(), want: sdk.OutcomeDelivered},
		{name: "templated target to loopback", config: map[string]any{}, target: fake.NewWorkflow(), untrusted: true,
			want: sdk.OutcomePermanent, wantReason: "allow_private"},
		{name: "templated target with allow_private", config: map[string]any{}, target: fake.NewWorkflow(), untrusted: true,
			allowPrivate: true, want: sdk.OutcomeDelivered},
		{name: "templated target renders empty", config: map[string]any{}, target: "", untrusted: true,
			want: sdk.OutcomePermanent, wantReason: "webhook_url is empty"},
		{name: "templated target not a URL", config: map[string]any{}, target: "ftp://x/y", untrusted: true,
			want: sdk.OutcomePermanent, wantReason: "scheme \"ftp\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, _ := configure(t, tc.config, clock.System, tc.allowPrivate)
			req := deliveryRequest(event)
			req.Target[paramWebhookURL] = tc.target
			if tc.untrusted {
				req.Untrusted = []string{paramWebhookURL}
			}

			result := deliver(t, in, req)

			if result.Outcome != tc.want {
				t.Errorf("Outcome = %v, want %v (reason %q)", result.Outcome, tc.want, result.Reason)
			}
			if !strings.Contains(result.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", result.Reason, tc.wantReason)
			}
		})
	}
}

func TestDeliverWithoutDestination(t *testing.T) {
	in, _ := configure(t, map[string]any{}, clock.System, false)

	result := deliver(t, in, deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, "no webhook_url") {
		t.Errorf("result = %+v, want a permanent failure naming webhook_url", result)
	}
}

// TestNoSecretLeak runs the failures a webhook can meet and checks that its
// signature appears in no result, log or preview.
func TestNoSecretLeak(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	tests := []struct {
		name     string
		response *teamstest.Response
		closed   bool
	}{
		{name: "delivered"},
		{name: "429", response: &teamstest.Response{Status: 429, Header: http.Header{"Retry-After": {"3"}}}},
		{name: "500", response: &teamstest.Response{Status: 500}},
		{name: "echoes its URL"},
		{name: "redirect"},
		{name: "closed port", closed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, nil)
			sig := signatureOf(t, s.hookURL)
			switch {
			case tc.name == "echoes its URL":
				s.fake.Script(teamstest.Response{Status: 400, Body: "bad request to " + s.hookURL})
			case tc.name == "redirect":
				s.fake.Script(teamstest.Response{Status: 307, Header: http.Header{"Location": {s.hookURL}}})
			case tc.response != nil:
				s.fake.Script(*tc.response)
			}
			in := s.in
			if tc.closed {
				hook := strings.Replace(s.hookURL, s.fake.URL(), connectortest.ClosedURL(t), 1)
				in, s.logs = configure(t, map[string]any{"webhook_url": hook}, clock.System, false)
			}
			req := deliveryRequest(event)

			result := deliver(t, in, req)
			preview, err := in.(sdk.Previewer).Preview(t.Context(), req)
			if err != nil {
				t.Fatalf("Preview: %v", err)
			}

			connectortest.CheckNoSecretLeak(t, []string{sig}, result, s.logs.String()+preview)
		})
	}
}

func TestHealthNeedsNoRequest(t *testing.T) {
	s := newSetup(t, nil)

	health := s.in.Health(context.Background())

	if !health.OK || strings.Contains(health.Message, signatureOf(t, s.hookURL)) {
		t.Errorf("Health = %+v, want OK without the signature", health)
	}
	if n := len(s.fake.Runs()); n != 0 {
		t.Errorf("Health started %d workflow runs, want none", n)
	}
}

func TestNetworkGuardOnTemplateWebhook(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	connectortest.CheckNetworkGuard(t, func(t *testing.T, s connectortest.GuardSettings) (sdk.Result, int) {
		fake := teamstest.NewServer(t, teamstest.Options{})
		hook := fake.NewWorkflow()
		port := fake.URL()[strings.LastIndex(fake.URL(), ":")+1:]
		ic, _ := connectortest.NewInstanceConfig(t, "guarded-teams", map[string]any{})
		ic.Resolver, ic.AllowPrivate, ic.AllowCIDRs = s.Resolver, s.AllowPrivate, s.AllowCIDRs
		in, err := New().Configure(context.Background(), ic)
		if err != nil {
			t.Fatalf("Configure: %v", err)
		}
		defer in.Close()

		req := deliveryRequest(event)
		req.Target[paramWebhookURL] = strings.Replace(hook, fake.URL(), "http://"+s.Host+":"+port, 1)
		req.Untrusted = []string{paramWebhookURL}
		return deliver(t, in, req), len(fake.Runs())
	})
}
