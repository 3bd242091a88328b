package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
)

// fakeResolver returns addresses from a fixed table and records the names looked up.
type fakeResolver struct {
	mu       sync.Mutex
	hosts    map[string][]netip.Addr
	lookedUp []string
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookedUp = append(r.lookedUp, host)
	addrs, ok := r.hosts[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return addrs, nil
}

func resolverFor(host string, addrs ...string) *fakeResolver {
	parsed := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		parsed = append(parsed, netip.MustParseAddr(a))
	}
	return &fakeResolver{hosts: map[string][]netip.Addr{host: parsed}}
}

// blockedCases has one address inside every blocked range, with the range the
// error must name.
var blockedCases = []struct {
	addr      string
	wantRange string
}{
	{"0.0.0.0", "0.0.0.0/8"},
	{"0.1.2.3", "0.0.0.0/8"},
	{"127.0.0.1", "127.0.0.0/8"},
	{"127.255.0.9", "127.0.0.0/8"},
	{"10.1.2.3", "10.0.0.0/8"},
	{"172.16.0.1", "172.16.0.0/12"},
	{"172.31.255.254", "172.16.0.0/12"},
	{"192.168.1.1", "192.168.0.0/16"},
	{"169.254.169.254", "169.254.169.254/32"},
	{"169.254.1.1", "169.254.0.0/16"},
	{"100.100.100.200", "100.100.100.200/32"},
	{"100.64.0.1", "100.64.0.0/10"},
	{"100.127.255.254", "100.64.0.0/10"},
	{"192.0.0.8", "192.0.0.0/24"},
	{"192.0.2.10", "192.0.2.0/24"},
	{"198.51.100.7", "198.51.100.0/24"},
	{"203.0.113.99", "203.0.113.0/24"},
	{"198.18.0.1", "198.18.0.0/15"},
	{"198.19.255.1", "198.18.0.0/15"},
	{"224.0.0.1", "224.0.0.0/4"},
	{"239.255.255.250", "224.0.0.0/4"},
	{"240.0.0.1", "240.0.0.0/4"},
	{"255.255.255.255", "255.255.255.255/32"},
	{"::", "::/128"},
	{"::1", "::1/128"},
	{"fc00::1", "fc00::/7"},
	{"fd12:3456::1", "fc00::/7"},
	{"fd00:ec2::254", "fd00:ec2::254/128"},
	{"fe80::1", "fe80::/10"},
	{"fe80::1%eth0", "fe80::/10"},
	{"ff02::1", "ff00::/8"},
	{"2001:db8::1", "2001:db8::/32"},
	{"100::1", "100::/64"},
	{"64:ff9b:1::a00:1", "64:ff9b:1::/48"},
	// IPv4-mapped IPv6 is judged as the IPv4 address.
	{"::ffff:127.0.0.1", "127.0.0.0/8"},
	{"::ffff:10.0.0.1", "10.0.0.0/8"},
	{"::ffff:169.254.169.254", "169.254.169.254/32"},
	// NAT64 and 6to4 are judged by the IPv4 address they embed.
	{"64:ff9b::a9fe:a9fe", "169.254.169.254/32"},
	{"64:ff9b::7f00:1", "127.0.0.0/8"},
	{"64:ff9b::c0a8:101", "192.168.0.0/16"},
	{"2002:a00:1::1", "10.0.0.0/8"},
	{"2002:7f00:1::", "127.0.0.0/8"},
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
		t.Run(tc.addr, func(t *testing.T) {
			err := g.Check("", netip.MustParseAddr(tc.addr))
			var blocked *BlockedError
			if !errors.As(err, &blocked) {
				t.Fatalf("Check(%s) = %v, want *BlockedError", tc.addr, err)
			}
			if blocked.Range != tc.wantRange {
				t.Errorf("Range = %q, want %q", blocked.Range, tc.wantRange)
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
		t.Run(tc.addr, func(t *testing.T) {
			address := netip.AddrPortFrom(netip.MustParseAddr(tc.addr), 443).String()
			err := g.Control(context.Background(), "tcp", address, nil)
			var blocked *BlockedError
			if !errors.As(err, &blocked) {
				t.Fatalf("Control(%s) = %v, want *BlockedError", address, err)
			}
			if blocked.Range != tc.wantRange {
				t.Errorf("Range = %q, want %q", blocked.Range, tc.wantRange)
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
		t.Run(tc.addr, func(t *testing.T) {
			resolver := resolverFor("hook.example", tc.addr)
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
			if blocked.Range != tc.wantRange {
				t.Errorf("Range = %q, want %q", blocked.Range, tc.wantRange)
			}
		})
	}
}

func TestDialContextBlocksLiteralAddress(t *testing.T) {
	resolver := &fakeResolver{}
	g := New(Options{Resolver: resolver})

	_, err := g.DialContext(context.Background(), "tcp", "[::ffff:10.0.0.1]:80")
	var blocked *BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("DialContext = %v, want *BlockedError", err)
	}
	if len(resolver.lookedUp) != 0 {
		t.Errorf("resolver looked up %v for a literal address", resolver.lookedUp)
	}
}

func TestDialContextBlocksEmptyHost(t *testing.T) {
	_, err := New(Options{Resolver: &fakeResolver{}}).DialContext(context.Background(), "tcp", ":80")
	var blocked *BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("DialContext(:80) = %v, want *BlockedError", err)
	}
}

func TestDialContextReportsUnknownName(t *testing.T) {
	g := New(Options{Resolver: &fakeResolver{}})

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
		if err := g.Check("", netip.MustParseAddr(tc.addr)); err != nil {
			t.Errorf("Check(%s) with AllowPrivate = %v, want nil", tc.addr, err)
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
