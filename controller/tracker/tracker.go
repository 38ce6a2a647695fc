// Package tracker is the controller's VPC tracker: every address range
// allocated across the enterprise's clouds and sites in one list (each
// account's networks as its cloud's API lists them, through the
// providers' cloud.NetworkLister, and each site's advertised prefixes
// from the topology), the allocations that overlap one another, and
// which of them a candidate CIDR would overlap. It makes no calls: the
// caller reads the clouds and hands it what they answered.
package tracker

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/topologies"
)

// Kinds of allocation.
const (
	KindNetwork = "network" // a cloud network (VPC, VNet, VCN)
	KindSite    = "site"    // a prefix a site advertises
)

// Allocation is one address range in use.
type Allocation struct {
	CIDR netip.Prefix `json:"cidr"`
	Kind string       `json:"kind"`
	// Name is the network's name (or its ID where it has none), or the
	// site's.
	Name string `json:"name"`
	// Cloud is the account's provider (aws, azure, ...), "on-prem" for a
	// site; Account is the topology's account name.
	Cloud   string `json:"cloud"`
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
	Group   string `json:"group,omitempty"`
	// ID is the network's ID in its cloud.
	ID string `json:"id,omitempty"`
	// Managed is set for a network the lab's controller made (its owner
	// tag names the lab).
	Managed bool `json:"managed,omitempty"`
	// Overlaps names the other allocations this one overlaps ("name
	// cidr"), in the tracker's order.
	Overlaps []string `json:"overlaps,omitempty"`
}

// label is how an overlap names an allocation.
func (a Allocation) label() string { return a.Name + " " + a.CIDR.String() }

// Account is what one account's provider listed.
type Account struct {
	Name     string
	Provider topologies.Provider
	Networks []cloud.Network
}

// Build returns the allocations of the accounts' networks (owner, the
// lab's owner tag, marks those the controller made) and of the sites'
// advertised prefixes, sorted by address then prefix length, each with
// the others it overlaps.
func Build(owner string, accounts []Account, sites []*topologies.Site) []Allocation {
	var out []Allocation
	for _, a := range accounts {
		for _, n := range a.Networks {
			name := cmp.Or(n.Name, n.ID)
			for _, c := range n.CIDRs {
				out = append(out, Allocation{CIDR: c.Masked(), Kind: KindNetwork, Name: name, Cloud: string(a.Provider),
					Account: a.Name, Region: n.Region, Group: n.Group, ID: n.ID, Managed: owner != "" && n.Owner == owner})
			}
		}
	}
	for _, s := range sites {
		for _, p := range s.Advertise {
			out = append(out, Allocation{CIDR: p.Masked(), Kind: KindSite, Name: s.Name, Cloud: "on-prem"})
		}
	}
	slices.SortStableFunc(out, func(x, y Allocation) int {
		return cmp.Or(x.CIDR.Addr().Compare(y.CIDR.Addr()), cmp.Compare(x.CIDR.Bits(), y.CIDR.Bits()),
			cmp.Compare(x.Name, y.Name), cmp.Compare(x.Account, y.Account))
	})
	for i := range out {
		for j := range out {
			if i != j && out[i].CIDR.Overlaps(out[j].CIDR) {
				out[i].Overlaps = append(out[i].Overlaps, out[j].label())
			}
		}
	}
	return out
}

// Test returns the allocations that cidr overlaps (inside, around or
// equal to), in the order of allocs. A CIDR with host bits set is an
// error that names the prefix meant.
func Test(allocs []Allocation, cidr string) ([]Allocation, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("test %q: not a CIDR such as 10.1.0.0/24: %w", cidr, err)
	}
	if p != p.Masked() {
		return nil, fmt.Errorf("test %q: host bits are set; did you mean %s?", cidr, p.Masked())
	}
	var out []Allocation
	for _, a := range allocs {
		if a.CIDR.Overlaps(p) {
			out = append(out, a)
		}
	}
	return out, nil
}
