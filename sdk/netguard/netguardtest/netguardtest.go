// Package netguardtest holds what tests of the network guard share: one
// address inside every range the guard blocks, and a resolver with a fixed
// table, so that a test can make any name resolve to any address without DNS.
package netguardtest

import (
	"context"
	"net"
	"net/netip"
	"sync"
)

// BlockedAddress is an address inside a blocked range, with the range the
// guard's error names.
type BlockedAddress struct {
	Addr  string
	Range string
}

// Blocked has at least one address inside every range the guard blocks,
// IPv4 inside IPv6 forms included: IPv4-mapped, NAT64 and 6to4.
var Blocked = []BlockedAddress{
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
	{"192.88.99.1", "192.88.99.0/24"},
	{"::7f00:1", "::/96"},
	{"::808:808", "::/96"},
	{"::ffff:0:7f00:1", "::ffff:0:0:0/96"},
	{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::/32"},
	{"2001:2::1", "2001:2::/48"},
	{"2001:10::1", "2001:10::/28"},
	{"2001:20::1", "2001:20::/28"},
	{"3fff::1", "3fff::/20"},
	{"5f00::1", "5f00::/16"},
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

// Resolver returns addresses from a fixed table and records the names looked
// up. A name missing from the table does not resolve: the error is a
// *net.DNSError with IsNotFound set, as the system resolver returns.
type Resolver struct {
	mu       sync.Mutex
	hosts    map[string][]netip.Addr
	lookedUp []string
}

// NewResolver returns a resolver that resolves host to addrs, which must parse
// as IP addresses.
func NewResolver(host string, addrs ...string) *Resolver {
	r := &Resolver{hosts: map[string][]netip.Addr{}}
	if host != "" {
		r.Add(host, addrs...)
	}
	return r
}

// Add makes host resolve to addrs.
func (r *Resolver) Add(host string, addrs ...string) {
	parsed := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		parsed = append(parsed, netip.MustParseAddr(a))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hosts[host] = parsed
}

// LookupNetIP implements netguard.Resolver.
func (r *Resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookedUp = append(r.lookedUp, host)
	addrs, ok := r.hosts[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return addrs, nil
}

// LookedUp returns the names looked up so far, in order.
func (r *Resolver) LookedUp() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lookedUp...)
}
