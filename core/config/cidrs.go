package config

import (
	"net/netip"

	"gopkg.in/yaml.v3"
)

// prefixList decodes a list of CIDR ranges, such as ["10.20.0.0/16"], and
// reports each item that is not one.
func (d *decoder) prefixList(n *yaml.Node, path string) []netip.Prefix {
	var texts []string
	d.stringListField(&texts)(n, path)

	var out []netip.Prefix
	for i, text := range texts {
		if text == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(text)
		if err != nil {
			d.errorAt(itemPath(path, i), "invalid CIDR range %q; write an address and a prefix length, such as 10.20.0.0/16 or fd00:1::/64", shorten(text))
			continue
		}
		out = append(out, prefix.Masked())
	}
	return out
}
