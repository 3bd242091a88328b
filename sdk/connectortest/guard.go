package connectortest

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/netguard/netguardtest"
)

// GuardSettings are the instance settings a guard check configures.
type GuardSettings struct {
	// Host is the host name or bracketed IP literal the destination URL must
	// use, such as "dest.example" or "[::ffff:127.0.0.1]".
	Host string
	// Resolver resolves Host; the connector passes it as
	// sdk.InstanceConfig.Resolver.
	Resolver     *netguardtest.Resolver
	AllowPrivate bool
	AllowCIDRs   []netip.Prefix
}

// GuardDeliverFunc configures an instance of the connector under test with s,
// starts a fake destination on 127.0.0.1, and delivers one request whose
// destination URL comes from a template (sdk.DeliveryRequest.Untrusted) and
// has s.Host as its host and the fake's port. It returns the result and the
// number of requests the fake received.
type GuardDeliverFunc func(t *testing.T, s GuardSettings) (result sdk.Result, requests int)

// CheckNetworkGuard checks that a destination from a template goes through
// the network guard. A name that resolves into any blocked range, IPv4
// inside IPv6 forms included, is a permanent failure that names the range and
// allow_private, with no request sent. A name that does not resolve is
// retried. allow_private and allow_cidrs let a loopback destination through.
// The addresses come from an injected resolver, and no connection leaves
// loopback while the guard works.
func CheckNetworkGuard(t *testing.T, deliver GuardDeliverFunc) {
	for _, blocked := range netguardtest.Blocked {
		t.Run("resolves to "+blocked.Addr, func(t *testing.T) {
			s := GuardSettings{Host: "dest.example", Resolver: netguardtest.NewResolver("dest.example", blocked.Addr)}
			result, requests := deliver(t, s)
			checkBlocked(t, result, requests, blocked.Range)
		})
	}
	t.Run("IPv4-mapped literal", func(t *testing.T) {
		result, requests := deliver(t, GuardSettings{Host: "[::ffff:127.0.0.1]", Resolver: netguardtest.NewResolver("")})
		checkBlocked(t, result, requests, "127.0.0.0/8")
	})
	t.Run("name that does not resolve", func(t *testing.T) {
		resolver := netguardtest.NewResolver("")
		result, requests := deliver(t, GuardSettings{Host: "missing.example", Resolver: resolver})
		if result.Outcome != sdk.OutcomeRetry || requests != 0 {
			t.Errorf("result %v %q with %d requests, want a retry and none sent", result.Outcome, result.Reason, requests)
		}
		if looked := resolver.LookedUp(); len(looked) == 0 || looked[0] != "missing.example" {
			t.Errorf("resolver looked up %v, want missing.example: the connector must use the injected resolver", looked)
		}
	})
	allowed := []struct {
		name string
		s    GuardSettings
	}{
		{"allow_private", GuardSettings{AllowPrivate: true}},
		{"allow_cidrs", GuardSettings{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}},
	}
	for _, tc := range allowed {
		t.Run(tc.name, func(t *testing.T) {
			tc.s.Host, tc.s.Resolver = "dest.example", netguardtest.NewResolver("dest.example", "127.0.0.1")
			result, requests := deliver(t, tc.s)
			if result.Outcome != sdk.OutcomeDelivered || requests != 1 {
				t.Errorf("result %v %q with %d requests, want delivered with 1", result.Outcome, result.Reason, requests)
			}
		})
	}
}

func checkBlocked(t *testing.T, result sdk.Result, requests int, blockedRange string) {
	t.Helper()
	if result.Outcome != sdk.OutcomePermanent {
		t.Fatalf("Outcome = %v (%q), want permanent", result.Outcome, result.Reason)
	}
	if !strings.Contains(result.Reason, blockedRange) || !strings.Contains(result.Reason, "allow_private") {
		t.Errorf("Reason = %q, want it to name the range %s and allow_private", result.Reason, blockedRange)
	}
	if requests != 0 {
		t.Errorf("the destination received %d requests, want none", requests)
	}
}
