package fib

import (
	"fmt"
	"net/netip"
	"slices"
)

// change is one route to replace (NextHops non-empty) or delete.
type change struct {
	Prefix   netip.Prefix
	NextHops []netip.Addr // sorted, no duplicates; empty means delete
}

// normalize checks a desired table and returns it with prefixes masked and
// next hops sorted and deduplicated; prefixes without next hops are dropped.
func normalize(desired map[netip.Prefix][]netip.Addr) (map[netip.Prefix][]netip.Addr, error) {
	out := make(map[netip.Prefix][]netip.Addr, len(desired))
	for p, nhs := range desired {
		if !p.IsValid() {
			return nil, fmt.Errorf("invalid prefix %q", p)
		}
		p = p.Masked()
		if _, dup := out[p]; dup {
			return nil, fmt.Errorf("prefix %s given twice", p)
		}
		var clean []netip.Addr
		for _, nh := range nhs {
			nh = nh.Unmap()
			if !nh.IsValid() || nh.IsUnspecified() {
				return nil, fmt.Errorf("route %s: invalid next hop %q", p, nh)
			}
			if nh.Is4() != p.Addr().Is4() {
				return nil, fmt.Errorf("route %s: next hop %s is of the other address family", p, nh)
			}
			clean = append(clean, nh)
		}
		if len(clean) == 0 {
			continue
		}
		slices.SortFunc(clean, netip.Addr.Compare)
		out[p] = slices.Compact(clean)
	}
	return out, nil
}

// diff returns the changes that turn current into desired (both
// normalized): replacements first, then deletions, each in prefix order.
// Only the changes are sorted: a Sync that changes a few routes of 10,000
// does not sort the 10,000.
func diff(current, desired map[netip.Prefix][]netip.Addr) []change {
	var replace, del []change
	for p, nhs := range desired {
		if !slices.Equal(current[p], nhs) {
			replace = append(replace, change{Prefix: p, NextHops: nhs})
		}
	}
	for p := range current {
		if _, ok := desired[p]; !ok {
			del = append(del, change{Prefix: p})
		}
	}
	slices.SortFunc(replace, compareChange)
	slices.SortFunc(del, compareChange)
	return append(replace, del...)
}

func compareChange(a, b change) int {
	if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
		return c
	}
	return a.Prefix.Bits() - b.Prefix.Bits()
}
