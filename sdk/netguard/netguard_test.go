package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/turbocode/switchboard/sdk/netguard/netguardtest"
)

// blockedCases has one address inside every blocked range, with the range the
// error must name.
var blockedCases = netguardtest.Blocked

func resolverFor(host string, addrs ...string) *netguardtest.Resolver {
	return netguardtest.NewResolver(host, addrs...)
}

var publicAddrs = []string{
	"8.8.8.8",
	"1.1.1.1",
	"172.32.0.1",
	"100.128.0.1",
	"198.20.0.1",
	"2606:4700:4700::1111",
	"::ffff:8.8.8.8",
	"64:ff9b::808:808",
	"2002:808:808::1",
}

func TestCheckBlocksEveryRange(t *testing.T) {
	g := New(Options{})
	for _, tc := range blockedCases {
		t.Run(tc.Addr, func(t *testing.T) {
			err := g.Check("", netip.MustParseAddr(tc.Addr))
			var blocked *BlockedError
			if !errors.As(err, &blocked) {
				t.Fatalf("Check(%s) = %v, want *BlockedError", tc.Addr, err)
			}
			if blocked.Range != tc.Range {
				t.Errorf("Range = %q, want %q", blocked.Range, tc.Range)
			}
		})
	}
}

func TestCheckAllowsPublicAddresses(t *testing.T) {
	g := New(Options{})
	for _, addr := range publicAddrs {
		t.Run(addr, func(t *testing.T) {
			if err := g.Check("", netip.MustParseAddr(addr)); err != nil {
				t.Errorf("Check(%s) = %v, want nil", addr, err)
			}
		})
	}
}

func TestCheckRejectsZeroAddr(t *testing.T) {
	if err := New(Options{}).Check("x.example", netip.Addr{}); err == nil {
		t.Error("Check(zero Addr) = nil, want an error")
	}
}

func TestControlBlocksEveryRange(t *testing.T) {
	g := New(Options{})
	for _, tc := range blockedCases {
		t.Run(tc.Addr, func(t *testing.T) {
			address := netip.AddrPortFrom(netip.MustParseAddr(tc.Addr), 443).String()
			err := g.Control(context.Background(), "tcp", address, nil)
			var blocked *BlockedError
			if !errors.As(err, &blocked) {
				t.Fatalf("Control(%s) = %v, want *BlockedError", address, err)
			}
			if blocked.Range != tc.Range {
				t.Errorf("Range = %q, want %q", blocked.Range, tc.Range)
			}
		})
	}
}

func TestControlRejectsUnparsableAddress(t *testing.T) {
	err := New(Options{}).Control(context.Background(), "unix", "/run/socket", nil)
	if err == nil {
		t.Fatal("Control(unix path) = nil, want an error")
	}
}

func TestDialContextBlocksResolvedName(t *testing.T) {
	for _, tc := range blockedCases {
		t.Run(tc.Addr, func(t *testing.T) {
			resolver := resolverFor("hook.example", tc.Addr)
			g := New(Options{Resolver: resolver})

			conn, err := g.DialContext(context.Background(), "tcp", "hook.example:443")
			if conn != nil {
				conn.Close()
				t.Fatal("DialContext returned a connection")
			}
			var blocked *BlockedError
			if !errors.As(err, &blocked) {
				t.Fatalf("DialContext = %v, want *BlockedError", err)
			}
			if blocked.Host != "hook.example" {
				t.Errorf("Host = %q, want hook.example", blocked.Host)
			}
			if blocked.Range != tc.Range {
				t.Errorf("Range = %q, want %q", blocked.Range, tc.Range)
			}
		})
	}
}

func TestDialContextBlocksLiteralAddress(t *testing.T) {
	resolver := netguardtest.NewResolver("")
	g := New(Options{Resolver: resolver})

	_, err := g.DialContext(context.Background(), "tcp", "[::ffff:10.0.0.1]:80")
	var blocked *BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("DialContext = %v, want *BlockedError", err)
	}
	if len(resolver.LookedUp()) != 0 {
		t.Errorf("resolver looked up %v for a literal address", resolver.LookedUp())
	}
}

func TestDialContextBlocksEmptyHost(t *testing.T) {
	_, err := New(Options{Resolver: netguardtest.NewResolver("")}).DialContext(context.Background(), "tcp", ":80")
	var blocked *BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("DialContext(:80) = %v, want *BlockedError", err)
	}
}

func TestDialContextReportsUnknownName(t *testing.T) {
	g := New(Options{Resolver: netguardtest.NewResolver("")})

	_, err := g.DialContext(context.Background(), "tcp", "missing.example:443")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) {
		t.Fatalf("DialContext = %v, want *net.DNSError", err)
	}
	if !dnsErr.IsNotFound {
		t.Errorf("IsNotFound = false, want true")
	}
}

func TestDialContextRejectsUnixNetwork(t *testing.T) {
	_, err := New(Options{}).DialContext(context.Background(), "unix", "/run/socket")
	if err == nil {
		t.Fatal("DialContext(unix) = nil error, want a rejection")
	}
}

func TestBlockedErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *BlockedError
		want string
	}{
		{
			name: "resolved name",
			err:  &BlockedError{Host: "internal.example", Addr: netip.MustParseAddr("10.1.2.3"), Range: "10.0.0.0/8", Kind: "private"},
			want: `destination 10.1.2.3 (from "internal.example") is in the private range 10.0.0.0/8; set allow_private: true on the connector to allow it`,
		},
		{
			name: "address only",
			err:  &BlockedError{Addr: netip.MustParseAddr("127.0.0.1"), Range: "127.0.0.0/8", Kind: "loopback"},
			want: `destination 127.0.0.1 is in the loopback range 127.0.0.0/8; set allow_private: true on the connector to allow it`,
		},
		{
			name: "embedded IPv4",
			err: &BlockedError{Host: "nat.example", Addr: netip.MustParseAddr("64:ff9b::a9fe:a9fe"), Range: "169.254.169.254/32",
				Kind: "cloud metadata", Embedded: netip.MustParseAddr("169.254.169.254")},
			want: `destination 64:ff9b::a9fe:a9fe (from "nat.example") embeds 169.254.169.254, which is in the cloud metadata range 169.254.169.254/32; set allow_private: true on the connector to allow it`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestCheckEmbeddedErrorNamesInnerAddress(t *testing.T) {
	err := New(Options{}).Check("nat.example", netip.MustParseAddr("64:ff9b::a00:102"))
	var blocked *BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("Check = %v, want *BlockedError", err)
	}
	if blocked.Embedded != netip.MustParseAddr("10.0.1.2") {
		t.Errorf("Embedded = %s, want 10.0.1.2", blocked.Embedded)
	}
	if blocked.Kind != "private" {
		t.Errorf("Kind = %q, want private", blocked.Kind)
	}
}

func TestAllowPrivateAllowsEveryRange(t *testing.T) {
	g := New(Options{AllowPrivate: true})
	for _, tc := range blockedCases {
		if err := g.Check("", netip.MustParseAddr(tc.Addr)); err != nil {
			t.Errorf("Check(%s) with AllowPrivate = %v, want nil", tc.Addr, err)
		}
	}
}

func TestAllowCIDRs(t *testing.T) {
	g := New(Options{AllowCIDRs: []netip.Prefix{
		netip.MustParsePrefix("10.20.0.0/16"),
		netip.MustParsePrefix("fd00:1::/32"),
	}})
	tests := []struct {
		addr    string
		allowed bool
	}{
		{"10.20.3.4", true},
		{"::ffff:10.20.3.4", true},
		{"64:ff9b::a14:304", true}, // NAT64 of 10.20.3.4
		{"2002:a14:304::1", true},  // 6to4 of 10.20.3.4
		{"fd00:1::5", true},
		{"10.21.0.1", false},
		{"fd00:2::5", false},
		{"127.0.0.1", false},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			err := g.Check("", netip.MustParseAddr(tc.addr))
			if got := err == nil; got != tc.allowed {
				t.Errorf("Check(%s) = %v, want allowed=%v", tc.addr, err, tc.allowed)
			}
		})
	}
}

func FuzzCheckMappedMatchesIPv4(f *testing.F) {
	f.Add([]byte{10, 0, 0, 1})
	f.Add([]byte{127, 0, 0, 1})
	f.Add([]byte{8, 8, 8, 8})
	f.Add([]byte{169, 254, 169, 254})
	f.Add([]byte{100, 64, 0, 1})
	g := New(Options{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) != 4 {
			return
		}
		v4 := netip.AddrFrom4([4]byte(raw))
		mapped := netip.AddrFrom16(v4.As16())
		nat64 := netip.AddrFrom16([16]byte{0, 0x64, 0xff, 0x9b, 10: 0, 11: 0, 12: raw[0], 13: raw[1], 14: raw[2], 15: raw[3]})

		want := verdict(g.Check("", v4))
		if got := verdict(g.Check("", mapped)); got != want {
			t.Errorf("Check(%s) = %q, Check(%s) = %q", v4, want, mapped, got)
		}
		if got := verdict(g.Check("", nat64)); got != want {
			t.Errorf("Check(%s) = %q, Check(%s) = %q", v4, want, nat64, got)
		}
	})
}

// verdict returns the blocked range, or "allowed".
func verdict(err error) string {
	var blocked *BlockedError
	if errors.As(err, &blocked) {
		return blocked.Range
	}
	if err != nil {
		return err.Error()
	}
	return "allowed"
}

func TestDialContextRejectsNumericHosts(t *testing.T) {
	tests := []struct {
		host    string
		invalid bool
	}{
		{"0x7f000001", true},
		{"0X7F.0.0.1", true},
		{"2130706433", true},
		{"0177.0.0.1", true},
		{"127.1", true},
		{"10.0.0.1.", true},
		{"hook.example", false},
		{"123.example", false},
		{"0xdead.example", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			resolver := resolverFor("unused.example", "8.8.8.8")
			g := New(Options{Resolver: resolver})
			conn, err := g.DialContext(context.Background(), "tcp", net.JoinHostPort(tt.host, "443"))
			if conn != nil {
				conn.Close()
				t.Fatal("DialContext returned a connection")
			}
			var invalid *InvalidHostError
			if got := errors.As(err, &invalid); got != tt.invalid {
				t.Fatalf("DialContext(%s) = %v, want an InvalidHostError %t", tt.host, err, tt.invalid)
			}
			if tt.invalid && len(resolver.LookedUp()) != 0 {
				t.Errorf("the resolver was asked for %v", resolver.LookedUp())
			}
		})
	}
}
