package netguard

import "net/netip"

// blockedRange is one address range the guard rejects, with the name its error
// message uses.
type blockedRange struct {
	prefix netip.Prefix
	kind   string
	// embedsIPv4 marks IPv6 translation ranges (NAT64, 6to4) whose addresses
	// carry an IPv4 address: the guard judges those by the embedded address.
	embedsIPv4 bool
}

// blockedRanges lists the special-purpose ranges of the IANA IPv4 and IPv6
// special-purpose address registries (RFC 6890 and its updates) that no
// destination from event data may reach. More specific ranges come first so
// that the error names the most precise one.
var blockedRanges = []blockedRange{
	// IPv4.
	{prefix: netip.MustParsePrefix("255.255.255.255/32"), kind: "broadcast"},
	{prefix: netip.MustParsePrefix("0.0.0.0/8"), kind: "unspecified"},
	{prefix: netip.MustParsePrefix("127.0.0.0/8"), kind: "loopback"},
	{prefix: netip.MustParsePrefix("10.0.0.0/8"), kind: "private"},
	{prefix: netip.MustParsePrefix("172.16.0.0/12"), kind: "private"},
	{prefix: netip.MustParsePrefix("192.168.0.0/16"), kind: "private"},
	{prefix: netip.MustParsePrefix("169.254.169.254/32"), kind: "cloud metadata"},
	{prefix: netip.MustParsePrefix("169.254.0.0/16"), kind: "link-local"},
	{prefix: netip.MustParsePrefix("100.100.100.200/32"), kind: "cloud metadata"},
	{prefix: netip.MustParsePrefix("100.64.0.0/10"), kind: "shared (carrier-grade NAT)"},
	{prefix: netip.MustParsePrefix("192.0.0.0/24"), kind: "IETF protocol assignments"},
	{prefix: netip.MustParsePrefix("192.0.2.0/24"), kind: "documentation"},
	{prefix: netip.MustParsePrefix("198.51.100.0/24"), kind: "documentation"},
	{prefix: netip.MustParsePrefix("203.0.113.0/24"), kind: "documentation"},
	{prefix: netip.MustParsePrefix("198.18.0.0/15"), kind: "benchmarking"},
	{prefix: netip.MustParsePrefix("192.88.99.0/24"), kind: "6to4 relay anycast (deprecated)"},
	{prefix: netip.MustParsePrefix("224.0.0.0/4"), kind: "multicast"},
	{prefix: netip.MustParsePrefix("240.0.0.0/4"), kind: "reserved"},

	// IPv6. IPv4-mapped addresses (::ffff:0:0/96) never reach this table,
	// because the guard unmaps them first.
	{prefix: netip.MustParsePrefix("::/128"), kind: "unspecified"},
	{prefix: netip.MustParsePrefix("::1/128"), kind: "loopback"},
	// IPv4-compatible (RFC 4291, deprecated) and IPv4-translated (RFC 2765)
	// addresses carry an IPv4 address too, but no stack should route them to
	// the public Internet, so both ranges are blocked whole.
	{prefix: netip.MustParsePrefix("::/96"), kind: "IPv4-compatible (deprecated)"},
	{prefix: netip.MustParsePrefix("::ffff:0:0:0/96"), kind: "IPv4-translated"},
	{prefix: netip.MustParsePrefix("64:ff9b::/96"), kind: "NAT64", embedsIPv4: true},
	// Local-use NAT64 (RFC 8215) translates to addresses inside the operator's
	// own network, so the whole range counts as internal.
	{prefix: netip.MustParsePrefix("64:ff9b:1::/48"), kind: "local-use NAT64"},
	{prefix: netip.MustParsePrefix("2002::/16"), kind: "6to4", embedsIPv4: true},
	{prefix: netip.MustParsePrefix("100::/64"), kind: "discard-only"},
	{prefix: netip.MustParsePrefix("2001::/32"), kind: "Teredo"},
	{prefix: netip.MustParsePrefix("2001:2::/48"), kind: "benchmarking"},
	{prefix: netip.MustParsePrefix("2001:10::/28"), kind: "ORCHID (deprecated)"},
	{prefix: netip.MustParsePrefix("2001:20::/28"), kind: "ORCHIDv2 identifiers"},
	{prefix: netip.MustParsePrefix("2001:db8::/32"), kind: "documentation"},
	{prefix: netip.MustParsePrefix("3fff::/20"), kind: "documentation"},
	{prefix: netip.MustParsePrefix("5f00::/16"), kind: "segment routing (SRv6) identifiers"},
	{prefix: netip.MustParsePrefix("fd00:ec2::254/128"), kind: "cloud metadata"},
	{prefix: netip.MustParsePrefix("fc00::/7"), kind: "private"},
	{prefix: netip.MustParsePrefix("fe80::/10"), kind: "link-local"},
	{prefix: netip.MustParsePrefix("ff00::/8"), kind: "multicast"},
}

// embeddedIPv4 returns the IPv4 address that a NAT64 or 6to4 address carries.
// The well-known NAT64 prefix 64:ff9b::/96 (RFC 6052) puts it in the last 32
// bits; 6to4 (RFC 3056) puts it in the 32 bits after the 2002::/16 prefix.
func embeddedIPv4(addr netip.Addr, r blockedRange) netip.Addr {
	b := addr.As16()
	if r.prefix.Bits() == 16 {
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
	}
	return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
}
