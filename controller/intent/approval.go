package intent

import (
	"fmt"
	"net/netip"
	"strings"
)

// CheckApproval applies the topology's approval rules to a run-time
// approval of prefix (canonical, no host bits) learned from site: the
// rules that the validator applies to a transit's approved list in the
// file. The prefix must be IPv4 (the cloud intent of format v1 is IPv4
// only), must not lie inside a VPC's range (see InsideVPC), and must be
// one of the site's advertised prefixes or inside one. The error says why
// and what would be valid; the site must exist (the caller checks).
func (p *Plan) CheckApproval(site string, pr netip.Prefix) error {
	var adv []netip.Prefix
	for _, s := range p.Topology.Cloud.Sites {
		if s.Name == site {
			adv = s.Advertise
		}
	}
	list := prefixList(adv)
	if !pr.Addr().Is4() {
		return fmt.Errorf("%s is IPv6; site %s advertises IPv4 prefixes only (%s): the cloud intent is IPv4 only, so approve one of those or a prefix inside one",
			pr, site, list)
	}
	if v, cidr, ok := p.vpcHolding(pr); ok {
		return fmt.Errorf("%s overlaps VPC %s (%s): a cloud route table cannot hold a route inside its VPC's own range; site %s advertises %s",
			pr, v, cidr, site, list)
	}
	inside := false
	for _, a := range adv {
		inside = inside || (a.Bits() <= pr.Bits() && a.Contains(pr.Addr()))
	}
	if !inside {
		return fmt.Errorf("%s is not inside anything site %s advertises (%s); approve one of those or a prefix inside one",
			pr, site, list)
	}
	// Inside an advertised prefix yet covering a VPC: only a topology
	// whose site advertises over a VPC's range, which the validator
	// refuses, could get here.
	for _, v := range p.Topology.Cloud.VPCs {
		if v != nil && v.CIDR.IsValid() && v.CIDR.Masked().Overlaps(pr) {
			return fmt.Errorf("%s overlaps VPC %s (%s): routes toward it would leave the VPC's own range; site %s advertises %s",
				pr, v.Name, v.CIDR.Masked(), site, list)
		}
	}
	return nil
}

// vpcHolding returns the VPC of the topology whose range holds pr (equal
// to it or more specific), with that range.
func (p *Plan) vpcHolding(pr netip.Prefix) (string, netip.Prefix, bool) {
	for _, v := range p.Topology.Cloud.VPCs {
		if v == nil || !v.CIDR.IsValid() {
			continue
		}
		if c := v.CIDR.Masked(); InsideVPC(pr, c) {
			return v.Name, c, true
		}
	}
	return "", netip.Prefix{}, false
}

// InsideVPC reports whether a route to pr lies inside the VPC range cidr:
// the same prefix or a more specific one, of the same family. Such a route
// is not a route to somewhere else: a VPC's local route covers its whole
// range, and a route table either refuses a route to that very range (AWS
// CreateRoute answers RouteAlreadyExists) or, where a route more specific
// than the local route is allowed, uses it to steer the VPC's own subnets
// through an appliance, which would send a subnet's traffic off to
// on-prem.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-local-route — the local route covers the VPC's CIDR; a more specific route only redirects traffic inside the VPC
func InsideVPC(pr, cidr netip.Prefix) bool {
	return pr.Addr().Is4() == cidr.Addr().Is4() && cidr.Bits() <= pr.Bits() && cidr.Contains(pr.Addr())
}

// prefixList writes prefixes as "a, b".
func prefixList(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}
