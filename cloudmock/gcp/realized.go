package gcp

import (
	"net/netip"
	"slices"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// What a project's HA VPN tunnels ask of the lab's dataplane, read from
// the wire forms the front-end keeps on the model: each tunnel's outer
// addresses (its HA VPN gateway interface's and its external peer gateway
// interface's) and pre-shared key, and the Cloud Router's BGP session on
// it (the router's ASN and link-local address, the peer's, and what the
// router advertises). The realizer (cloudmock/realize) makes it true.
// GCP: https://cloud.google.com/network-connectivity/docs/vpn/concepts/topologies — each HA VPN tunnel joins one interface of the HA VPN gateway to one interface of the peer gateway
// GCP: https://cloud.google.com/network-connectivity/docs/router/concepts/overview — the Cloud Router exchanges routes with the peer over a BGP session on each tunnel

// Tunnel is an HA VPN tunnel as the dataplane realizes it.
type Tunnel struct {
	// ID is the tunnel's model VPN connection; Project its project;
	// Gateway the HA VPN gateway's ID.
	ID, Project, Gateway string
	// Network is the gateway's network's ID, Region the tunnel's.
	Network, Region string
	// GlobalRouting: the network's dynamic routing mode is GLOBAL, so
	// that the routes the tunnel learns serve every region's subnets,
	// not only its own region's.
	GlobalRouting bool
	// Local and Peer are the tunnel's outer addresses: its HA VPN
	// interface's and its peer gateway interface's.
	Local, Peer netip.Addr
	// SharedSecret is the IKE pre-shared key.
	SharedSecret string
	// BGP is the Cloud Router's session on the tunnel; nil while the
	// router has no enabled BGP peer on it.
	BGP *BGPSession
}

// BGPSession is a Cloud Router's BGP session with an on-premises router.
type BGPSession struct {
	// ASN and PeerASN are the Cloud Router's and the peer's AS numbers.
	ASN, PeerASN int64
	// Addr and PeerAddr are the router's and the peer's BGP addresses
	// (link-local, in one /30 or /29).
	Addr, PeerAddr netip.Addr
	// Advertised are the prefixes the router advertises to the peer.
	Advertised []netip.Prefix
}

// Tunnels returns a project's HA VPN tunnels as the dataplane realizes
// them, by ID.
func Tunnels(c *model.Cloud, project string) []Tunnel {
	s := &Server{cloud: c}
	gws := map[string]vpnGateway{}
	for _, g := range c.VPNGateways(project) {
		if w, ok := wireOf[vpnGateway](g.Attrs); ok {
			gws[g.ID] = w
		}
	}
	var out []Tunnel
	for _, v := range c.VPNConnections(project) {
		w, ok := wireOf[vpnTunnel](v.Attrs)
		g, gok := gws[v.VPNGatewayID]
		if !ok || !gok || w.VPNGatewayInterface >= len(g.VPNInterfaces) {
			continue
		}
		local, err1 := netip.ParseAddr(g.VPNInterfaces[w.VPNGatewayInterface].IPAddress)
		peer, err2 := netip.ParseAddr(w.PeerIP)
		if err1 != nil || err2 != nil {
			continue
		}
		t := Tunnel{ID: v.ID, Project: project, Gateway: v.VPNGatewayID, Network: g.Network, Region: w.Region, Local: local, Peer: peer, SharedSecret: w.SharedSecret}
		if n, err := c.Network(project, g.Network); err == nil {
			// GCP: https://cloud.google.com/network-connectivity/docs/router/concepts/overview#dynamic-routing-mode — regional: learned routes serve the router's region; global: every region
			t.GlobalRouting = n.Attrs[attrRouting] == "GLOBAL"
		}
		if r, ok := s.routerByName(project, w.Region, model.GCPName(w.Router)); ok {
			t.BGP = s.session(project, r, interfaceOn(r, v.ID, ""))
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Tunnel) int { return compare(a.ID, b.ID) })
	return out
}

// session is the router's BGP session on an interface: nil when no
// enabled peer with valid addresses is on it.
// GCP: https://cloud.google.com/network-connectivity/docs/router/how-to/configure-bgp-sessions — a BGP peer on the interface: its ipAddress (the router's), peerIpAddress and peerAsn; enable FALSE shuts the session
func (s *Server) session(project string, r router, iface string) *BGPSession {
	if iface == "" || r.BGP == nil {
		return nil
	}
	for _, p := range r.BGPPeers {
		if p.InterfaceName != iface || p.Enable == "FALSE" {
			continue
		}
		a, err1 := netip.ParseAddr(p.IPAddress)
		b, err2 := netip.ParseAddr(p.PeerIPAddress)
		if err1 != nil || err2 != nil || p.PeerASN == 0 {
			return nil
		}
		out := &BGPSession{ASN: r.BGP.ASN, PeerASN: p.PeerASN, Addr: a, PeerAddr: b}
		for _, x := range s.advertisedPrefixes(project, r, p) {
			if pf, err := netip.ParsePrefix(x); err == nil {
				out.Advertised = append(out.Advertised, pf.Masked())
			}
		}
		return out
	}
	return nil
}

// Attachment is a VLAN attachment as the dataplane realizes it: over the
// lab's private line that its interconnect is, the Cloud Router's end
// holds cloudRouterIpAddress and the customer's router
// customerRouterIpAddress, and the router's BGP session runs between them.
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/concepts/overview — a VLAN attachment connects the interconnect to a Cloud Router, which exchanges routes with the on-premises router by BGP
type Attachment struct {
	// ID is the attachment's resource path; Project its project.
	ID, Project string
	// Network is its Cloud Router's network's ID, Region its region.
	Network, Region string
	// GlobalRouting: the network's dynamic routing mode is GLOBAL.
	GlobalRouting bool
	// Line is the name of the lab's private line: the interconnect of a
	// DEDICATED attachment, the partner's line of a PARTNER one.
	Line string
	// Cloud and Customer are the Cloud Router's and the customer
	// router's addresses on the attachment (a /29).
	Cloud, Customer netip.Prefix
	// BGP is the Cloud Router's session on the attachment; nil while the
	// router has no enabled BGP peer on it.
	BGP *BGPSession
}

// Attachments returns a project's VLAN attachments that carry packets,
// as the dataplane realizes them, by ID: the active DEDICATED ones (on an
// interconnect, adminEnabled) and the ACTIVE PARTNER ones, over the lab's
// partner line of their region, with the session the partner's router
// holds with the Cloud Router (interconnect_partner.go).
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/dedicated/creating-vlan-attachments — a Dedicated Interconnect VLAN attachment carries traffic once enabled
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/partner/activating-connections — a Partner Interconnect attachment carries traffic once the partner provisioned it and the customer activated it
func Attachments(c *model.Cloud, project string) []Attachment {
	s := &Server{cloud: c, now: time.Now}
	var out []Attachment
	for _, a := range s.attachmentsOf(project, "") {
		a = s.attachmentState(project, a)
		cloud, err1 := netip.ParsePrefix(a.CloudRouterIPAddress)
		customer, err2 := netip.ParsePrefix(a.CustomerRouterIPAddress)
		r, ok := s.routerByName(project, a.Region, model.GCPName(a.Router))
		line := model.GCPName(a.Interconnect)
		if a.Type == "PARTNER" {
			line = s.partnerLine(project, a.Region)
		}
		if a.AdminEnabled == nil || !*a.AdminEnabled || a.State != "ACTIVE" || line == "" || err1 != nil || err2 != nil || !ok {
			continue
		}
		path := attachmentPath(project, a.Region, a.Name)
		r = s.withManaged(project, r)
		x := Attachment{ID: path, Project: project, Network: r.Network, Region: a.Region, Line: line, Cloud: cloud, Customer: customer,
			BGP: s.session(project, r, interfaceOn(r, "", path))}
		if n, err := c.Network(project, r.Network); err == nil {
			x.GlobalRouting = n.Attrs[attrRouting] == "GLOBAL"
		}
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b Attachment) int { return compare(a.ID, b.ID) })
	return out
}
