package intent

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/topologies"
)

// Expectation is whether one endpoint should reach another, and why not.
type Expectation struct {
	Reach bool
	// Reason names what blocks the pair: "no route: …", "domain policy: …"
	// or "security group: …"; "" when it reaches.
	Reason string
	// Depends is set when the answer turns on an address the cloud
	// chooses: the target's security group admits part of the source's
	// subnet, and the source has no fixed address. Reach is then false
	// and Reason says what to fix.
	Depends bool
}

// Expect derives from the intent alone whether endpoint from reaches
// endpoint to (a ping and its answer), given the routes approved at run
// time and the endpoints' addresses (addr; a workload without a fixed
// address needs its inventory address there).
func (p *Plan) Expect(from, to string, approved map[string][]topologies.ApprovedRoute, addr map[string]netip.Addr) Expectation {
	a, b := p.Endpoint(from), p.Endpoint(to)
	if a == nil || b == nil {
		return Expectation{Reason: "unknown endpoint"}
	}
	src := addr[from]
	if !src.IsValid() {
		src = a.Address
	}
	switch {
	case a.Site != "" && a.Site == b.Site:
		return Expectation{Reach: true} // the site router routes between its own LANs
	case a.VPC != "" && a.VPC == b.VPC:
		return p.securityGroup(a, b, src) // the VPC's local route
	}
	if r := p.noRoute(a, b, approved); r != "" {
		return Expectation{Reason: "no route: " + r}
	}
	if r := p.domainPolicy(a, b); r != "" {
		return Expectation{Reason: "domain policy: " + r}
	}
	return p.securityGroup(a, b, src)
}

// securityGroup is whether b's security group admits a's packets from
// src. Without src (a workload whose address the cloud chooses and that
// is not known yet) it answers for every address of a's subnet: admitted
// when the allow list covers the whole subnet, blocked when it covers
// none of it, and Depends when part.
func (p *Plan) securityGroup(a, b *Endpoint, src netip.Addr) Expectation {
	if b.VPC == "" || b.Allow == nil {
		return Expectation{Reach: true}
	}
	s := make([]string, len(b.Allow))
	for i, pr := range b.Allow {
		s[i] = pr.String()
	}
	blocked := Expectation{Reason: fmt.Sprintf("security group: %s admits only %s", b.Name, strings.Join(s, ", "))}
	if !src.IsValid() && a.Subnet.IsValid() {
		part := false
		for _, pr := range b.Allow {
			if pr.Bits() <= a.Subnet.Bits() && pr.Contains(a.Subnet.Addr()) {
				return Expectation{Reach: true}
			}
			part = part || pr.Overlaps(a.Subnet)
		}
		if part {
			blocked.Reason += fmt.Sprintf(", part of %s's subnet %s, and %s has no fixed address: whether it is admitted depends on the address the cloud gives it; give %s an address", a.Name, a.Subnet, a.Name, a.Name)
			blocked.Depends = true
		} else {
			blocked.Reason += fmt.Sprintf(", none of %s's subnet %s", a.Name, a.Subnet)
		}
		return blocked
	}
	for _, pr := range b.Allow {
		if pr.Contains(src) {
			return Expectation{Reach: true}
		}
	}
	return blocked
}

// transitOf is the transit an endpoint's traffic enters: its spoke's, or
// its site's.
func (p *Plan) transitOf(e *Endpoint) string {
	if x := p.idx; x != nil {
		if e.Site != "" {
			return x.siteTransit[e.Site]
		}
		return x.spokeTransit[e.Spoke] // "" for a transit's own VPC, as below
	}
	if e.Site != "" {
		for _, s := range p.Topology.Cloud.Sites {
			if s.Name == e.Site {
				return s.Connection.Transit
			}
		}
		return ""
	}
	for _, sp := range p.Topology.Cloud.Spokes {
		if sp.Name == e.Spoke {
			return sp.Transit
		}
	}
	for _, tr := range p.Topology.Cloud.Transits {
		if tr.Name == e.Spoke {
			return "" // a workload in a transit VPC is not attached to anything
		}
	}
	return ""
}

// peered reports whether two transits exchange routes.
func (p *Plan) peered(x, y string) bool {
	if x == y {
		return true
	}
	for _, pe := range p.Topology.Cloud.TransitPeerings {
		if (pe.A == x && pe.B == y) || (pe.A == y && pe.B == x) {
			return true
		}
	}
	return false
}

// noRoute says why a and b have no route between them, or "".
func (p *Plan) noRoute(a, b *Endpoint, approved map[string][]topologies.ApprovedRoute) string {
	ta, tb := p.transitOf(a), p.transitOf(b)
	for _, e := range []*Endpoint{a, b} {
		if p.transitOf(e) == "" {
			return fmt.Sprintf("%s's VPC %s is not a spoke of any transit", e.Name, e.VPC)
		}
	}
	if !p.peered(ta, tb) {
		return fmt.Sprintf("transits %s and %s are not peered", ta, tb)
	}
	for _, e := range []*Endpoint{a, b} {
		if e.Site == "" {
			continue
		}
		tr := p.transitOf(e)
		if !p.approvedAt(tr, e.Site, e.Prefix, approved[tr]) {
			return fmt.Sprintf("%s (%s) is not approved at transit %s", e.Prefix, e.Site, tr)
		}
	}
	return ""
}

// approvedAt reports whether a site's prefix is accepted at transit tr.
func (p *Plan) approvedAt(tr, site string, pr netip.Prefix, live []topologies.ApprovedRoute) bool {
	for _, t := range p.Topology.Cloud.Transits {
		if t.Name != tr {
			continue
		}
		if t.Approval.Mode != topologies.ApprovalManual {
			return true
		}
		for _, a := range p.Approved(tr, live) {
			if a.Site == site && a.Prefix == pr {
				return true
			}
		}
	}
	return false
}

// DomainOf returns the domain an endpoint belongs to (through its spoke or
// site), or "".
func (p *Plan) DomainOf(e *Endpoint) string {
	member := e.Site
	if member == "" {
		member = e.Spoke
	}
	if p.idx != nil {
		return p.idx.domain[member]
	}
	for _, d := range p.Topology.Cloud.Domains {
		for _, m := range d.Members {
			if m == member {
				return d.Name
			}
		}
	}
	return ""
}

// domainPolicy says why segmentation drops traffic between a and b, or "".
func (p *Plan) domainPolicy(a, b *Endpoint) string {
	da, db := p.DomainOf(a), p.DomainOf(b)
	if da == "" || db == "" || da == db {
		return ""
	}
	for _, c := range p.Topology.Cloud.Connections {
		if (c.A == da && c.B == db) || (c.A == db && c.B == da) {
			return ""
		}
	}
	return fmt.Sprintf("%s and %s are not connected (dropped at the transit gateways)", da, db)
}
