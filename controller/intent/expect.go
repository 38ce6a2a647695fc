package intent

import (
	"fmt"
	"net/netip"

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

// routeWhy says why a and b have no route between them, or "", with
// the step that finds it: a VPC that is no spoke, transits not peered, or
// a site's prefix pending approval.
func (p *Plan) routeWhy(a, b *Endpoint, approved map[string][]topologies.ApprovedRoute) (Step, string) {
	ta, tb := p.transitOf(a), p.transitOf(b)
	for _, e := range []*Endpoint{a, b} {
		if p.transitOf(e) == "" {
			why := fmt.Sprintf("%s's VPC %s is not a spoke of any transit", e.Name, e.VPC)
			return Step{Kind: StepRoute, Object: e.VPC, Action: ActionMissing, Detail: why}, why
		}
	}
	if !p.peered(ta, tb) {
		why := fmt.Sprintf("transits %s and %s are not peered", ta, tb)
		return Step{Kind: StepRoute, Object: ta, Rule: "no route to " + b.Prefix.String(), Action: ActionMissing, Detail: why}, why
	}
	for _, e := range []*Endpoint{a, b} {
		if e.Site == "" {
			continue
		}
		tr := p.transitOf(e)
		if !p.approvedAt(tr, e.Site, e.Prefix, approved[tr]) {
			why := fmt.Sprintf("%s (%s) is not approved at transit %s", e.Prefix, e.Site, tr)
			return Step{Kind: StepPolicy, Object: "route approval", Rule: fmt.Sprintf("%s %s pending", e.Site, e.Prefix), Action: ActionPending,
				Detail: fmt.Sprintf("approve it: mcnlab routes approve %s %s", e.Site, e.Prefix)}, why
		}
	}
	return Step{}, ""
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
