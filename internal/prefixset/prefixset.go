// Package prefixset reduces a list of IP prefixes to the fewest prefixes
// that cover exactly the same addresses, so that a rule or route per
// prefix of a topology (one per VPC, thousands in a large transit) becomes
// a handful where the ranges are contiguous.
package prefixset

import (
	"cmp"
	"net/netip"
	"slices"
)

// Aggregate returns the fewest prefixes covering exactly the addresses of
// ps: prefixes inside another are dropped and sibling pairs (the two
// halves of one shorter prefix) merged, repeatedly. The result is sorted
// (IPv4 first, then by address and length); invalid prefixes are dropped.
// It runs in O(n log n).
func Aggregate(ps []netip.Prefix) []netip.Prefix {
	in := make([]netip.Prefix, 0, len(ps))
	for _, p := range ps {
		if p.IsValid() {
			in = append(in, p.Masked())
		}
	}
	slices.SortFunc(in, compare)
	// A stack of disjoint prefixes in address order: each new prefix is
	// dropped when the top covers it, else pushed and merged with the top
	// while the two are siblings.
	var out []netip.Prefix
	for _, p := range in {
		if n := len(out); n > 0 && out[n-1].Bits() <= p.Bits() && out[n-1].Contains(p.Addr()) {
			continue
		}
		out = append(out, p)
		for len(out) >= 2 {
			a, b := out[len(out)-2], out[len(out)-1]
			if a.Bits() != b.Bits() || a.Bits() == 0 {
				break
			}
			parent := netip.PrefixFrom(a.Addr(), a.Bits()-1).Masked()
			if parent.Addr() != a.Addr() || !parent.Contains(b.Addr()) {
				break
			}
			out = append(out[:len(out)-2], parent)
		}
	}
	return out
}

// compare orders prefixes by family, address, then length (shorter
// first), so that a prefix comes before those inside it.
func compare(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Bits(), b.Bits())
}
