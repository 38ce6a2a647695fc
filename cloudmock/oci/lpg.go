package oci

import (
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// localPeeringGateway is a LocalPeeringGateway on the wire. The server
// keeps LPGs itself; a connected pair is a model peering of their VCNs.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/LocalPeeringGateway/ — LocalPeeringGateway: vcnId, peerId, peeringStatus NEW, PEERED, REVOKED, peerAdvertisedCidr, routeTableId
type localPeeringGateway struct {
	shared
	VcnID                     string   `json:"vcnId"`
	IsCrossTenancyPeering     bool     `json:"isCrossTenancyPeering"`
	PeerID                    string   `json:"peerId,omitempty"`
	PeeringStatus             string   `json:"peeringStatus"`
	PeeringStatusDetails      string   `json:"peeringStatusDetails,omitempty"`
	PeerAdvertisedCidr        string   `json:"peerAdvertisedCidr,omitempty"`
	PeerAdvertisedCidrDetails []string `json:"peerAdvertisedCidrDetails,omitempty"`
	RouteTableID              string   `json:"routeTableId,omitempty"`
	tenancy, peering          string
}

// lpgs are the server's LPGs.
type lpgs struct {
	mu   sync.Mutex
	byID map[string]*localPeeringGateway
}

// maxLPGsPerVcn is how many LPGs a VCN may have.
// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/servicelimits.htm — 10 local peering gateways per VCN
const maxLPGsPerVcn = 10

// lpgPrefix starts every LPG's OCID.
const lpgPrefix = "ocid1.localpeeringgateway."

func (s *Server) localPeeringGateways() *kind {
	return &kind{noun: "LocalPeeringGateway", get: s.getLPG, create: s.createLPG, update: s.updateLPG, remove: s.deleteLPG,
		more: map[string]func(q *request, id string) *apiError{"POST actions/connect": s.connectLPG},
		list: func(tenancy string) []resource {
			var out []resource
			for _, g := range s.lpgList(tenancy) {
				out = append(out, g)
			}
			return out
		},
		match: func(q *request, r resource) bool {
			return !q.URL.Query().Has("vcnId") || r.(*localPeeringGateway).VcnID == q.URL.Query().Get("vcnId")
		}}
}

func (s *Server) lpgList(tenancy string) []*localPeeringGateway {
	s.lpgs.mu.Lock()
	defer s.lpgs.mu.Unlock()
	var out []*localPeeringGateway
	for _, g := range s.lpgs.byID {
		if g.tenancy == tenancy {
			c := *g
			c.FreeformTags = maps.Clone(g.FreeformTags)
			out = append(out, &c)
		}
	}
	return out
}

func (s *Server) getLPG(tenancy, id string) (resource, bool) {
	for _, g := range s.lpgList(tenancy) {
		if g.ID == id {
			return g, true
		}
	}
	return nil, false
}

// change applies f to a kept LPG.
func (s *Server) changeLPG(id string, f func(g *localPeeringGateway)) {
	s.lpgs.mu.Lock()
	defer s.lpgs.mu.Unlock()
	if g, ok := s.lpgs.byID[id]; ok {
		f(g)
	}
}

// createLPG makes a VCN's LPG, NEW until connected.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateLocalPeeringGatewayDetails — compartmentId, vcnId, displayName, routeTableId
func (s *Server) createLPG(q *request) (string, *apiError) {
	var d struct {
		updateDetails
		placement
		RouteTableID string `json:"routeTableId"`
	}
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	n, aerr := s.inVcn(q, d.placement)
	if aerr != nil {
		return "", aerr
	}
	if d.RouteTableID != "" {
		if err := s.checkTable(q.tenancy, n.ID, d.RouteTableID); err != nil {
			return "", err
		}
	}
	count := 0
	for _, g := range s.lpgList(q.tenancy) {
		if g.VcnID == n.ID {
			count++
		}
	}
	if count >= maxLPGsPerVcn {
		return "", fail(http.StatusBadRequest, codeLimitExceeded, "The VCN %s has %d local peering gateways, the most it can have", n.ID, maxLPGsPerVcn)
	}
	id := model.OCIID("localpeeringgateway", n.Region)
	tags := d.FreeformTags
	if tags == nil {
		tags = map[string]string{}
	}
	g := &localPeeringGateway{shared: shared{ID: id, CompartmentID: d.CompartmentID, DisplayName: s.nameOr(d.DisplayName, "localpeeringgateway"),
		TimeCreated: s.now().UTC().Format(time.RFC3339Nano), FreeformTags: tags, DefinedTags: map[string]map[string]any{}},
		VcnID: n.ID, PeeringStatus: "NEW", RouteTableID: d.RouteTableID, tenancy: q.tenancy}
	s.lpgs.mu.Lock()
	if s.lpgs.byID == nil {
		s.lpgs.byID = map[string]*localPeeringGateway{}
	}
	s.lpgs.byID[id] = g
	s.lpgs.mu.Unlock()
	return id, nil
}

func (s *Server) updateLPG(q *request, id string) *apiError {
	var d struct {
		updateDetails
		RouteTableID *string `json:"routeTableId"`
	}
	if err := decode(q.body, &d); err != nil {
		return err
	}
	r, _ := s.getLPG(q.tenancy, id)
	if d.RouteTableID != nil && *d.RouteTableID != "" {
		if err := s.checkTable(q.tenancy, r.(*localPeeringGateway).VcnID, *d.RouteTableID); err != nil {
			return err
		}
	}
	s.changeLPG(id, func(g *localPeeringGateway) {
		if d.DisplayName != nil {
			g.DisplayName = *d.DisplayName
		}
		if d.FreeformTags != nil {
			g.FreeformTags = d.FreeformTags
		}
		if d.RouteTableID != nil {
			g.RouteTableID = *d.RouteTableID
		}
	})
	return nil
}

// connectLPG peers two LPGs of different VCNs whose CIDRs do not
// overlap; neither may be peered already.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/localVCNpeering.htm — an LPG connects to one other LPG; the VCNs must not have overlapping CIDRs; both show PEERED
func (s *Server) connectLPG(q *request, id string) *apiError {
	var d struct {
		PeerID string `json:"peerId"`
	}
	if err := decode(q.body, &d); err != nil {
		return err
	}
	r, _ := s.getLPG(q.tenancy, id)
	a := r.(*localPeeringGateway)
	pr, ok := s.getLPG(q.tenancy, d.PeerID)
	if !ok {
		return notFound("LocalPeeringGateway", d.PeerID)
	}
	b := pr.(*localPeeringGateway)
	switch {
	case a.ID == b.ID || a.VcnID == b.VcnID:
		return invalid("The LPGs %s and %s are in the same VCN", a.ID, b.ID)
	case a.PeeringStatus == "PEERED" || b.PeeringStatus == "PEERED":
		return fail(http.StatusConflict, codeConflict, "An LPG can be peered with one other LPG only: %s or %s is already peered", a.ID, b.ID)
	}
	na, _ := s.cloud.Network(q.tenancy, a.VcnID)
	nb, _ := s.cloud.Network(q.tenancy, b.VcnID)
	for _, x := range na.CIDRs {
		for _, y := range nb.CIDRs {
			if x.Prefix.Overlaps(y.Prefix) {
				return invalid("The VCNs' CIDRs %s and %s overlap", x.Prefix, y.Prefix)
			}
		}
	}
	p, err := s.cloud.RequestPeeringAt(q.tenancy, model.Place{Region: na.Region, Scope: a.CompartmentID}, a.VcnID, q.tenancy, b.VcnID, nil)
	if err != nil {
		return fromModel(err)
	}
	if _, err := s.cloud.AcceptPeering(q.tenancy, p.ID); err != nil {
		_ = s.cloud.DeletePeering(q.tenancy, p.ID)
		return fromModel(err)
	}
	for _, x := range []struct {
		g *localPeeringGateway
		n model.Network
	}{{a, nb}, {b, na}} {
		peer, cidrs := b.ID, []string{}
		if x.g == b {
			peer = a.ID
		}
		for _, c := range x.n.CIDRs {
			cidrs = append(cidrs, c.Prefix.String())
		}
		s.changeLPG(x.g.ID, func(g *localPeeringGateway) {
			g.PeerID, g.PeeringStatus, g.PeeringStatusDetails, g.peering = peer, "PEERED", "Connected to a peer", p.ID
			g.PeerAdvertisedCidr, g.PeerAdvertisedCidrDetails = cidrs[0], cidrs
		})
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// deleteLPG deletes an LPG no route rule targets; its peer, if any, is
// REVOKED and the VCNs' peering ends.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/localVCNpeering.htm — deleting one LPG of a pair ends the peering; the other shows REVOKED
func (s *Server) deleteLPG(q *request, id string) *apiError {
	r, _ := s.getLPG(q.tenancy, id)
	g := r.(*localPeeringGateway)
	if g.peering != "" {
		if rt, dst, used := s.routesTo(q.tenancy, g.VcnID, g.peering); used {
			return fail(http.StatusConflict, codeConflict, "The LPG %s is the target of the route to %s in route table %s", id, dst, rt)
		}
		_ = s.cloud.DeletePeering(q.tenancy, g.peering)
		s.changeLPG(g.PeerID, func(p *localPeeringGateway) {
			p.PeeringStatus, p.PeeringStatusDetails, p.peering, p.PeerID = "REVOKED", "The peer was deleted", "", ""
			p.PeerAdvertisedCidr, p.PeerAdvertisedCidrDetails = "", nil
		})
	}
	s.lpgs.mu.Lock()
	delete(s.lpgs.byID, id)
	s.lpgs.mu.Unlock()
	return nil
}

// lpgTarget is the model route target of a route rule to an LPG: its
// VCNs' peering, once it is peered.
func (s *Server) lpgTarget(tenancy, id string) (model.Target, *apiError) {
	r, ok := s.getLPG(tenancy, id)
	if !ok {
		return model.Target{}, invalid("networkEntityId '%s' is not an LPG of the tenancy", clip(id))
	}
	g := r.(*localPeeringGateway)
	if g.peering == "" {
		return model.Target{}, invalid("The LPG %s is not peered: the lab routes only to a peered LPG", id)
	}
	return model.Target{Kind: model.TargetPeering, ID: g.peering}, nil
}

// lpgOf is the LPG of a VCN that a peering target stands for.
func (s *Server) lpgOf(tenancy, vcnID, peering string) string {
	for _, g := range s.lpgList(tenancy) {
		if g.VcnID == vcnID && g.peering == peering {
			return g.ID
		}
	}
	return peering
}

// isLPG reports whether an OCID names an LPG.
func isLPG(id string) bool { return strings.HasPrefix(id, lpgPrefix) }
