package gcp

import (
	"net/http"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Cloud Router interfaces and BGP peers: an interface links an HA VPN
// tunnel or a VLAN attachment and holds the router's link-local address;
// a BGP peer on it names the on-premises router's address and ASN and
// what the router advertises to it.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers — interfaces[] {name, linkedVpnTunnel, linkedInterconnectAttachment, ipRange}, bgpPeers[] {name, interfaceName, ipAddress, peerIpAddress, peerAsn, advertiseMode, advertisedGroups, advertisedIpRanges, advertisedRoutePriority, enable}

// routerInterface is one interface of a Cloud Router.
type routerInterface struct {
	Name                         string `json:"name"`
	LinkedVPNTunnel              string `json:"linkedVpnTunnel,omitempty"`
	LinkedInterconnectAttachment string `json:"linkedInterconnectAttachment,omitempty"`
	IPRange                      string `json:"ipRange,omitempty"`
	ManagementType               string `json:"managementType,omitempty"`
}

// bgpPeer is one BGP peer of a Cloud Router.
type bgpPeer struct {
	Name                    string       `json:"name"`
	InterfaceName           string       `json:"interfaceName"`
	IPAddress               string       `json:"ipAddress,omitempty"`
	PeerIPAddress           string       `json:"peerIpAddress,omitempty"`
	PeerASN                 int64        `json:"peerAsn"`
	AdvertisedRoutePriority int          `json:"advertisedRoutePriority,omitempty"`
	AdvertiseMode           string       `json:"advertiseMode,omitempty"`
	AdvertisedGroups        []string     `json:"advertisedGroups,omitempty"`
	AdvertisedIPRanges      []advertised `json:"advertisedIpRanges,omitempty"`
	Enable                  string       `json:"enable,omitempty"`
	ManagementType          string       `json:"managementType,omitempty"`
}

// advertised is a custom advertised range.
type advertised struct {
	Range       string `json:"range"`
	Description string `json:"description,omitempty"`
}

// linkLocal is where a Cloud Router's BGP addresses come from.
// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/creating-ha-vpn#create-bgp-sessions — the BGP IP addresses are link-local (169.254.0.0/16) in the same /30
var linkLocal = netip.MustParsePrefix("169.254.0.0/16")

// checkBGP checks a router's interfaces and BGP peers and fills in their
// defaults: each interface links at most one tunnel or attachment of the
// region that names this router, and holds a link-local range; each peer
// sits on an interface of its own, its addresses in that range.
func (s *Server) checkBGP(q *request, region, network string, r *router) *apiError {
	self := routerPath(q.project, region, r.Name)
	ifs := map[string]netip.Prefix{}
	linked := map[string]bool{}
	for i := range r.Interfaces {
		f := &r.Interfaces[i]
		if err := checkName("resource.interfaces.name", f.Name); err != nil {
			return err
		}
		if _, dup := ifs[f.Name]; dup {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.interfaces': two interfaces are named '%s'.", f.Name)
		}
		pfx, aerr := s.checkInterface(q, region, self, f)
		if aerr != nil {
			return aerr
		}
		for _, l := range []string{f.LinkedVPNTunnel, f.LinkedInterconnectAttachment} {
			if l != "" && linked[l] {
				return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.interfaces': '%s' is linked by two interfaces.", l)
			}
			linked[l] = l != ""
		}
		ifs[f.Name] = pfx
	}
	if len(r.BGPPeers) > 0 && (r.BGP == nil || r.BGP.ASN == 0) {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.bgp.asn': a router with BGP peers needs an ASN.")
	}
	if r.BGP != nil {
		if aerr := checkAdvertise("resource.bgp", r.BGP.AdvertiseMode, r.BGP.AdvertisedGroups, r.BGP.AdvertisedIPRanges); aerr != nil {
			return aerr
		}
	}
	onIf := map[string]string{}
	names := map[string]bool{}
	for i := range r.BGPPeers {
		p := &r.BGPPeers[i]
		if err := checkName("resource.bgpPeers.name", p.Name); err != nil {
			return err
		}
		if names[p.Name] {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.bgpPeers': two peers are named '%s'.", p.Name)
		}
		names[p.Name] = true
		if aerr := checkPeer(r, ifs, onIf, p); aerr != nil {
			return aerr
		}
	}
	return nil
}

// checkInterface checks one interface's link and range and returns the
// range (the zero prefix when it has none).
func (s *Server) checkInterface(q *request, region, self string, f *routerInterface) (netip.Prefix, *apiError) {
	if f.LinkedVPNTunnel != "" && f.LinkedInterconnectAttachment != "" {
		return netip.Prefix{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.interfaces': interface '%s' links both a VPN tunnel and an interconnect attachment.", f.Name)
	}
	switch {
	case f.LinkedVPNTunnel != "":
		tp, aerr := q.resolveRef(f.LinkedVPNTunnel, model.GCPRegionScope(region), "vpnTunnels")
		if aerr != nil {
			return netip.Prefix{}, aerr
		}
		t, ok := s.tunnelByName(q.project, region, model.GCPName(tp))
		if !ok {
			return netip.Prefix{}, notFound(tp)
		}
		if t.Router != self {
			// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/creating-ha-vpn#create-bgp-sessions — the interface is on the Cloud Router the tunnel names
			return netip.Prefix{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.interfaces.linkedVpnTunnel': '%s'. The VPN tunnel is associated with router '%s', not this router.", tp, t.Router)
		}
		f.LinkedVPNTunnel = tp
	case f.LinkedInterconnectAttachment != "":
		ap, aerr := q.resolveRef(f.LinkedInterconnectAttachment, model.GCPRegionScope(region), "interconnectAttachments")
		if aerr != nil {
			return netip.Prefix{}, aerr
		}
		a, ok := s.attachmentByName(q.project, region, model.GCPName(ap))
		if !ok {
			return netip.Prefix{}, notFound(ap)
		}
		if a.Router != self {
			return netip.Prefix{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.interfaces.linkedInterconnectAttachment': '%s'. The attachment is associated with router '%s', not this router.", ap, a.Router)
		}
		if a.Type == "PARTNER" {
			// The lab's partner is Layer 3: the attachment manages the router's interface on it (interconnect_partner.go).
			return netip.Prefix{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.interfaces.linkedInterconnectAttachment': '%s'. The interface on a Layer 3 PARTNER attachment is managed by the attachment.", ap)
		}
		// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/dedicated/creating-vlan-attachments — the interface takes the attachment's cloudRouterIpAddress
		if f.IPRange == "" {
			f.IPRange = a.CloudRouterIPAddress
		}
		f.LinkedInterconnectAttachment = ap
	}
	if f.IPRange == "" {
		return netip.Prefix{}, nil
	}
	pfx, err := netip.ParsePrefix(f.IPRange)
	if err != nil || !linkLocal.Contains(pfx.Addr()) || pfx.Bits() < 16 || pfx.Bits() > 30 || pfx.Addr() == pfx.Masked().Addr() {
		return netip.Prefix{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.interfaces.ipRange': '%s'. Must be a host address with its prefix length (at most /30) in 169.254.0.0/16.", clip(f.IPRange))
	}
	return pfx, nil
}

// checkPeer checks one BGP peer against the router's interfaces (by name,
// their ranges) and the peers already placed on them (onIf).
// GCP: https://cloud.google.com/network-connectivity/docs/router/how-to/configure-bgp-sessions — one BGP session per interface; peer ASN; the peer's address in the interface's range
func checkPeer(r *router, ifs map[string]netip.Prefix, onIf map[string]string, p *bgpPeer) *apiError {
	pfx, ok := ifs[p.InterfaceName]
	if !ok {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.bgpPeers.interfaceName': '%s'. The router has no interface of that name.", clip(p.InterfaceName))
	}
	if other := onIf[p.InterfaceName]; other != "" {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.bgpPeers.interfaceName': '%s'. Interface already has BGP peer '%s'.", p.InterfaceName, other)
	}
	onIf[p.InterfaceName] = p.Name
	if p.PeerASN <= 0 || p.PeerASN > 4294967294 {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.bgpPeers.peerAsn': '%d'. Must be from 1 to 4294967294.", p.PeerASN)
	}
	if !pfx.IsValid() {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.interfaces.ipRange': interface '%s' of BGP peer '%s' has no IP range.", p.InterfaceName, p.Name)
	}
	if p.IPAddress == "" {
		p.IPAddress = pfx.Addr().String()
	}
	if a, err := netip.ParseAddr(p.IPAddress); err != nil || a != pfx.Addr() {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.bgpPeers.ipAddress': '%s'. Must be the interface's address %s.", clip(p.IPAddress), pfx.Addr())
	}
	peer, err := netip.ParseAddr(p.PeerIPAddress)
	if err != nil || !pfx.Masked().Contains(peer) || peer == pfx.Addr() || peer == pfx.Masked().Addr() || peer == broadcast(pfx) {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.bgpPeers.peerIpAddress': '%s'. Must be another host address of %s.", clip(p.PeerIPAddress), pfx.Masked())
	}
	if p.AdvertisedRoutePriority < 0 || p.AdvertisedRoutePriority > 65535 {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.bgpPeers.advertisedRoutePriority': '%d'. Must be from 0 to 65535.", p.AdvertisedRoutePriority)
	}
	switch p.Enable {
	case "":
		p.Enable = "TRUE"
	case "TRUE", "FALSE":
	default:
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.bgpPeers.enable': '%s'. Must be one of [FALSE, TRUE].", clip(p.Enable))
	}
	return checkAdvertise("resource.bgpPeers", p.AdvertiseMode, p.AdvertisedGroups, p.AdvertisedIPRanges)
}

// checkAdvertise checks an advertisement: groups and ranges only in
// CUSTOM mode, ALL_SUBNETS the one group, ranges valid prefixes.
// GCP: https://cloud.google.com/network-connectivity/docs/router/how-to/advertising-overview — DEFAULT or CUSTOM mode; custom advertisements: the ALL_SUBNETS group and IP ranges
func checkAdvertise(field, mode string, groups []string, ranges []advertised) *apiError {
	switch mode {
	case "", "DEFAULT":
		if len(groups)+len(ranges) > 0 {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s.advertiseMode': '%s'. Advertised groups and IP ranges need advertiseMode CUSTOM.", field, mode)
		}
	case "CUSTOM":
	default:
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s.advertiseMode': '%s'. Must be one of [CUSTOM, DEFAULT].", field, clip(mode))
	}
	for _, g := range groups {
		if g != "ALL_SUBNETS" {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s.advertisedGroups': '%s'. Must be one of [ALL_SUBNETS].", field, clip(g))
		}
	}
	for _, r := range ranges {
		if p, err := netip.ParsePrefix(r.Range); err != nil || p != p.Masked() {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s.advertisedIpRanges.range': '%s'. Must be a CIDR range.", field, clip(r.Range))
		}
	}
	return nil
}

func broadcast(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// interfaceOn returns the name of the router's interface that links the
// tunnel (or attachment) at path; empty when none does.
func interfaceOn(r router, tunnel, attachment string) string {
	for _, f := range r.Interfaces {
		if (tunnel != "" && f.LinkedVPNTunnel == tunnel) || (attachment != "" && f.LinkedInterconnectAttachment == attachment) {
			return f.Name
		}
	}
	return ""
}

// peerOnTunnel returns the name of the BGP peer on the interface that
// links the tunnel at path; empty when there is none.
func peerOnTunnel(r router, tunnel string) string {
	f := interfaceOn(r, tunnel, "")
	for _, p := range r.BGPPeers {
		if f != "" && p.InterfaceName == f {
			return p.Name
		}
	}
	return ""
}

// routerUsers refuses to delete a router that a tunnel or an attachment
// names.
// GCP: https://cloud.google.com/network-connectivity/docs/router/how-to/delete-router — delete the VPN tunnels and VLAN attachments that use a Cloud Router first
func (s *Server) routerUsers(q *request, r router) *apiError {
	path := routerPath(q.project, r.Region, r.Name)
	for _, t := range s.tunnelsOf(q.project, r.Region) {
		if t.Router == path {
			return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The router resource '%s' is already being used by '%s'", path, tunnelPath(q.project, t.Region, t.Name))
		}
	}
	for _, a := range s.attachmentsOf(q.project, r.Region) {
		if a.Router == path {
			return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The router resource '%s' is already being used by '%s'", path, attachmentPath(q.project, a.Region, a.Name))
		}
	}
	return nil
}

// advertisedPrefixes are what the router advertises to a peer: in DEFAULT
// mode the network's subnets, those of the router's region with regional
// dynamic routing or all with global; in CUSTOM mode the ALL_SUBNETS group
// (that same set) if chosen, and the custom ranges. A peer's own mode and
// advertisements replace the router's.
// GCP: https://cloud.google.com/network-connectivity/docs/router/concepts/overview#route-advertisement — default advertisement: subnets in the router's region (regional dynamic routing) or all subnets (global)
// GCP: https://cloud.google.com/network-connectivity/docs/router/how-to/advertising-custom-ip — a peer's custom advertisement overrides the router's
func (s *Server) advertisedPrefixes(project string, r router, p bgpPeer) []string {
	mode, groups, ranges := p.AdvertiseMode, p.AdvertisedGroups, p.AdvertisedIPRanges
	if mode == "" && r.BGP != nil {
		mode, groups, ranges = r.BGP.AdvertiseMode, r.BGP.AdvertisedGroups, r.BGP.AdvertisedIPRanges
	}
	var out []string
	if mode != "CUSTOM" || slices.Contains(groups, "ALL_SUBNETS") {
		global := false
		if n, err := s.cloud.Network(project, r.Network); err == nil {
			global = n.Attrs[attrRouting] == "GLOBAL"
		}
		for _, sn := range s.cloud.Subnets(project) {
			if sn.NetworkID == r.Network && (global || sn.Region == r.Region) && sn.Prefix.IsValid() {
				out = append(out, sn.Prefix.String())
			}
		}
	}
	for _, x := range ranges {
		out = append(out, x.Range)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// peerStatus is one BGP peer's entry in getRouterStatus.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers/getRouterStatus — bgpPeerStatus[] {name, ipAddress, peerIpAddress, linkedVpnTunnel, status, state, numLearnedRoutes, advertisedRoutes}
type peerStatus struct {
	Name             string        `json:"name"`
	IPAddress        string        `json:"ipAddress"`
	PeerIPAddress    string        `json:"peerIpAddress"`
	LinkedVPNTunnel  string        `json:"linkedVpnTunnel,omitempty"`
	Status           string        `json:"status"`
	State            string        `json:"state"`
	StatusReason     string        `json:"statusReason"`
	NumLearnedRoutes int           `json:"numLearnedRoutes"`
	AdvertisedRoutes []statusRoute `json:"advertisedRoutes,omitempty"`
}

// statusRoute is a route in getRouterStatus: one the router advertises
// or one it learned (bestRoutes).
type statusRoute struct {
	Kind             string `json:"kind"`
	Network          string `json:"network,omitempty"`
	DestRange        string `json:"destRange"`
	Priority         int    `json:"priority"`
	NextHopIP        string `json:"nextHopIp"`
	NextHopVPNTunnel string `json:"nextHopVpnTunnel,omitempty"`
	// NextHopInterconnectAttachment is the attachment a learned route
	// came over.
	NextHopInterconnectAttachment string `json:"nextHopInterconnectAttachment,omitempty"`
	RouteType                     string `json:"routeType"`
}

// bgpStatus returns the router's peers' status and its best routes: the
// routes its tunnels' and attachments' sessions learned, as the dataplane
// records them. A peer whose session the dataplane has not seen
// Established is reported DOWN.
func (s *Server) bgpStatus(q *request, r router) ([]peerStatus, []statusRoute) {
	r = s.withManaged(q.project, r)
	peers := []peerStatus{}
	best := []statusRoute{}
	prio := func(p bgpPeer) int {
		if p.AdvertisedRoutePriority == 0 {
			// GCP: https://cloud.google.com/network-connectivity/docs/router/concepts/overview#advertised-route-priority — the base priority defaults to 100
			return 100
		}
		return p.AdvertisedRoutePriority
	}
	for _, p := range r.BGPPeers {
		st := peerStatus{Name: p.Name, IPAddress: p.IPAddress, PeerIPAddress: p.PeerIPAddress, Status: "DOWN", State: "Active", StatusReason: "STATUS_REASON_UNSPECIFIED"}
		var tunnel, attachment string
		for _, f := range r.Interfaces {
			if f.Name == p.InterfaceName && f.LinkedVPNTunnel != "" {
				tunnel, st.LinkedVPNTunnel = f.LinkedVPNTunnel, q.selfLink(f.LinkedVPNTunnel)
			}
			if f.Name == p.InterfaceName && f.LinkedInterconnectAttachment != "" {
				attachment = f.LinkedInterconnectAttachment
			}
		}
		if p.Enable == "FALSE" {
			st.State = "Idle"
		}
		// The session is as the dataplane's BGP speaker sees it
		// (model.VPNConnection.BGP, or an attachment's status, which the
		// realizer records).
		up, learned := s.sessionSeen(q.project, r, tunnel, attachment)
		if up && p.Enable != "FALSE" {
			st.Status, st.State, st.NumLearnedRoutes = "UP", "Established", len(learned)
			for _, d := range learned {
				rt := statusRoute{Kind: "compute#route", Network: q.selfLink(r.Network), DestRange: d, Priority: 100, NextHopIP: p.PeerIPAddress, RouteType: "BGP"}
				if tunnel != "" {
					rt.NextHopVPNTunnel = q.selfLink(tunnel)
				} else {
					rt.NextHopInterconnectAttachment = q.selfLink(attachment)
				}
				best = append(best, rt)
			}
		}
		for _, d := range s.advertisedPrefixes(q.project, r, p) {
			st.AdvertisedRoutes = append(st.AdvertisedRoutes, statusRoute{Kind: "compute#route", DestRange: d, Priority: prio(p), NextHopIP: p.IPAddress, RouteType: "BGP"})
		}
		peers = append(peers, st)
	}
	return peers, best
}

// sessionSeen is what the dataplane recorded of the session on a tunnel
// (model.VPNConnection) or an attachment (SetAttachmentStatus): whether it
// is Established and the prefixes it learned.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers/getRouterStatus — bgpPeerStatus[].state, numLearnedRoutes; bestRoutes with nextHopVpnTunnel or nextHopInterconnectAttachment
func (s *Server) sessionSeen(project string, r router, tunnel, attachment string) (bool, []string) {
	if tunnel != "" {
		v, err := s.cloud.VPNConnection(project, tunnel)
		if err != nil || v.BGP != model.VPNUp {
			return false, nil
		}
		var out []string
		for _, d := range v.Routes {
			out = append(out, d.String())
		}
		return true, out
	}
	if attachment == "" {
		return false, nil
	}
	st := s.attachmentStatus(project, r.Network, r.Region, model.GCPName(attachment))
	return st.Up, st.Learned
}

// routerRef resolves a resource's required router field to a router of
// the region and its resource path.
func (s *Server) routerRef(q *request, region, ref string) (router, string, *apiError) {
	if ref == "" {
		return router{}, "", fail(http.StatusBadRequest, "required", "Required field 'resource.router' not specified")
	}
	rp, aerr := q.resolveRef(ref, model.GCPRegionScope(region), "routers")
	if aerr != nil {
		return router{}, "", aerr
	}
	r, ok := s.routerByName(q.project, region, model.GCPName(rp))
	if !ok {
		return router{}, "", notFound(rp)
	}
	return r, rp, nil
}

// networkRef resolves a resource's required network field to the
// project's network and its resource path.
func (s *Server) networkRef(q *request, ref string) (model.Network, string, *apiError) {
	if ref == "" {
		return model.Network{}, "", fail(http.StatusBadRequest, "required", "Required field 'resource.network' not specified")
	}
	np, aerr := q.resolveRef(ref, model.GCPGlobal, "networks")
	if aerr != nil {
		return model.Network{}, "", aerr
	}
	n, aerr := s.networkByName(q, model.GCPName(np))
	return n, np, aerr
}
