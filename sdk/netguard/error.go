package netguard

import (
	"net/netip"
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
