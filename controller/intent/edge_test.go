package intent

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/topologies"
)

// TestEdgeSession: a private-line site to a GCP transit gets its session
// with the Cloud Router: its router holds the line's customer address on
// lo, announces the line and peers with 169.254.244.1 (AS EdgeASN), which it
// sends the line only; the transit's virtual interface carries the /29's
// addresses and the Cloud Router's ASN, and no static route to the line
// (GCP has none to an attachment). An AWS transit's site has none of it.
func TestEdgeSession(t *testing.T) {
	p := compileFile(t, "../../cmd/mcnlab/testdata/gcp-line.yaml")
	ln, _, customer, _ := p.Line("dc1")
	var r *topologies.Node
	for _, n := range p.SiteNodes {
		if n.Name == "dc1" {
			r = n
		}
	}
	if r == nil || r.BGP == nil {
		t.Fatal("no router dc1")
	}
	if !slices.Equal(r.Loopback, []netip.Prefix{netip.PrefixFrom(customer, 32)}) || !slices.Contains(r.BGP.Networks, ln) {
		t.Errorf("dc1: loopback %v, networks %v; want %s/32 and %s announced", r.Loopback, r.BGP.Networks, customer, ln)
	}
	edge := r.BGP.Neighbors[len(r.BGP.Neighbors)-1]
	if edge.Address != netip.MustParseAddr("169.254.244.1") || edge.ASN != EdgeASN || !slices.Equal(edge.Export, []netip.Prefix{ln}) {
		t.Errorf("dc1's edge neighbour %+v; want 169.254.244.1 AS %d sent %s only", edge, EdgeASN, ln)
	}
	d := p.Accounts[0].Desired
	if len(d.VirtualInterfaces) != 1 {
		t.Fatalf("virtual interfaces %+v", d.VirtualInterfaces)
	}
	v := d.VirtualInterfaces[0]
	if v.CloudAddress != netip.MustParsePrefix("169.254.244.1/29") || v.CustomerAddress != netip.MustParsePrefix("169.254.244.2/29") || v.CloudASN != EdgeASN || v.ASN != 65100 {
		t.Errorf("virtual interface %+v", v)
	}
	for _, rt := range d.Routes {
		if rt.Target == cloud.TargetPrivateLine {
			t.Errorf("static route %+v to the line", rt)
		}
	}
	aws := compileFile(t, "../../topologies/aws-transit.yaml")
	for _, n := range aws.SiteNodes {
		if len(n.Loopback) > 0 || (n.BGP != nil && slices.ContainsFunc(n.BGP.Neighbors, func(nb topologies.Neighbor) bool { return len(nb.Export) > 0 })) {
			t.Errorf("AWS site router %s has an edge session", n.Name)
		}
	}
}

// TestOCIEdgeSession: a private-line site to an OCI transit peers with
// Oracle's edge, AS 31898, at 169.254.244.1 from .2 of a /30; the
// transit's virtual interface carries that /30 and Oracle's ASN, and the
// transit subnet keeps its static route to the line (a VCN route rule to
// the DRG).
func TestOCIEdgeSession(t *testing.T) {
	p := compileFile(t, "../../cmd/mcnlab/testdata/oci-line.yaml")
	ln, _, _, _ := p.Line("dc1")
	for _, n := range p.SiteNodes {
		if n.Name == "dc1" && n.BGP != nil {
			if edge := n.BGP.Neighbors[len(n.BGP.Neighbors)-1]; edge.Address != netip.MustParseAddr("169.254.244.1") || edge.ASN != OracleASN {
				t.Errorf("dc1's edge neighbour %+v; want 169.254.244.1 AS %d", edge, OracleASN)
			}
		}
	}
	d := p.Accounts[0].Desired
	if len(d.VirtualInterfaces) != 1 {
		t.Fatalf("virtual interfaces %+v", d.VirtualInterfaces)
	}
	if v := d.VirtualInterfaces[0]; v.CloudAddress != netip.MustParsePrefix("169.254.244.1/30") || v.CustomerAddress != netip.MustParsePrefix("169.254.244.2/30") || v.CloudASN != OracleASN {
		t.Errorf("virtual interface %+v", v)
	}
	if !slices.ContainsFunc(d.Routes, func(r cloud.Route) bool {
		return r.Subnet == "transit-vcn/gw" && r.Destination == ln && r.Target == cloud.TargetPrivateLine
	}) {
		t.Errorf("routes %+v; want transit-vcn/gw %s to the private line", d.Routes, ln)
	}
}
