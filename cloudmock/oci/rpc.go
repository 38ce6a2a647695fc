package oci

import (
	"crypto/sha256"
	"encoding/base32"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// remotePeering is a RemotePeeringConnection on the wire. The servers of
// a cloud's regions keep RPCs together (beside); two connected RPCs are
// one model peering attachment between their DRGs that exchanges the
// DRGs' VCN routes (model.TransitGatewayPeer.ExchangeRoutes), associated
// on each side with the DRG's table for RPC attachments.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/RemotePeeringConnection/ — RemotePeeringConnection: drgId, peerId, peerRegionName, peerTenancyId, isCrossTenancyPeering, peeringStatus INVALID, NEW, PENDING, PEERED, REVOKED
type remotePeering struct {
	shared
	DrgID                 string `json:"drgId"`
	IsCrossTenancyPeering bool   `json:"isCrossTenancyPeering"`
	PeerID                string `json:"peerId,omitempty"`
	PeerRegionName        string `json:"peerRegionName,omitempty"`
	PeerTenancyID         string `json:"peerTenancyId,omitempty"`
	PeeringStatus         string `json:"peeringStatus"`
	tenancy, region       string
	// attachment is the model peering attachment once connected, and
	// drgAttachment this side's DRG attachment (the model attachment on
	// the requester's side, a derived OCID on the accepter's).
	attachment, drgAttachment string
	// pending is how many GETs still see PENDING after a connect.
	pending int
}

// rpcs are the RPCs of every region.
type rpcs struct {
	mu   sync.Mutex
	byID map[string]*remotePeering
}

// Peering statuses of an RPC.
const (
	peeringNew     = "NEW"
	peeringPending = "PENDING"
	peeringPeered  = "PEERED"
	peeringRevoked = "REVOKED"
)

// maxRPCsPerDrg is how many RPCs a DRG may have.
// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/servicelimits.htm — 10 remote peering connections per DRG
const maxRPCsPerDrg = 10

// typeRPC is an RPC attachment's type.
const typeRPC = "REMOTE_PEERING_CONNECTION"

func (s *Server) remotePeerings() *kind {
	return &kind{noun: "RemotePeeringConnection", get: s.getRPC, create: s.createRPC, update: s.updateRPC, remove: s.deleteRPC,
		poll: s.pollRPC,
		more: map[string]func(q *request, id string) *apiError{"POST actions/connect": s.connectRPC},
		list: func(tenancy string) []resource {
			var out []resource
			for _, r := range s.rpcList(tenancy, s.cfg.Region) {
				out = append(out, r)
			}
			return out
		},
		// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/RemotePeeringConnection/ListRemotePeeringConnections — compartmentId; drgId filters
		match: func(q *request, r resource) bool {
			return !q.URL.Query().Has("drgId") || r.(*remotePeering).DrgID == q.URL.Query().Get("drgId")
		}}
}

// rpcList returns copies of a tenancy's RPCs of a region (every
// region's for "").
func (s *Server) rpcList(tenancy, region string) []*remotePeering {
	s.rpcs.mu.Lock()
	defer s.rpcs.mu.Unlock()
	var out []*remotePeering
	for _, r := range s.rpcs.byID {
		if r.tenancy == tenancy && (region == "" || r.region == region) {
			c := *r
			c.FreeformTags = maps.Clone(r.FreeformTags)
			out = append(out, &c)
		}
	}
	return out
}

// rpcIn returns an RPC of the tenancy in a region ("" for any).
func (s *Server) rpcIn(tenancy, region, id string) (*remotePeering, bool) {
	for _, r := range s.rpcList(tenancy, region) {
		if r.ID == id {
			return r, true
		}
	}
	return nil, false
}

func (s *Server) getRPC(tenancy, id string) (resource, bool) {
	r, ok := s.rpcIn(tenancy, s.cfg.Region, id)
	return r, ok
}

// changeRPC applies f to a kept RPC.
func (s *Server) changeRPC(id string, f func(r *remotePeering)) {
	s.rpcs.mu.Lock()
	defer s.rpcs.mu.Unlock()
	if r, ok := s.rpcs.byID[id]; ok {
		f(r)
	}
}

// pollRPC advances a connected RPC from PENDING to PEERED as clients
// poll it.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/scenario_e.htm — after the connection is made the RPCs show PENDING, then PEERED
func (s *Server) pollRPC(_, id string) {
	s.changeRPC(id, func(r *remotePeering) {
		if r.PeeringStatus != peeringPending {
			return
		}
		if r.pending--; r.pending < 0 {
			r.PeeringStatus = peeringPeered
		}
	})
}

// createRPC makes a DRG's RPC, NEW until connected.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateRemotePeeringConnectionDetails — compartmentId, drgId, displayName
func (s *Server) createRPC(q *request) (string, *apiError) {
	var d struct {
		updateDetails
		CompartmentID string `json:"compartmentId"`
		DrgID         string `json:"drgId"`
	}
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	if err := s.checkCompartment(q, d.CompartmentID); err != nil {
		return "", err
	}
	g, ok := s.drgIn(q.tenancy, d.DrgID)
	if !ok || g.Region != s.cfg.Region {
		return "", notFound("Drg", d.DrgID)
	}
	n := 0
	for _, r := range s.rpcList(q.tenancy, "") {
		if r.DrgID == d.DrgID {
			n++
		}
	}
	if n >= maxRPCsPerDrg {
		return "", fail(http.StatusBadRequest, codeLimitExceeded, "The DRG %s has %d remote peering connections, the most it can have", d.DrgID, maxRPCsPerDrg)
	}
	tags := d.FreeformTags
	if tags == nil {
		tags = map[string]string{}
	}
	id := model.OCIID("remotepeeringconnection", s.cfg.Region)
	r := &remotePeering{shared: shared{ID: id, CompartmentID: d.CompartmentID, DisplayName: s.nameOr(d.DisplayName, "remotepeeringconnection"),
		TimeCreated: s.now().UTC().Format(time.RFC3339Nano), FreeformTags: tags, DefinedTags: map[string]map[string]any{}},
		DrgID: d.DrgID, PeeringStatus: peeringNew, tenancy: q.tenancy, region: s.cfg.Region}
	s.rpcs.mu.Lock()
	if s.rpcs.byID == nil {
		s.rpcs.byID = map[string]*remotePeering{}
	}
	s.rpcs.byID[id] = r
	s.rpcs.mu.Unlock()
	return id, nil
}

// drgIn returns a live DRG of the tenancy, in whatever region.
func (s *Server) drgIn(tenancy, id string) (model.TransitGateway, bool) {
	for _, g := range s.cloud.TransitGateways(tenancy) {
		if g.ID == id && g.State != model.StateDeleted {
			return g, true
		}
	}
	return model.TransitGateway{}, false
}

func (s *Server) updateRPC(q *request, id string) *apiError {
	var d updateDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	s.changeRPC(id, func(r *remotePeering) {
		if d.DisplayName != nil {
			r.DisplayName = *d.DisplayName
		}
		if d.FreeformTags != nil {
			r.FreeformTags = d.FreeformTags
		}
	})
	return nil
}

// connectRPC connects an RPC to a NEW RPC of a DRG in another region:
// the model peering attachment is made and accepted, associated on each
// side with the DRG's default table for RPC attachments, and both RPCs
// are PENDING, then PEERED.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/RemotePeeringConnection/ConnectRemotePeeringConnections — peerId, peerRegionName (both required)
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/scenario_e.htm — an RPC connects to one RPC of a DRG in another region; each DRG then has an attachment of type REMOTE_PEERING_CONNECTION
func (s *Server) connectRPC(q *request, id string) *apiError {
	var d struct {
		PeerID         string `json:"peerId"`
		PeerRegionName string `json:"peerRegionName"`
	}
	if err := decode(q.body, &d); err != nil {
		return err
	}
	if d.PeerID == "" || d.PeerRegionName == "" {
		return fail(http.StatusBadRequest, codeMissingParameter, "peerId and peerRegionName are required")
	}
	a, _ := s.rpcIn(q.tenancy, s.cfg.Region, id)
	b, ok := s.rpcIn(q.tenancy, d.PeerRegionName, d.PeerID)
	switch {
	case !ok:
		return notFound("RemotePeeringConnection", d.PeerID)
	case b.region == a.region:
		return invalid("The RPCs %s and %s are in one region (%s): remote peering connects two regions", a.ID, b.ID, a.region)
	case a.PeeringStatus != peeringNew || b.PeeringStatus != peeringNew:
		return fail(http.StatusConflict, codeConflict, "An RPC connects to one other RPC: %s is %s and %s is %s", a.ID, a.PeeringStatus, b.ID, b.PeeringStatus)
	}
	ga, _ := s.drgIn(q.tenancy, a.DrgID)
	gb, _ := s.drgIn(q.tenancy, b.DrgID)
	att, err := s.cloud.CreateTransitGatewayPeeringAttachmentAt(q.tenancy, model.Place{Scope: a.CompartmentID},
		model.TGWPeeringRequest{TransitGatewayID: ga.ID, PeerTransitGatewayID: gb.ID, ExchangeRoutes: true}, nil)
	if err != nil {
		return fromModel(err)
	}
	undo := func(err error) *apiError {
		_, _ = s.cloud.DeleteTransitGatewayPeeringAttachment(q.tenancy, att.ID)
		return fromModel(err)
	}
	if _, err := s.cloud.AcceptTransitGatewayPeeringAttachment(q.tenancy, att.ID); err != nil {
		return undo(err)
	}
	for _, g := range []model.TransitGateway{ga, gb} {
		if err := s.cloud.AssociateTransitGatewayRouteTable(q.tenancy, g.Attrs[attrRTOther], att.ID); err != nil {
			return undo(err)
		}
	}
	s.setAttrs(q, att.ID, map[string]string{attrName: "remote peering attachment"})
	for _, x := range []struct{ self, peer *remotePeering }{{a, b}, {b, a}} {
		side := att.ID
		if x.self == b {
			side = accepterAttachment(att.ID, b.region)
		}
		s.changeRPC(x.self.ID, func(r *remotePeering) {
			r.PeerID, r.PeerRegionName, r.PeerTenancyID, r.PeeringStatus, r.pending = x.peer.ID, x.peer.region, x.peer.tenancy, peeringPending, 1
			r.attachment, r.drgAttachment = att.ID, side
		})
	}
	s.syncDrg(q.tenancy, ga.ID)
	s.syncDrg(q.tenancy, gb.ID)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// accepterAttachment is the OCID of the accepter's DRG attachment of a
// model peering attachment: the model holds one attachment, OCI one per
// DRG.
func accepterAttachment(attID, region string) string {
	h := sha256.Sum256([]byte(attID + "\x00accepter"))
	return "ocid1.drgattachment." + model.OCIRealm + "." + region + "." + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:]))
}

