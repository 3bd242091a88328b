// Package proxyenv checks that no outbound client uses the proxy that the
// environment names. Go's net/http reads HTTP_PROXY once per process, so the
// check has a test binary of its own in which nothing reads it earlier.
package proxyenv

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	httpconnector "github.com/turbocode/switchboard/connectors/http"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/netguard/netguardtest"
)

func TestEnvironmentProxyIsIgnored(t *testing.T) {
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		proxied.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer proxy.Close()
	for _, name := range []string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"} {
		t.Setenv(name, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")

	// Loopback addresses are never proxied, so the destination has a name
	// that the injected resolver maps to loopback.
	probe, _ := http.NewRequest(http.MethodPost, "http://hooks.example/turbo", nil)
	if u, err := http.ProxyFromEnvironment(probe); err != nil || u == nil || u.String() != proxy.URL {
		t.Fatalf("ProxyFromEnvironment = %v, %v; want %s, or this check proves nothing", u, err, proxy.URL)
	}

	dest := connectortest.NewDestination(t)
	port := dest.URL()[strings.LastIndex(dest.URL(), ":")+1:]
	resolver := netguardtest.NewResolver("hooks.example", "127.0.0.1")
	target, _ := url.Parse("http://hooks.example:" + port + "/turbo")

	for _, untrusted := range []bool{false, true} {
		ic, _ := connectortest.NewInstanceConfig(t, "hook", map[string]any{"url": target.String()})
		ic.Resolver, ic.AllowPrivate = resolver, true
		in, err := httpconnector.New().Configure(context.Background(), ic)
		if err != nil {
			t.Fatal(err)
		}
		req := &sdk.DeliveryRequest{DeliveryID: "dlv_proxy_1", Attempt: 1, Route: "all", Target: sdk.Params{},
			Events: []sdk.Event{connectortest.LoadEvent(t, "../../testdata/turbo/envelope/issue-created-high.json")}}
		if untrusted {
			req.Target["url"], req.Untrusted = target.String(), []string{"url"}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		result := in.Deliver(ctx, req)
		cancel()
		in.Close()
		if result.Outcome != sdk.OutcomeDelivered {
			t.Errorf("untrusted=%t: result %v %q, want delivered directly", untrusted, result.Outcome, result.Reason)
		}
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("the environment's proxy received %d requests, want none", n)
	}
	if n := len(dest.Requests()); n != 2 {
		t.Errorf("the destination received %d requests, want 2", n)
	}
}
