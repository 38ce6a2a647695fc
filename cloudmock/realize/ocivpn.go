package realize

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// OCI IPSec connections. A connection to a DRG (a VPN connection to a
// transit gateway) whose CPE is one of the lab's uplinks has each of its
// two tunnels realized as a VPN gateway namespace of its own (vpn.go,
// mcn-<lab>-vng-<handle>-<1 or 2>) whose inner link ends in the DRG's
// namespace rather than a network's router: both links are the
// connection's DRG attachment there (their ip rules select the table the
// attachment is associated with), charon holds the tunnel's Oracle VPN
// IP and shared secret, and with BGP routing bgpd speaks for Oracle (AS
// 31898, the tunnel's Oracle inside address) to the customer's inside
// address, announcing what the attachment's DRG route table holds. What
// each tunnel's bgpd learns is recorded on its tunnel
// (model.Cloud.SetVPNTunnelRoutes), the connection's routes being all of
// them, which the DRG's tables import per their distributions. The DRG
// sends a destination of the attachment over one tunnel (ECMP is off by
// default): the first whose session learned it or, for a route it did
// not learn (static routing), the first that is up.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — each connection has two tunnels, each with its Oracle VPN IP, shared secret, IKE, and BGP over its inside interface addresses with Oracle's ASN 31898
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — the routes an IPSEC_TUNNEL attachment learns enter the DRG route tables whose import distributions accept them; ECMP is off unless the table enables it
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/routingonprem.htm — Oracle may use any tunnel that is up to send traffic back to the on-premises network

// ociTunnelAttr is a field of a connection's tunnel n (0 or 1), as the
// OCI front-end keeps it (cloudmock/oci tunAttr).
func ociTunnelAttr(n int, field string) string { return fmt.Sprintf("tunnel%d/%s", n+1, field) }

// planOCITunnels plans the tunnels of the connections to DRGs the lab
// realizes.
func (r *Realizer) planOCITunnels(p *plan, s *snapshot, keep map[string]bool) {
	onUplink := r.uplinkAddrs()
	for _, v := range s.vpns {
		cg, ok := s.cgws[v.CustomerGatewayID]
		if v.TransitGatewayID == "" || v.AttachmentID == "" || v.State != model.StateAvailable || !ok || !onUplink[cg.IP] {
			continue
		}
		for n := range 2 {
			if x := r.planOCITunnel(s, keep, v, cg, n); x != nil {
				p.vpns[x.slot()] = x
			}
		}
	}
}

// planOCITunnel plans tunnel n of connection v; nil where its settings
// are not ones the lab's charon and bgpd take.
func (r *Realizer) planOCITunnel(s *snapshot, keep map[string]bool, v model.VPNConnection, cg model.CustomerGateway, n int) *vpnPlan {
	a := v.Attrs
	psk, ok := labPSK(a[ociTunnelAttr(n, "secret")])
	public, err := netip.ParseAddr(a[ociTunnelAttr(n, "vpnIp")])
	if !ok || err != nil {
		return nil
	}
	x := r.newVPNPlan(s, keep, v, v.ID, "", "", n+1)
	x.tgw, x.attachment, x.public, x.site, x.psk = v.TransitGatewayID, v.AttachmentID, public, cg.IP, psk
	x.cidrs = exported(s, v.AttachmentID)
	x.announce = x.cidrs
	if a[ociTunnelAttr(n, "routing")] == "BGP" {
		asn, err1 := strconv.ParseInt(a[ociTunnelAttr(n, "asn")], 10, 64)
		c, err2 := netip.ParsePrefix(a[ociTunnelAttr(n, "cip")])
		o, err3 := netip.ParsePrefix(a[ociTunnelAttr(n, "oip")])
		if err1 != nil || err2 != nil || err3 != nil {
			return nil
		}
		// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — Oracle's BGP ASN in the commercial realm is 31898
		x.bgp, x.asn, x.siteASN, x.bgpAddr, x.siteBGP = true, 31898, asn, o.Addr(), c.Addr()
	} else {
		x.static = slices.Clone(v.Routes)
	}
	x.key = fmt.Sprintf("%+v", *x)
	return x
}

// exported are the IPv4 routes of the DRG route table an attachment is
// associated with, but those to the attachment itself: what the DRG
// sends to it.
func exported(s *snapshot, attachment string) []netip.Prefix {
	var out []netip.Prefix
	for _, t := range s.tgwTables {
		if !slices.Contains(t.Associations, attachment) {
			continue
		}
		for _, rt := range t.routes {
			if rt.AttachmentID != attachment && !rt.Blackhole && rt.Destination.Addr().Is4() {
				out = append(out, rt.Destination)
			}
		}
	}
	return out
}

// vpnAttPlans are a transit gateway's ends of its realized tunnels'
// links: attachments whose far address is the VPN gateway's end (their
// links are made by ensureVPN, as peer sets).
func vpnAttPlans(p *plan, tgwID string) []attPlan {
	var out []attPlan
	for _, id := range sortedKeys(p.vpns) {
		if x := p.vpns[id]; x.tgw == tgwID {
			out = append(out, attPlan{id: x.attachment, peer: "vpn:" + x.slot(), ifTGW: x.ifRouter, addrTGW: x.router.a, addrVPC: x.router.b,
				vpn: x.id, tunnel: x.tunnel})
		}
	}
	return out
}

// pickLink is the link of an attachment that the DRG sends dst over: its
// only one or, of an IPSec connection's tunnels (see above), the first
// whose session learned dst, else the first that is up, else the first.
func pickLink(s *snapshot, links []attPlan, dst netip.Prefix) attPlan {
	if len(links) == 1 || links[0].tunnel == 0 {
		return links[0]
	}
	i := slices.IndexFunc(s.vpns, func(v model.VPNConnection) bool { return v.ID == links[0].vpn })
	if i < 0 {
		return links[0]
	}
	state := func(a attPlan) model.VPNTunnel {
		if t := s.vpns[i].Tunnels; len(t) >= a.tunnel {
			return t[a.tunnel-1]
		}
		return model.VPNTunnel{}
	}
	for _, a := range links {
		if slices.Contains(state(a).Routes, dst) {
			return a
		}
	}
	for _, a := range links {
		if state(a).Tunnel == model.VPNUp {
			return a
		}
	}
	return links[0]
}
