// Package netguard keeps outbound connections away from internal networks. A
// Guard checks the resolved address of every connection attempt in the dialer's
// Control hook. It rejects the loopback, private, link-local, shared, multicast,
// documentation, reserved and cloud-metadata ranges, IPv4 inside IPv6 forms
// included, so neither a crafted URL nor DNS rebinding reaches them.
//
// Destinations that come from templates or event data go through NewHTTPClient
// or Guard.DialContext. Addresses written literally in the config are the
// operator's choice and use NewTrustedHTTPClient.
package netguard

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Resolver looks up the addresses of a host name. *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configure a Guard and the HTTP clients built on it. The zero value is
// a strict guard with the defaults stated on each field.
type Options struct {
	// AllowPrivate turns the guard off: every address may be reached. It is the
	// connector's allow_private key.
	AllowPrivate bool
	// AllowCIDRs are ranges that may be reached although a blocked range
	// contains them.
	AllowCIDRs []netip.Prefix
	// Resolver looks up host names; nil means net.DefaultResolver.
	Resolver Resolver

	// DialTimeout bounds connecting, over all the addresses of a name. Default 10s.
	DialTimeout time.Duration
	// KeepAlive is the TCP keep-alive period. Default 30s.
	KeepAlive time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake. Default 10s.
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the response headers after the
	// request is written. Default 30s. The request's context deadline applies too.
	ResponseHeaderTimeout time.Duration
	// IdleConnTimeout closes keep-alive connections idle for longer. Default 90s.
	IdleConnTimeout time.Duration
	// MaxIdleConnsPerHost is the number of keep-alive connections kept per host.
	// Default 256.
	MaxIdleConnsPerHost int
	// Timeout bounds a whole HTTP exchange, body included (http.Client.Timeout).
	// Default 0: only the request's context bounds it.
	Timeout time.Duration

	// Proxy, when set, is the HTTP or SOCKS5 proxy every request goes through.
	// The guard does not check the connection to the proxy, because the operator
	// configured it, so the proxy must enforce its own egress rules. Default nil:
	// direct connections, whatever the environment's proxy variables say.
	Proxy *url.URL
	// TLSConfig is the client TLS configuration; nil means Go's defaults.
	TLSConfig *tls.Config
}

// withDefaults returns opts with every zero duration and limit set to its default.
func (opts Options) withDefaults() Options {
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 10 * time.Second
	}
	if opts.KeepAlive == 0 {
		opts.KeepAlive = 30 * time.Second
	}
	if opts.TLSHandshakeTimeout <= 0 {
		opts.TLSHandshakeTimeout = 10 * time.Second
	}
	if opts.ResponseHeaderTimeout <= 0 {
		opts.ResponseHeaderTimeout = 30 * time.Second
	}
	if opts.IdleConnTimeout <= 0 {
		opts.IdleConnTimeout = 90 * time.Second
	}
	if opts.MaxIdleConnsPerHost <= 0 {
		opts.MaxIdleConnsPerHost = 256
	}
	return opts
}

// Guard dials only addresses outside the blocked ranges. It is safe for
// concurrent use.
type Guard struct {
	opts Options
	// dialer checks every address it connects to in its Control hook.
	dialer *net.Dialer
	// proxyDialer connects to the configured proxy without the check.
	proxyDialer *net.Dialer
	proxyAddr   string
}

// New returns a guard configured by opts.
func New(opts Options) *Guard {
	opts = opts.withDefaults()
	g := &Guard{
		opts:        opts,
		proxyDialer: &net.Dialer{Timeout: opts.DialTimeout, KeepAlive: opts.KeepAlive},
		proxyAddr:   proxyAddr(opts.Proxy),
	}
	g.dialer = &net.Dialer{KeepAlive: opts.KeepAlive, ControlContext: g.Control}
	return g
}

// Check returns a *BlockedError when addr is in a blocked range and not allowed
// by the options, an error when addr is the zero Addr, and nil otherwise. Host,
// which may be empty, only names the address in the error. IPv4-mapped IPv6
// addresses are judged as IPv4, and NAT64 and 6to4 addresses by the IPv4
// address they embed.
func (g *Guard) Check(host string, addr netip.Addr) error {
	if g.opts.AllowPrivate {
		return nil
	}
	if !addr.IsValid() {
		return fmt.Errorf("network guard: no valid address to check for %q", host)
	}
	plain := addr.Unmap().WithZone("")
	if g.allowed(plain) {
		return nil
	}

	r, blocked := findBlockedRange(plain)
	if !blocked {
		return nil
	}
	if !r.embedsIPv4 {
		return &BlockedError{Host: host, Addr: addr, Range: r.prefix.String(), Kind: r.kind}
	}

	inner := embeddedIPv4(plain, r)
	if g.allowed(inner) {
		return nil
	}
	innerRange, blocked := findBlockedRange(inner)
	if !blocked {
		return nil
	}
	return &BlockedError{Host: host, Addr: addr, Range: innerRange.prefix.String(), Kind: innerRange.kind, Embedded: inner}
}

// Control checks the address a net.Dialer is about to connect to. Its signature
// is that of net.Dialer.ControlContext, so any dialer can use the guard. The
// dialer passes the numeric address after name resolution, which is what
// defeats DNS rebinding.
func (g *Guard) Control(_ context.Context, network, address string, _ syscall.RawConn) error {
	addrPort, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("network guard: cannot check %s address %q: %w", network, address, err)
	}
	return g.Check("", addrPort.Addr())
}

func (g *Guard) allowed(addr netip.Addr) bool {
	for _, prefix := range g.opts.AllowCIDRs {
		if prefix.Contains(addr) {
			return true
		}
	}
	return false
}

// findBlockedRange returns the first blocked range that contains addr, which
// must be unmapped and without zone: netip.Prefix.Contains matches neither.
func findBlockedRange(addr netip.Addr) (blockedRange, bool) {
	for _, r := range blockedRanges {
		if r.prefix.Contains(addr) {
			return r, true
		}
	}
	return blockedRange{}, false
}
