package netguard

import (
	"net/netip"
	"strconv"
	"strings"
)

// BlockedError reports a connection the guard rejected because the address it
// would reach is in an internal or special-purpose range.
type BlockedError struct {
	// Host is the name that was dialled; empty when only the address is known,
	// as in the Control hook.
	Host string
	// Addr is the rejected address, as resolved.
	Addr netip.Addr
	// Range is the blocked prefix that contains Addr (or Embedded), such as
	// "10.0.0.0/8".
	Range string
	// Kind names the range, such as "private" or "loopback".
	Kind string
	// Embedded is the IPv4 address inside a NAT64 or 6to4 Addr, which is what the
	// guard judged; the zero Addr otherwise.
	Embedded netip.Addr
}

// Error names the address, the range and the config key that allows it.
func (e *BlockedError) Error() string {
	var b strings.Builder
	b.WriteString("destination ")
	b.WriteString(e.Addr.String())
	if e.Host != "" && e.Host != e.Addr.String() {
		b.WriteString(` (from "`)
		b.WriteString(e.Host)
		b.WriteString(`")`)
	}
	if e.Embedded.IsValid() {
		b.WriteString(" embeds ")
		b.WriteString(e.Embedded.String())
		b.WriteString(", which")
	}
	b.WriteString(" is in the ")
	b.WriteString(e.Kind)
	b.WriteString(" range ")
	b.WriteString(e.Range)
	b.WriteString("; set allow_private: true on the connector to allow it")
	return b.String()
}

// InvalidHostError reports a host written as a number that is not a dotted
// IPv4 address of four decimal parts, such as 0x7f000001, 2130706433,
// 0177.0.0.1 or 127.1. Browsers read such hosts as IPv4 addresses while Go's
// resolver looks them up as names, so the guard rejects them instead of
// sending them to the resolver.
type InvalidHostError struct {
	Host string
}

// Error names the host and the form to write instead.
func (e *InvalidHostError) Error() string {
	return "destination host " + strconv.Quote(e.Host) + " is a number but not an IPv4 address in dotted decimal; " +
		"write the address as four decimal numbers without leading zeros, such as 192.0.2.10, or use a host name"
}

// CheckHostForm returns an *InvalidHostError for a host written as a number
// that is not a dotted-decimal IPv4 address, and nil otherwise. Clients that
// dial without the guard (allow_private) call it to reject such hosts too.
func CheckHostForm(host string) error {
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil || !numericHost(host) {
		return nil
	}
	return &InvalidHostError{Host: host}
}

// numericHost reports whether host ends in a label made of decimal digits
// or of 0x and hex digits.
func numericHost(host string) bool {
	host = strings.TrimSuffix(host, ".")
	last := strings.ToLower(host[strings.LastIndexByte(host, '.')+1:])
	if hex, ok := strings.CutPrefix(last, "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}
