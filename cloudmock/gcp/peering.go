package gcp

import (
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// VPC Network Peering: each network names a peering to the other
// (networks.addPeering); the peering is ACTIVE once both have, INACTIVE
// while one has not or has removed its side. The lab keeps both sides as
// one model peering (the first side requests it, the second accepts it,
// each named in its own network's scope); each side says whether it
// exports and imports custom routes (model.PeeringSide), and the model
// gives each network's routing the peer's routes (peeringroutes.go).
// GCP: https://cloud.google.com/vpc/docs/vpc-peering — peering is set up from each network; ACTIVE when both configurations match
// GCP: https://cloud.google.com/vpc/docs/using-vpc-peering — add, update, remove, list routes

// peeringWire is a network's peering on the wire.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks — peerings[]: name, network, state, stateDetails, exchangeSubnetRoutes, exportCustomRoutes, importCustomRoutes
type peeringWire struct {
	Name                 string `json:"name"`
	Network              string `json:"network"`
	State                string `json:"state,omitempty"`
	StateDetails         string `json:"stateDetails,omitempty"`
	AutoCreateRoutes     bool   `json:"autoCreateRoutes"`
	ExchangeSubnetRoutes bool   `json:"exchangeSubnetRoutes"`
	ExportCustomRoutes   *bool  `json:"exportCustomRoutes,omitempty"`
	ImportCustomRoutes   *bool  `json:"importCustomRoutes,omitempty"`
	ExportPublicSubnets  bool   `json:"exportSubnetRoutesWithPublicIp"`
	ImportPublicSubnets  bool   `json:"importSubnetRoutesWithPublicIp"`
	StackType            string `json:"stackType,omitempty"`
	PeerMTU              int    `json:"peerMtu,omitempty"`
}

// peerings returns the named sides of a network's peerings, by name.
func (s *Server) peerings(project string, n model.Network) []model.PeeringEnd {
	out := s.cloud.PeeringEnds(project, n.ID)
	slices.SortFunc(out, func(a, b model.PeeringEnd) int { return compare(a.Name(), b.Name()) })
	return out
}

func (s *Server) peeringOut(q *request, n model.Network, ps model.PeeringEnd) peeringWire {
	side, _ := ps.P.Side(n.ID)
	exp, imp := side.ExportCustom, side.ImportCustom
	_, pn := ps.Remote()
	out := peeringWire{Name: ps.Name(), Network: q.selfLink(pn), State: "INACTIVE", AutoCreateRoutes: true, ExchangeSubnetRoutes: true,
		ExportCustomRoutes: &exp, ImportCustomRoutes: &imp, ExportPublicSubnets: true, StackType: "IPV4_ONLY"}
	switch ps.P.State {
	case model.PeeringActive:
		out.State, out.StateDetails = "ACTIVE", "[2024-01-01T00:00:00.000-07:00]: Connected."
	case model.PeeringPendingAcceptance:
		out.StateDetails = "[2024-01-01T00:00:00.000-07:00]: Waiting for peer network to connect."
	default:
		out.StateDetails = "[2024-01-01T00:00:00.000-07:00]: Peer network removed the peering."
	}
	return out
}

// networkAction answers POST networks/N/addPeering and removePeering,
// PATCH networks/N/updatePeering and GET networks/N/listPeeringRoutes.
func (s *Server) networkAction(q *request, name, verb string) *apiError {
	n, aerr := s.networkByName(q, name)
	if aerr != nil {
		return aerr
	}
	switch {
	case verb == "addPeering" && q.Method == http.MethodPost:
		return s.addPeering(q, n)
	case verb == "removePeering" && q.Method == http.MethodPost:
		return s.removePeering(q, n)
	case verb == "updatePeering" && q.Method == http.MethodPatch:
		return s.updatePeering(q, n)
	case verb == "listPeeringRoutes" && q.Method == http.MethodGet:
		return s.listPeeringRoutes(q, n)
	}
	return notFound(n.ID + "/" + verb)
}

// addPeeringRequest is networks.addPeering's body: the legacy top-level
// name and peerNetwork, or networkPeering (gcloud's).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks/addPeering
type addPeeringRequest struct {
	Name           string       `json:"name"`
	PeerNetwork    string       `json:"peerNetwork"`
	NetworkPeering *peeringWire `json:"networkPeering"`
}

// addPeering adds the network's side of a peering with another network,
// of this project or another.
func (s *Server) addPeering(q *request, n model.Network) *apiError {
	var in addPeeringRequest
	if err := decode(q.Request, &in); err != nil {
		return err
	}
	want := peeringWire{Name: in.Name, Network: in.PeerNetwork}
	if in.NetworkPeering != nil {
		want = *in.NetworkPeering
	}
	if err := checkName("networkPeering.name", want.Name); err != nil {
		return err
	}
	acct, pn, aerr := s.peerNetwork(q, want.Network)
	if aerr != nil {
		return aerr
	}
	if pn.ID == n.ID {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'networkPeering.network': '%s'. A network cannot peer with itself.", clip(want.Network))
	}
	for _, ps := range s.peerings(q.project, n) {
		if ps.Name() == want.Name {
			return fail(http.StatusConflict, "alreadyExists", "There is already a peering named '%s' on network '%s'.", want.Name, n.ID)
		}
		if _, other := ps.Remote(); other == pn.ID {
			return fail(http.StatusBadRequest, "invalid", "There is already a peering '%s' between networks '%s' and '%s'.", ps.Name(), n.ID, pn.ID)
		}
	}
	// GCP: https://cloud.google.com/vpc/docs/vpc-peering#restrictions — a subnet range cannot overlap a subnet range of the peer network
	for _, a := range n.CIDRs {
		for _, b := range pn.CIDRs {
			if a.Prefix.Overlaps(b.Prefix) {
				return fail(http.StatusBadRequest, "invalid", "An IP range in the peer network (%s) overlaps with an IP range in the local network (%s).", b.Prefix, a.Prefix)
			}
		}
	}
	side := model.PeeringSide{ExportCustom: want.ExportCustomRoutes != nil && *want.ExportCustomRoutes, ImportCustom: want.ImportCustomRoutes != nil && *want.ImportCustomRoutes}
	return s.mutate(q, model.GCPGlobal, "addPeering", n.ID, func() *apiError {
		if err := s.connect(q.project, n, want.Name, acct, pn, side); err != nil {
			return fromModel(err, n.ID)
		}
		return nil
	})
}

// peerNetwork resolves a peer network reference: a network of this
// project by name or path, or one of another project by its path.
func (s *Server) peerNetwork(q *request, ref string) (string, model.Network, *apiError) {
	r := ref
	for _, h := range append([]string{q.base}, refHosts...) {
		r = strings.TrimPrefix(r, h)
	}
	if !strings.HasPrefix(r, "projects/") {
		p, aerr := q.resolveRef(ref, model.GCPGlobal, "networks")
		if aerr != nil {
			return "", model.Network{}, aerr
		}
		r = p
	}
	w := strings.Split(r, "/")
	if len(w) != 5 || w[2] != "global" || w[3] != "networks" {
		return "", model.Network{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'networkPeering.network': '%s'. The URL is malformed.", clip(ref))
	}
	if a, err := s.cloud.Account(w[1]); err == nil && a.Provider == model.ProviderGCP {
		if id, err := s.cloud.ByName(w[1], model.GCPGlobal, model.KindNetwork, w[4]); err == nil {
			if n, err := s.cloud.Network(w[1], id); err == nil {
				return w[1], n, nil
			}
		}
	}
	return "", model.Network{}, notFound(r)
}

// connect makes the network's side: it accepts the peer's pending side,
// reconnects with the peer's side left from an earlier peering (the peer
// network still names this one), or requests a peering.
func (s *Server) connect(project string, n model.Network, name, acct string, pn model.Network, side model.PeeringSide) error {
	at := model.Place{Scope: model.GCPGlobal + "/networks/" + n.Name, Name: name}
	for _, ps := range s.peerings(acct, pn) {
		if _, other := ps.Remote(); other != n.ID {
			continue
		}
		switch ps.P.State {
		case model.PeeringPendingAcceptance:
			_, err := s.cloud.AcceptPeeringAt(project, ps.P.ID, at, side)
			return err
		case model.PeeringDeleted:
			theirs, _ := ps.P.Side(pn.ID)
			if err := s.cloud.DeletePeeringSide(acct, ps.P.ID, ps.Accepter); err != nil {
				return err
			}
			p, err := s.cloud.RequestPeeringAt(acct, model.Place{Scope: model.GCPGlobal + "/networks/" + pn.Name, Name: ps.Name()}, pn.ID, project, n.ID, nil)
			if err != nil {
				return err
			}
			if err := s.cloud.SetPeeringSide(acct, p.ID, pn.ID, theirs); err != nil {
				return err
			}
			_, err = s.cloud.AcceptPeeringAt(project, p.ID, at, side)
			return err
		}
	}
	p, err := s.cloud.RequestPeeringAt(project, at, n.ID, acct, pn.ID, nil)
	if err != nil {
		return err
	}
	return s.cloud.SetPeeringSide(project, p.ID, n.ID, side)
}

// sideNamed finds the network's side of a peering by name.
func (s *Server) sideNamed(q *request, n model.Network, name string) (model.PeeringEnd, *apiError) {
	for _, ps := range s.peerings(q.project, n) {
		if ps.Name() == name {
			return ps, nil
		}
	}
	return model.PeeringEnd{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'name': '%s'. There is no peering named '%s' on network '%s'.", clip(name), clip(name), n.ID)
}

// removePeering removes the network's side; the peer's side stays,
// INACTIVE, until it is removed too.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks/removePeering
// GCP: https://cloud.google.com/vpc/docs/using-vpc-peering#deleting — when one side is deleted, the peering becomes INACTIVE on the other side and routes are no longer exchanged
func (s *Server) removePeering(q *request, n model.Network) *apiError {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(q.Request, &in); err != nil {
		return err
	}
	ps, aerr := s.sideNamed(q, n, in.Name)
	if aerr != nil {
		return aerr
	}
	return s.mutate(q, model.GCPGlobal, "removePeering", n.ID, func() *apiError {
		if err := s.cloud.DeletePeeringSide(q.project, ps.P.ID, ps.Accepter); err != nil {
			return fromModel(err, n.ID)
		}
		return nil
	})
}

// updatePeering changes what the network's side exports and imports.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks/updatePeering — networkPeering.name, exportCustomRoutes, importCustomRoutes
func (s *Server) updatePeering(q *request, n model.Network) *apiError {
	var in struct {
		NetworkPeering *peeringWire `json:"networkPeering"`
	}
	if err := decode(q.Request, &in); err != nil {
		return err
	}
	if in.NetworkPeering == nil {
		return fail(http.StatusBadRequest, "required", "Required field 'networkPeering' not specified")
	}
	ps, aerr := s.sideNamed(q, n, in.NetworkPeering.Name)
	if aerr != nil {
		return aerr
	}
	side, _ := ps.P.Side(n.ID)
	if v := in.NetworkPeering.ExportCustomRoutes; v != nil {
		side.ExportCustom = *v
	}
	if v := in.NetworkPeering.ImportCustomRoutes; v != nil {
		side.ImportCustom = *v
	}
	return s.mutate(q, model.GCPGlobal, "updatePeering", n.ID, func() *apiError {
		if err := s.cloud.SetPeeringSide(q.project, ps.P.ID, n.ID, side); err != nil {
			return fromModel(err, n.ID)
		}
		return nil
	})
}

// checkPeerRanges refuses a new subnet range of network n that overlaps
// a range of a network n is peered with.
// GCP: https://cloud.google.com/vpc/docs/vpc-peering#restrictions — a subnet range cannot overlap a subnet range of a peered network, also when the subnet is made after the peering
func (s *Server) checkPeerRanges(q *request, n model.Network, p netip.Prefix) *apiError {
	for _, ps := range s.peerings(q.project, n) {
		acct, id := ps.Remote()
		pn, err := s.cloud.Network(acct, id)
		if err != nil {
			continue
		}
		for _, b := range pn.CIDRs {
			if b.Prefix.Overlaps(p) {
				return fail(http.StatusBadRequest, "invalid", "Invalid IPCidrRange: %s conflicts with the range %s of peer network %s (peering %s).", p, b.Prefix, pn.ID, ps.Name())
			}
		}
	}
	return nil
}