// deleteRPC deletes an RPC; a connected one takes the peering attachment
// with it and its peer is REVOKED.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/scenario_e.htm — deleting either RPC ends the peering; the other RPC shows REVOKED
func (s *Server) deleteRPC(q *request, id string) *apiError {
	r, _ := s.rpcIn(q.tenancy, s.cfg.Region, id)
	if r.attachment != "" {
		if _, err := s.cloud.DeleteTransitGatewayPeeringAttachment(q.tenancy, r.attachment); err != nil {
			return fromModel(err)
		}
		s.changeRPC(r.PeerID, func(p *remotePeering) {
			p.PeeringStatus, p.PeerID, p.PeerRegionName, p.PeerTenancyID, p.attachment, p.drgAttachment = peeringRevoked, "", "", "", "", ""
		})
	}
	s.rpcs.mu.Lock()
	delete(s.rpcs.byID, id)
	s.rpcs.mu.Unlock()
	return nil
}

// rpcAttachments are the DRG attachments of the tenancy's connected RPCs
// in this region.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/RemotePeeringConnectionDrgAttachmentNetworkDetails — type REMOTE_PEERING_CONNECTION, id (the RPC)
func (s *Server) rpcAttachments(tenancy string) []*drgAttachment {
	var out []*drgAttachment
	for _, r := range s.rpcList(tenancy, s.cfg.Region) {
		if r.attachment == "" {
			continue
		}
		a, ok := s.attachment(tenancy, r.attachment)
		if !ok {
			continue
		}
		x := &drgAttachment{shared: s.commonOf(r.drgAttachment, a.Meta, a.Tags), DrgID: r.DrgID,
			NetworkDetails: &networkDetails{Type: typeRPC, ID: r.ID}}
		x.CompartmentID = r.CompartmentID
		if g, ok := s.drgIn(tenancy, r.DrgID); ok {
			x.DrgRouteTableID, x.ExportDistID = g.Attrs[attrRTOther], g.Attrs[attrExportDist]
		}
		out = append(out, x)
	}
	return out
}

// sideOf is the DRG attachment OCI shows for a model attachment in a
// table: for a peering attachment, the accepter's own where the table is
// the accepter DRG's.
func (s *Server) sideOf(a model.TransitGatewayAttachment, tableID string) string {
	if a.Kind != model.AttachPeering {
		return a.ID
	}
	for _, rt := range s.cloud.TransitGatewayRouteTables(a.Account) {
		if rt.ID == tableID && rt.TransitGatewayID == a.Peer.TransitGatewayID {
			return accepterAttachment(a.ID, a.Peer.Region)
		}
	}
	return a.ID
}
