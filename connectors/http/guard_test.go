package http

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestNetworkGuardOnTemplateURL(t *testing.T) {
	event := connectortest.LoadEvent(t, issueCreatedFile)
	connectortest.CheckNetworkGuard(t, func(t *testing.T, s connectortest.GuardSettings) (sdk.Result, int) {
		dest := connectortest.NewDestination(t)
		port := dest.URL()[strings.LastIndex(dest.URL(), ":")+1:]
		ic, _ := connectortest.NewInstanceConfig(t, "guarded-hook", map[string]any{})
		ic.Clock = clock.NewFake(fixedNow)
		ic.Resolver, ic.AllowPrivate, ic.AllowCIDRs = s.Resolver, s.AllowPrivate, s.AllowCIDRs
		in, err := New().Configure(context.Background(), ic)
		if err != nil {
			t.Fatalf("Configure: %v", err)
		}
		defer in.Close()

		req := deliveryRequest(event)
		req.Target["url"] = "http://" + s.Host + ":" + port + "/hook"
		req.Untrusted = []string{"url"}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return in.Deliver(ctx, req), len(dest.Requests())
	})
}
