package discord

import (
	"context"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestForgetRejectionsSendsAgain(t *testing.T) {
	s := newWebhookSetup(t, nil)
	req := deliveryRequest(connectortest.LoadEvent(t, issueCreatedFile))
	req.Target[paramWebhookURL] = s.fake.URL() + "/api/webhooks/1180000000000000404/" + webhookToken

	keeper, ok := s.in.(sdk.RejectionKeeper)
	if !ok {
		t.Fatalf("%T does not implement sdk.RejectionKeeper", s.in)
	}
	deliver(t, s.in, req)
	if held := deliver(t, s.in, req); !strings.Contains(held.Reason, "not sent") {
		t.Fatalf("second delivery = %q, want it held without sending", held.Reason)
	}
	rejections := keeper.Rejections()
	if len(rejections) != 1 || !strings.Contains(rejections[0], "webhook 1180000000000000404") || !strings.Contains(rejections[0], "404") {
		t.Errorf("Rejections() = %q, want the webhook with its status", rejections)
	}
	if health := s.in.Health(context.Background()); health.OK || !strings.Contains(health.Message, "webhook 1180000000000000404") {
		t.Errorf("Health() = %+v, want not OK, naming the held webhook", health)
	} else if !strings.Contains(health.Message, "not sending to 1 destination that") {
		t.Errorf("Health() = %q, want one destination counted in the singular", health.Message)
	}
	connectortest.CheckNoSecretLeak(t, []string{webhookToken}, sdk.Result{Reason: strings.Join(rejections, "\n")}, "")

	if n := keeper.ForgetRejections(); n != 1 {
		t.Errorf("ForgetRejections() = %d, want 1", n)
	}
	again := deliver(t, s.in, req)
	if strings.Contains(again.Reason, "not sent") || again.StatusCode != 404 {
		t.Errorf("delivery after ForgetRejections = %d %q, want it sent and answered 404", again.StatusCode, again.Reason)
	}
	if n := len(s.fake.Requests()); n != 2 {
		t.Errorf("fake received %d requests, want 2: the first and the one after ForgetRejections", n)
	}
}
