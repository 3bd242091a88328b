package netguard

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"testing"

	"github.com/turbocode/switchboard/sdk/netguard/netguardtest"
)

// startListener accepts connections on 127.0.0.1 and reports each one.
func startListener(t *testing.T) (net.Listener, <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan struct{}, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Close()
			accepted <- struct{}{}
		}
	}()
	return ln, accepted
}

func TestDialContextConnectsToAllowedAddress(t *testing.T) {
	ln, _ := startListener(t)
	port := ln.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name string
		opts Options
	}{
		{"allow private", Options{AllowPrivate: true}},
		{"allow CIDR", Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Resolver = resolverFor("local.example", "127.0.0.1")
			conn, err := New(tc.opts).DialContext(context.Background(), "tcp", net.JoinHostPort("local.example", strconv.Itoa(port)))
			if err != nil {
				t.Fatalf("DialContext = %v, want a connection", err)
			}
			conn.Close()
		})
	}
}

func TestDialContextSkipsBlockedAddressesOfName(t *testing.T) {
	ln, accepted := startListener(t)
	port := ln.Addr().(*net.TCPAddr).Port
	// 10.1.2.3 comes first; it must be dropped, never dialled.
	g := New(Options{
		Resolver:   resolverFor("mixed.example", "10.1.2.3", "127.0.0.1"),
		AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	})

	conn, err := g.DialContext(context.Background(), "tcp", net.JoinHostPort("mixed.example", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("DialContext = %v, want a connection to 127.0.0.1", err)
	}
	defer conn.Close()
	if got := conn.RemoteAddr().(*net.TCPAddr).IP.String(); got != "127.0.0.1" {
		t.Errorf("connected to %s, want 127.0.0.1", got)
	}
	<-accepted
}

func TestControlHookBlocksLoopbackDial(t *testing.T) {
	ln, _ := startListener(t)
	g := New(Options{})
	dialer := &net.Dialer{ControlContext: g.Control}

	conn, err := dialer.DialContext(context.Background(), "tcp", ln.Addr().String())
	if conn != nil {
		conn.Close()
		t.Fatal("dial through the Control hook connected to 127.0.0.1")
	}
	var blocked *BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("dial = %v, want *BlockedError", err)
	}
}

func TestNewHTTPClientBlocksLoopback(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "reached")
	}))
	defer server.Close()

	_, err := NewHTTPClient(Options{}).Get(server.URL)
	var blocked *BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("Get = %v, want *BlockedError", err)
	}
}

func TestNewHTTPClientBlocksNameResolvingToLoopback(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "reached")
	}))
	defer server.Close()
	port := server.Listener.Addr().(*net.TCPAddr).Port
	client := NewHTTPClient(Options{Resolver: resolverFor("rebind.example", "127.0.0.1")})

	_, err := client.Get("http://rebind.example:" + strconv.Itoa(port) + "/")
	var blocked *BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("Get = %v, want *BlockedError", err)
	}
	if blocked.Host != "rebind.example" {
		t.Errorf("Host = %q, want rebind.example", blocked.Host)
	}
}

func TestHTTPClientsReachLoopbackWhenAllowed(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "reached")
	}))
	defer server.Close()
	clients := map[string]*http.Client{
		"guarded with allow private": NewHTTPClient(Options{AllowPrivate: true}),
		"trusted":                    NewTrustedHTTPClient(Options{}),
	}
	for name, client := range clients {
		t.Run(name, func(t *testing.T) {
			resp, err := client.Get(server.URL)
			if err != nil {
				t.Fatalf("Get = %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if string(body) != "reached" {
				t.Errorf("body = %q, want reached", body)
			}
		})
	}
}

func TestHTTPClientsDoNotFollowRedirects(t *testing.T) {
	followed := make(chan struct{}, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusFound)
	})
	mux.HandleFunc("/new", func(http.ResponseWriter, *http.Request) { followed <- struct{}{} })
	server := httptest.NewServer(mux)
	defer server.Close()
	clients := map[string]*http.Client{
		"guarded": NewHTTPClient(Options{AllowPrivate: true}),
		"trusted": NewTrustedHTTPClient(Options{}),
	}
	for name, client := range clients {
		t.Run(name, func(t *testing.T) {
			resp, err := client.Get(server.URL + "/old")
			if err != nil {
				t.Fatalf("Get = %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound {
				t.Errorf("status = %d, want 302", resp.StatusCode)
			}
			select {
			case <-followed:
				t.Error("the client followed the redirect")
			default:
			}
		})
	}
}

func TestHTTPClientTransportSettings(t *testing.T) {
	for name, client := range map[string]*http.Client{
		"guarded": NewHTTPClient(Options{}),
		"trusted": NewTrustedHTTPClient(Options{}),
	} {
		t.Run(name, func(t *testing.T) {
			transport := client.Transport.(*http.Transport)
			if transport.Proxy != nil {
				t.Error("Proxy is set, want nil so that no environment proxy is used")
			}
			if !transport.ForceAttemptHTTP2 {
				t.Error("ForceAttemptHTTP2 = false")
			}
			if transport.MaxIdleConnsPerHost != 256 {
				t.Errorf("MaxIdleConnsPerHost = %d, want 256", transport.MaxIdleConnsPerHost)
			}
			if transport.TLSHandshakeTimeout <= 0 || transport.ResponseHeaderTimeout <= 0 {
				t.Error("TLS handshake or response header timeout is unset")
			}
		})
	}
}

func TestNewHTTPClientDialsProxyWithoutGuard(t *testing.T) {
	requested := make(chan string, 1)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requested <- r.URL.String()
		io.WriteString(w, "via proxy")
	}))
	defer proxy.Close()
	proxyURL, _ := url.Parse(proxy.URL)
	client := NewHTTPClient(Options{Proxy: proxyURL, Resolver: netguardtest.NewResolver("")})

	resp, err := client.Get("http://public.example/hook")
	if err != nil {
		t.Fatalf("Get through proxy = %v", err)
	}
	resp.Body.Close()
	if got := <-requested; got != "http://public.example/hook" {
		t.Errorf("proxy saw %q, want http://public.example/hook", got)
	}
}
