package gcp

import (
	"net/http"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// HA VPN tunnels: each a model VPN connection between its HA VPN gateway
// and its external peer gateway (routed by BGP, never statically), named
// in its region, its wire form in wireAttr. HA VPN is always routed by a
// Cloud Router: the tunnel names one, in its region and its gateway's
// network, and the router's interface and BGP peer that use the tunnel
// complete its configuration.
// GCP: https://cloud.google.com/network-connectivity/docs/vpn/concepts/overview#ha-vpn — HA VPN supports dynamic (BGP) routing only

// vpnTunnel is an HA VPN tunnel on the wire. The stored form keeps the
// shared secret (the lab's state file is 0600); answers mask it.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/vpnTunnels — VpnTunnel: vpnGateway, vpnGatewayInterface, peerExternalGateway, peerExternalGatewayInterface, sharedSecret, ikeVersion, router, status
type vpnTunnel struct {
	Kind                         string         `json:"kind"`
	ID                           string         `json:"id"`
	CreationTimestamp            string         `json:"creationTimestamp"`
	Name                         string         `json:"name"`
	Description                  string         `json:"description,omitempty"`
	Region                       string         `json:"region"`
	VPNGateway                   string         `json:"vpnGateway,omitempty"`
	VPNGatewayInterface          int            `json:"vpnGatewayInterface"`
	TargetVPNGateway             string         `json:"targetVpnGateway,omitempty"`
	PeerExternalGateway          string         `json:"peerExternalGateway,omitempty"`
	PeerExternalGatewayInterface int            `json:"peerExternalGatewayInterface"`
	PeerGCPGateway               string         `json:"peerGcpGateway,omitempty"`
	PeerIP                       string         `json:"peerIp,omitempty"`
	SharedSecret                 string         `json:"sharedSecret,omitempty"`
	SharedSecretHash             string         `json:"sharedSecretHash,omitempty"`
	IKEVersion                   int            `json:"ikeVersion"`
	Router                       string         `json:"router,omitempty"`
	Status                       string         `json:"status"`
	DetailedStatus               string         `json:"detailedStatus"`
	Labels                       map[string]any `json:"labels,omitempty"`
	LabelFingerprint             string         `json:"labelFingerprint"`
	SelfLink                     string         `json:"selfLink"`
}

func tunnelPath(project, region, name string) string {
	return "projects/" + project + "/regions/" + region + "/vpnTunnels/" + name
}

// tunnelsOf returns the project's tunnels of a region (every region when
// empty) as stored: links relative, the secret kept.
func (s *Server) tunnelsOf(project, region string) []vpnTunnel {
	var out []vpnTunnel
	for _, v := range s.cloud.VPNConnections(project) {
		if w, ok := wireOf[vpnTunnel](v.Attrs); ok && (region == "" || w.Region == region) {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b vpnTunnel) int { return compare(a.Name, b.Name) })
	return out
}

func (t vpnTunnel) name() string { return t.Name }

func (s *Server) tunnelByName(project, region, name string) (vpnTunnel, bool) {
	return named(s.tunnelsOf(project, region), name)
}

// tunnelOut masks the secret, makes the links absolute and says how far
// the tunnel's configuration goes: it waits for its router's interface
// and BGP peer; configured, it hears nothing from its peer until the
// dataplane sees its IKE SA up (model.VPNConnection.Tunnel, which the
// realizer records), and is then ESTABLISHED.
// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/checking-vpn-status — WAITING_FOR_FULL_CONFIG until the Cloud Router's BGP session is configured; NO_INCOMING_PACKETS when the peer does not answer
func (s *Server) tunnelOut(q *request, t vpnTunnel) vpnTunnel {
	path := tunnelPath(q.project, t.Region, t.Name)
	t.Kind, t.ID, t.SelfLink, t.LabelFingerprint = "compute#vpnTunnel", numericID(path), q.selfLink(path), fingerprint("")
	t.SharedSecret = "*************"
	t.Status, t.DetailedStatus = "WAITING_FOR_FULL_CONFIG", "Waiting for full config."
	if r, ok := s.routerByName(q.project, t.Region, model.GCPName(t.Router)); ok && peerOnTunnel(r, path) != "" {
		t.Status, t.DetailedStatus = "NO_INCOMING_PACKETS", "No incoming packets from peer."
		// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/checking-vpn-status — ESTABLISHED: the IKE and IPsec SAs are up
		if v, err := s.cloud.VPNConnection(q.project, path); err == nil && v.Tunnel == model.VPNUp {
			t.Status, t.DetailedStatus = "ESTABLISHED", "Tunnel is up and running."
		}
	}
	t.VPNGateway, t.PeerExternalGateway, t.Router = q.selfLink(t.VPNGateway), q.selfLink(t.PeerExternalGateway), q.selfLink(t.Router)
	t.Region = q.selfLink("projects/" + q.project + "/regions/" + t.Region)
	return t
}

// serveTunnels answers a region's VPN tunnels.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/vpnTunnels — insert, get, list, delete, aggregatedList
func (s *Server) serveTunnels(q *request, region string, rest []string) *apiError {
	scope := model.GCPRegionScope(region)
	return serveCollection(q, s, collection[vpnTunnel]{listKind: "compute#vpnTunnelList", scope: scope, path: "projects/" + q.project + "/" + scope + "/vpnTunnels",
		items: s.tunnelsOf(q.project, region), out: func(t vpnTunnel) vpnTunnel { return s.tunnelOut(q, t) },
		insert: func(in vpnTunnel) *apiError { return s.insertTunnel(q, region, in) },
		remove: func(t vpnTunnel, path string) *apiError {
			// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/deleting-vpn — a tunnel a Cloud Router interface links is in use
			if r, ok := s.routerByName(q.project, region, model.GCPName(t.Router)); ok && interfaceOn(r, path, "") != "" {
				return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The vpn_tunnel resource '%s' is already being used by '%s'", path, routerPath(q.project, region, r.Name))
			}
			return fromModelErr(s.cloud.DeleteVPNConnection(q.project, path), path)
		}}, rest)
}

// insertTunnel checks and makes an HA VPN tunnel.
// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/creating-ha-vpn#create-tunnels — vpnGateway and interface, peer gateway and interface, IKE version, shared secret, Cloud Router
func (s *Server) insertTunnel(q *request, region string, in vpnTunnel) *apiError {
	if err := checkName("resource.name", in.Name); err != nil {
		return err
	}
	path := tunnelPath(q.project, region, in.Name)
	if _, ok := s.tunnelByName(q.project, region, in.Name); ok {
		return fail(http.StatusConflict, "alreadyExists", "The resource '%s' already exists", path)
	}
	gw, peer, aerr := s.tunnelEnds(q, region, &in)
	if aerr != nil {
		return aerr
	}
	if in.SharedSecret == "" {
		return fail(http.StatusBadRequest, "required", "Required field 'resource.sharedSecret' not specified")
	}
	switch in.IKEVersion {
	case 0:
		in.IKEVersion = 2
	case 1, 2:
	default:
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.ikeVersion': '%d'. Must be 1 or 2.", in.IKEVersion)
	}
	// GCP: https://cloud.google.com/network-connectivity/docs/vpn/concepts/overview#ha-vpn — an HA VPN tunnel is routed by a Cloud Router
	r, rp, aerr := s.routerRef(q, region, in.Router)
	if aerr != nil {
		return aerr
	}
	if r.Network != gw.Network {
		// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/creating-ha-vpn#create-cloud-router — the Cloud Router is in the HA VPN gateway's network and region
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.router': '%s'. The router is not in the VPN gateway's network '%s'.", clip(in.Router), gw.Network)
	}
	return s.mutate(q, model.GCPRegionScope(region), "insert", path, func() *apiError {
		v, err := s.cloud.CreateVPNConnectionAt(q.project, model.Place{Region: region, Scope: model.GCPRegionScope(region), Name: in.Name},
			model.VPNSpec{CustomerGatewayID: in.PeerExternalGateway, VPNGatewayID: in.VPNGateway}, nil)
		if err != nil {
			return fromModel(err, path)
		}
		out := vpnTunnel{CreationTimestamp: s.created(), Name: in.Name, Description: in.Description, Region: region, VPNGateway: in.VPNGateway,
			VPNGatewayInterface: in.VPNGatewayInterface, PeerExternalGateway: in.PeerExternalGateway, PeerExternalGatewayInterface: in.PeerExternalGatewayInterface,
			PeerIP: peer.Interfaces[in.PeerExternalGatewayInterface].IPAddress, SharedSecret: in.SharedSecret, SharedSecretHash: fingerprint(in.SharedSecret),
			IKEVersion: in.IKEVersion, Router: rp, Labels: in.Labels}
		return s.keepWire(q.project, v.ID, out)
	})
}

// tunnelEnds resolves and checks a tunnel's HA VPN gateway and external
// peer gateway and their interfaces, leaving their resource paths in in.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/vpnTunnels — vpnGatewayInterface 0 or 1; peerExternalGatewayInterface one of the peer's interfaces
func (s *Server) tunnelEnds(q *request, region string, in *vpnTunnel) (vpnGateway, externalVPNGateway, *apiError) {
	if in.TargetVPNGateway != "" || in.PeerGCPGateway != "" {
		return vpnGateway{}, externalVPNGateway{}, fail(http.StatusBadRequest, "invalid",
			"Invalid value for field 'resource': the lab serves HA VPN tunnels to external VPN gateways (vpnGateway and peerExternalGateway), not Classic VPN or HA VPN between two Google Cloud gateways.")
	}
	if in.VPNGateway == "" {
		return vpnGateway{}, externalVPNGateway{}, fail(http.StatusBadRequest, "required", "Required field 'resource.vpnGateway' not specified")
	}
	gp, aerr := q.resolveRef(in.VPNGateway, model.GCPRegionScope(region), "vpnGateways")
	if aerr != nil {
		return vpnGateway{}, externalVPNGateway{}, aerr
	}
	g, err := s.cloud.VPNGateway(q.project, gp)
	gw, ok := wireOf[vpnGateway](g.Attrs)
	if err != nil || !ok {
		return vpnGateway{}, externalVPNGateway{}, notFound(gp)
	}
	if in.VPNGatewayInterface < 0 || in.VPNGatewayInterface >= len(gw.VPNInterfaces) {
		return vpnGateway{}, externalVPNGateway{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.vpnGatewayInterface': '%d'. Must be 0 or 1.", in.VPNGatewayInterface)
	}
	if in.PeerExternalGateway == "" {
		return vpnGateway{}, externalVPNGateway{}, fail(http.StatusBadRequest, "required", "Required field 'resource.peerExternalGateway' not specified")
	}
	pp, aerr := q.resolveRef(in.PeerExternalGateway, model.GCPGlobal, "externalVpnGateways")
	if aerr != nil {
		return vpnGateway{}, externalVPNGateway{}, aerr
	}
	peer, ok := s.externalGateways(q.project)[pp]
	if !ok {
		return vpnGateway{}, externalVPNGateway{}, notFound(pp)
	}
	if in.PeerExternalGatewayInterface < 0 || in.PeerExternalGatewayInterface >= len(peer.Interfaces) {
		return vpnGateway{}, externalVPNGateway{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.peerExternalGatewayInterface': '%d'. The external VPN gateway '%s' has %d interfaces.",
			in.PeerExternalGatewayInterface, pp, len(peer.Interfaces))
	}
	in.VPNGateway, in.PeerExternalGateway = gp, pp
	return gw, peer, nil
}

// aggregatedTunnels answers vpnTunnels.aggregatedList.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/vpnTunnels/aggregatedList
func (s *Server) aggregatedTunnels(q *request) *apiError {
	var all []scoped[vpnTunnel]
	for _, t := range s.tunnelsOf(q.project, "") {
		all = append(all, scoped[vpnTunnel]{"regions/" + t.Region, t.Name, s.tunnelOut(q, t)})
	}
	return writeAggregated(q, "compute#vpnTunnelAggregatedList", "vpnTunnels", all)
}
