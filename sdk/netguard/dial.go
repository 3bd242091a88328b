package netguard

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"time"
)

// minAttemptTime is the least time one address of a name gets when the dial
// timeout is shared among several addresses.
const minAttemptTime = 2 * time.Second

// DialContext connects like net.Dialer.DialContext, but only to addresses the
// guard allows. It resolves the host through Options.Resolver, drops the blocked
// addresses and tries the others in order. When every address is blocked, it
// returns the *BlockedError of the first. The dialer's Control hook checks each
// address again as the socket connects. Networks other than tcp and udp are
// rejected. SMTP, chat clients and anything else that dials can use it as their
// dial function.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if g.proxyAddr != "" && address == g.proxyAddr {
		return g.proxyDialer.DialContext(ctx, network, address)
	}
	ipNetwork, err := lookupNetwork(network)
	if err != nil {
		return nil, err
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("network guard: %w", err)
	}

	addrs, err := g.lookup(ctx, ipNetwork, host)
	if err != nil {
		return nil, err
	}
	allowed, firstBlocked := g.filter(host, addrs)
	if len(allowed) == 0 {
		return nil, firstBlocked
	}
	return g.dialEach(ctx, network, port, allowed)
}

// lookupNetwork returns the resolver network ("ip", "ip4", "ip6") for a dial
// network.
func lookupNetwork(network string) (string, error) {
	switch network {
	case "tcp", "udp":
		return "ip", nil
	case "tcp4", "udp4":
		return "ip4", nil
	case "tcp6", "udp6":
		return "ip6", nil
	default:
		return "", fmt.Errorf("network guard: network %q is not allowed; use tcp or udp", network)
	}
}

// lookup returns the addresses of host: the address itself for a literal, the
// unspecified address for an empty host (which the system would dial as the
// local machine), and the resolver's result otherwise.
func (g *Guard) lookup(ctx context.Context, ipNetwork, host string) ([]netip.Addr, error) {
	if host == "" {
		if ipNetwork == "ip6" {
			return []netip.Addr{netip.IPv6Unspecified()}, nil
		}
		return []netip.Addr{netip.IPv4Unspecified()}, nil
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{addr}, nil
	}
	if numericHost(host) {
		return nil, &InvalidHostError{Host: host}
	}

	addrs, err := g.opts.Resolver.LookupNetIP(ctx, ipNetwork, host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return addrs, nil
}

// filter splits addrs into the allowed ones and the error of the first blocked one.
func (g *Guard) filter(host string, addrs []netip.Addr) ([]netip.Addr, error) {
	allowed := make([]netip.Addr, 0, len(addrs))
	var firstBlocked error
	for _, addr := range addrs {
		err := g.Check(host, addr)
		if err == nil {
			allowed = append(allowed, addr.Unmap())
			continue
		}
		if firstBlocked == nil {
			firstBlocked = err
		}
	}
	return allowed, firstBlocked
}

// dialEach tries the addresses in order until one connects. The dial timeout
// covers all of them; each attempt gets an equal share of the time left, but at
// least minAttemptTime.
func (g *Guard) dialEach(ctx context.Context, network, port string, addrs []netip.Addr) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, g.opts.DialTimeout)
	defer cancel()

	var firstErr error
	for i, addr := range addrs {
		attemptCtx, cancelAttempt := attemptContext(ctx, len(addrs)-i)
		conn, err := g.dialer.DialContext(attemptCtx, network, net.JoinHostPort(addr.String(), port))
		cancelAttempt()
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// attemptContext bounds one of the remaining attempts to its share of the time
// left on ctx.
func attemptContext(ctx context.Context, remaining int) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok || remaining <= 1 {
		return context.WithCancel(ctx)
	}
	share := time.Until(deadline) / time.Duration(remaining)
	if share < minAttemptTime {
		share = minAttemptTime
	}
	return context.WithTimeout(ctx, share)
}

// proxyAddr returns the host:port the HTTP transport dials to reach proxy, or
// "" when there is none.
func proxyAddr(proxy *url.URL) string {
	if proxy == nil {
		return ""
	}
	if proxy.Port() != "" {
		return proxy.Host
	}
	switch proxy.Scheme {
	case "https":
		return net.JoinHostPort(proxy.Hostname(), "443")
	case "socks5", "socks5h":
		return net.JoinHostPort(proxy.Hostname(), "1080")
	default:
		return net.JoinHostPort(proxy.Hostname(), "80")
	}
}
