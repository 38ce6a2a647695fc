package azure

import (
	"net/http"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Virtual network peerings: each side is a child of its virtual network.
// The first side made requests a model peering (Initiated), the second
// accepts it under its own name (both Connected); each side's properties
// are its model PeeringSide. Deleting one side deletes the model peering
// and leaves the other Disconnected until it is updated or deleted.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/virtual-network-peerings — create or update, get, list, delete
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-manage-peering — Initiated, Connected, Disconnected; peering is not transitive

// peeringBody is one side of a peering on the wire.
type peeringBody struct {
	ID         string       `json:"id,omitempty"`
	Name       string       `json:"name,omitempty"`
	Type       string       `json:"type,omitempty"`
	Etag       string       `json:"etag,omitempty"`
	Properties peeringProps `json:"properties"`
}

type peeringProps struct {
	RemoteVirtualNetwork             *ref          `json:"remoteVirtualNetwork,omitempty"`
	AllowVirtualNetworkAccess        *bool         `json:"allowVirtualNetworkAccess,omitempty"`
	AllowForwardedTraffic            *bool         `json:"allowForwardedTraffic,omitempty"`
	AllowGatewayTransit              *bool         `json:"allowGatewayTransit,omitempty"`
	UseRemoteGateways                *bool         `json:"useRemoteGateways,omitempty"`
	DoNotVerifyRemoteGateways        *bool         `json:"doNotVerifyRemoteGateways,omitempty"`
	PeeringState                     string        `json:"peeringState,omitempty"`
	PeeringSyncLevel                 string        `json:"peeringSyncLevel,omitempty"`
	RemoteAddressSpace               *addressSpace `json:"remoteAddressSpace,omitempty"`
	RemoteVirtualNetworkAddressSpace *addressSpace `json:"remoteVirtualNetworkAddressSpace,omitempty"`
	ResourceGUID                     string        `json:"resourceGuid,omitempty"`
	ProvisioningState                string        `json:"provisioningState,omitempty"`
}

const peeringType = vnetType + "/virtualNetworkPeerings"

// side is one side of a model peering, seen from its network.
type side = model.PeeringEnd

// sideState is a side's peeringState.
func sideState(sd side) string {
	switch {
	case sd.P.State == model.PeeringActive:
		return "Connected"
	case sd.P.State == model.PeeringPendingAcceptance:
		return "Initiated"
	}
	return "Disconnected"
}

// sidesOf lists the named sides of a network's peerings.
func (s *Server) sidesOf(sub string, n model.Network) []side {
	return s.cloud.PeeringEnds(sub, n.ID)
}

// peeringOut renders one side with its remote network's address space.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/virtual-network-peerings/get — peeringState, peeringSyncLevel, remoteAddressSpace
func (s *Server) peeringOut(vnetID string, sd side) peeringBody {
	f := false
	o := sd.Props()
	access, fwd, transit, useRemote := !o.BlockRemote, !o.BlockForwarded, o.GatewayTransit, o.UseRemoteGateways
	acct, rn := sd.Remote()
	b := peeringBody{ID: vnetID + "/virtualNetworkPeerings/" + sd.Name(), Name: sd.Name(), Type: peeringType, Properties: peeringProps{
		RemoteVirtualNetwork: &ref{ID: rn}, AllowVirtualNetworkAccess: &access, AllowForwardedTraffic: &fwd,
		AllowGatewayTransit: &transit, UseRemoteGateways: &useRemote, DoNotVerifyRemoteGateways: &f,
		PeeringState: sideState(sd), PeeringSyncLevel: "FullyInSync", ResourceGUID: guidOf(sd.P.ID + sd.Name()), ProvisioningState: "Succeeded"}}
	if sideState(sd) != "Connected" {
		b.Properties.PeeringSyncLevel = "RemoteNotInSync"
	}
	if n, err := s.cloud.Network(acct, rn); err == nil {
		sp := &addressSpace{AddressPrefixes: []string{}}
		for _, c := range n.CIDRs {
			sp.AddressPrefixes = append(sp.AddressPrefixes, c.Prefix.String())
		}
		b.Properties.RemoteAddressSpace, b.Properties.RemoteVirtualNetworkAddressSpace = sp, sp
	}
	b.Etag = etagOf(b)
	return b
}

// servePeering answers .../virtualNetworks/V/virtualNetworkPeerings[/NAME].
func (s *Server) servePeering(q *request, n model.Network, name string) {
	sides := s.sidesOf(q.sub, n)
	if name == "" {
		if q.Method != http.MethodGet {
			methodNotAllowed(q)
			return
		}
		var items []any
		for _, sd := range sides {
			items = append(items, s.peeringOut(n.ID, sd))
		}
		s.page(q, items)
		return
	}
	var cur *side
	for i := range sides {
		if strings.EqualFold(sides[i].Name(), name) {
			cur = &sides[i]
		}
	}
	switch q.Method {
	case http.MethodGet:
		if cur == nil {
			writeError(q.w, childNotFound(n.ID+"/virtualNetworkPeerings/"+name))
			return
		}
		writeJSON(q.w, http.StatusOK, s.peeringOut(n.ID, *cur))
	case http.MethodPut:
		s.putPeering(q, n, name, cur)
	case http.MethodDelete:
		if cur == nil {
			deleteDone(q, "", false)
			return
		}
		if err := s.cloud.DeletePeeringSide(q.sub, cur.P.ID, cur.Accepter); err != nil {
			writeError(q.w, err)
			return
		}
		deleteDone(q, n.Region, true)
	default:
		methodNotAllowed(q)
	}
}

// peeringSideIn reads a body's options; Azure's defaults are access on,
// forwarded traffic, gateway transit and remote gateways off.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/virtual-network-peerings/create-or-update — allowVirtualNetworkAccess, allowForwardedTraffic, allowGatewayTransit, useRemoteGateways
func peeringSideIn(p peeringProps) model.PeeringSide {
	on := func(b *bool, def bool) bool {
		if b == nil {
			return def
		}
		return *b
	}
	return model.PeeringSide{BlockRemote: !on(p.AllowVirtualNetworkAccess, true), BlockForwarded: !on(p.AllowForwardedTraffic, false),
		GatewayTransit: on(p.AllowGatewayTransit, false), UseRemoteGateways: on(p.UseRemoteGateways, false)}
}

// putPeering creates or updates one side of a peering.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/virtual-network-peerings/create-or-update — 201 when created, 200 when updated
func (s *Server) putPeering(q *request, n model.Network, name string, cur *side) {
	var in peeringBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	self := n.ID + "/virtualNetworkPeerings/" + name
	r := in.Properties.RemoteVirtualNetwork
	if r == nil || r.ID == "" {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: peering %s has no remoteVirtualNetwork.", clip(self)))
		return
	}
	remote, acct, err := s.refTo(q.sub, r.ID, "virtualnetworks", model.KindNetwork, true)
	if err != nil {
		writeError(q.w, err)
		return
	}
	opts := peeringSideIn(in.Properties)
	if opts.UseRemoteGateways && !s.hasGateway(acct, remote) {
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-manage-peering#requirements-and-constraints — useRemoteGateways needs a gateway in the remote virtual network
		writeError(q.w, fail(http.StatusBadRequest, "RemoteVnetHasNoGateways",
			"Cannot create or update peering %s because remote virtual network %s does not have any gateways. Set UseRemoteGateways to false or create a gateway in the remote network.", self, r.ID))
		return
	}
	var sd side
	if cur != nil && cur.P.State != model.PeeringDeleted {
		sd, err = s.updatePeering(q.sub, n, *cur, remote, opts)
	} else {
		sd, err = s.createPeering(q.sub, n, name, cur, acct, remote, opts, self)
	}
	if err != nil {
		writeError(q.w, err)
		return
	}
	putDone(q, cur == nil, n.Region, s.peeringOut(n.ID, sd))
}

// updatePeering sets an existing side's options; its remote cannot change.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-manage-peering#change-peering-settings — a peering's settings change, not its remote network
func (s *Server) updatePeering(sub string, n model.Network, cur side, remote string, opts model.PeeringSide) (side, error) {
	if _, rn := cur.Remote(); rn != remote {
		return side{}, fail(http.StatusBadRequest, "InvalidRequestFormat",
			"Peering %s/virtualNetworkPeerings/%s: its remoteVirtualNetwork cannot change.", n.ID, cur.Name())
	}
	if err := s.cloud.SetPeeringSide(sub, cur.P.ID, n.ID, opts); err != nil {
		return side{}, err
	}
	p, err := s.cloud.Peering(sub, cur.P.ID)
	return side{P: p, Accepter: cur.Accepter}, err
}

// createPeering makes a new side: it accepts the remote side's pending
// request, or requests a peering. A side left Disconnected that is put
// again is made anew (Initiated). A remote side left Disconnected stops
// a new side.
func (s *Server) createPeering(sub string, n model.Network, name string, cur *side, acct, remote string, opts model.PeeringSide, self string) (side, error) {
	if cur != nil {
		if err := s.cloud.DeletePeeringSide(sub, cur.P.ID, cur.Accepter); err != nil {
			return side{}, err
		}
	}
	at := model.Place{Scope: n.Scope + "/" + n.Name, Name: name}
	for _, p := range s.cloud.Peerings(sub) {
		if !(p.RequesterNetworkID == remote && p.AccepterNetworkID == n.ID) && !(p.AccepterNetworkID == remote && p.RequesterNetworkID == n.ID) {
			continue
		}
		pending := p.State == model.PeeringPendingAcceptance && p.RequesterNetworkID == remote
		switch {
		case pending:
			got, err := s.cloud.AcceptPeeringAt(sub, p.ID, at, opts)
			return side{P: got, Accepter: true}, err
		case p.State == model.PeeringDeleted:
			rname, rvnet := p.Name, p.RequesterNetworkID
			if p.RequesterNetworkID == n.ID {
				rname, rvnet = p.AccepterName, p.AccepterNetworkID
			}
			// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-troubleshoot-peering-issues — RemotePeeringIsDisconnected: re-create or update the remote peering first
			return side{}, fail(http.StatusBadRequest, "RemotePeeringIsDisconnected",
				"Cannot create or update peering %s because remote peering %s/virtualNetworkPeerings/%s referencing parent virtual network %s is in Disconnected state. Update or re-create the remote peering to get it back to Initiated state. Peering gets Disconnected when remote vnet or remote peering is deleted and re-created.",
				self, rvnet, rname, n.ID)
		default:
			return side{}, fail(http.StatusConflict, "Conflict",
				"Cannot create peering %s: virtual network %s is already peered with %s.", self, n.ID, remote)
		}
	}
	p, err := s.cloud.RequestPeeringAt(sub, at, n.ID, acct, remote, nil)
	if err == nil {
		err = s.cloud.SetPeeringSide(sub, p.ID, n.ID, opts)
	}
	switch codeOf(err) {
	case "":
	case model.CodeConflict:
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-peering-overview — the address spaces of peered virtual networks must not overlap
		return side{}, fail(http.StatusBadRequest, "VnetAddressSpacesOverlap",
			"Cannot create or update peering %s. Virtual networks %s and %s cannot be peered because their address spaces overlap.", self, n.ID, remote)
	default:
		return side{}, err
	}
	p, err = s.cloud.Peering(sub, p.ID)
	return side{P: p}, err
}

// hasGateway reports whether a network has a virtual network gateway.
func (s *Server) hasGateway(account, network string) bool {
	for _, g := range s.cloud.VPNGateways(account) {
		if g.NetworkID == network {
			return true
		}
	}
	return false
}

// deletePeerings deletes every side of a network's peerings (with the
// network, as Azure does; the remote sides become Disconnected).
func (s *Server) deletePeerings(sub string, n model.Network) error {
	for _, sd := range s.sidesOf(sub, n) {
		if err := s.cloud.DeletePeeringSide(sub, sd.P.ID, sd.Accepter); err != nil {
			return err
		}
	}
	return nil
}
