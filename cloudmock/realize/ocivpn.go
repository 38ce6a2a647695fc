package realize

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// OCI IPSec connections. A connection to a DRG (a VPN connection to a
// transit gateway) whose CPE is one of the lab's uplinks has its first
// tunnel realized as a VPN gateway namespace (vpn.go) whose inner link
// ends in the DRG's namespace rather than a network's router: the link is
// the connection's DRG attachment there (its ip rule selects the table
// the attachment is associated with), charon holds the tunnel's Oracle
// VPN IP and shared secret, and with BGP routing bgpd speaks for Oracle
// (AS 31898, the tunnel's Oracle inside address) to the customer's inside
// address, announcing what the attachment's DRG route table holds. What
// bgpd learns is the connection's routes (model.Cloud.SetVPNLearnedRoutes),
// which the DRG's tables import per their distributions.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — each tunnel: the Oracle VPN IP, the shared secret, IKE, and BGP over the tunnel's inside interface addresses with Oracle's ASN 31898
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — the routes an IPSEC_TUNNEL attachment learns enter the DRG route tables whose import distributions accept them

// ociTunnelAttr is a field of a connection's first tunnel, as the OCI
// front-end keeps it (cloudmock/oci tunAttr).
func ociTunnelAttr(field string) string { return "tunnel1/" + field }

// planOCITunnels plans the connections to DRGs the lab realizes.
func (r *Realizer) planOCITunnels(p *plan, s *snapshot, keep map[string]bool) {
	onUplink := r.uplinkAddrs()
	for _, v := range s.vpns {
		cg, ok := s.cgws[v.CustomerGatewayID]
		if v.TransitGatewayID == "" || v.AttachmentID == "" || v.State != model.StateAvailable || !ok || !onUplink[cg.IP] {
			continue
		}
		a := v.Attrs
		psk, ok := labPSK(a[ociTunnelAttr("secret")])
		public, err := netip.ParseAddr(a[ociTunnelAttr("vpnIp")])
		if !ok || err != nil {
			continue
		}
		x := r.newVPNPlan(s, keep, v, v.ID, "", "")
		x.tgw, x.attachment, x.public, x.site, x.psk = v.TransitGatewayID, v.AttachmentID, public, cg.IP, psk
		x.cidrs = exported(s, v.AttachmentID)
		x.announce = x.cidrs
		if a[ociTunnelAttr("routing")] == "BGP" {
			asn, err1 := strconv.ParseInt(a[ociTunnelAttr("asn")], 10, 64)
			c, err2 := netip.ParsePrefix(a[ociTunnelAttr("cip")])
			o, err3 := netip.ParsePrefix(a[ociTunnelAttr("oip")])
			if err1 != nil || err2 != nil || err3 != nil {
				continue
			}
			// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — Oracle's BGP ASN in the commercial realm is 31898
			x.bgp, x.asn, x.siteASN, x.bgpAddr, x.siteBGP = true, 31898, asn, o.Addr(), c.Addr()
		} else {
			x.static = slices.Clone(v.Routes)
		}
		x.key = fmt.Sprintf("%+v", *x)
		p.vpns[v.ID] = x
	}
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

// vpnAttPlans are a transit gateway's ends of its realized connections'
// links: attachments whose far address is the VPN gateway's end (their
// links are made by ensureVPN, as peer sets).
func vpnAttPlans(p *plan, tgwID string) []attPlan {
	var out []attPlan
	for _, id := range sortedKeys(p.vpns) {
		if x := p.vpns[id]; x.tgw == tgwID {
			out = append(out, attPlan{id: x.attachment, peer: "vpn:" + x.id, ifTGW: x.ifRouter, addrTGW: x.router.a, addrVPC: x.router.b})
		}
	}
	return out
}
