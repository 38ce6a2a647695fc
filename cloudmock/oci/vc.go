package oci

import (
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// virtualCircuit is a VirtualCircuit on the wire: FastConnect private
// peering to a DRG over the lab's private line, colocated (the customer's
// router is on the line's far end). The servers keep circuits beside the
// model; a circuit with a gatewayId is attached to its DRG in the model
// (vcatt.go), where the dataplane records its BGP session.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — a private virtual circuit extends the on-premises network to a DRG; BGP between the customer's edge and Oracle's over each cross-connect mapping
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/VirtualCircuit/ — VirtualCircuit: type, gatewayId, crossConnectMappings, customerAsn, oracleBgpAsn, bgpSessionState UP/DOWN, serviceType, lifecycleState PROVISIONING, PROVISIONED, ...
type virtualCircuit struct {
	shared
	Type                 string         `json:"type"`
	BandwidthShapeName   string         `json:"bandwidthShapeName"`
	BgpManagement        string         `json:"bgpManagement"`
	BgpSessionState      string         `json:"bgpSessionState"`
	CrossConnectMappings []crossConnect `json:"crossConnectMappings"`
	CustomerAsn          int64          `json:"customerAsn,omitempty"`
	CustomerBgpAsn       int64          `json:"customerBgpAsn,omitempty"`
	GatewayID            string         `json:"gatewayId,omitempty"`
	OracleBgpAsn         int            `json:"oracleBgpAsn"`
	Region               string         `json:"region"`
	ServiceType          string         `json:"serviceType"`
	RoutingPolicy        []string       `json:"routingPolicy"`
	IPMtu                string         `json:"ipMtu"`
	IsBfdEnabled         bool           `json:"isBfdEnabled"`
	PublicPrefixes       []string       `json:"publicPrefixes,omitempty"`
	tenancy              string         // the owner
	attachment           string         // its DRG attachment's OCID, while it has a DRG (vcatt.go)
}

// crossConnect is a CrossConnectMapping.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CrossConnectMapping — crossConnectOrCrossConnectGroupId, customerBgpPeeringIp, oracleBgpPeeringIp (IPv4 /28 to /31), bgpMd5AuthKey, vlan
type crossConnect struct {
	CrossConnectID       string `json:"crossConnectOrCrossConnectGroupId,omitempty"`
	CustomerBgpPeeringIP string `json:"customerBgpPeeringIp,omitempty"`
	OracleBgpPeeringIP   string `json:"oracleBgpPeeringIp,omitempty"`
	BgpMd5AuthKey        string `json:"bgpMd5AuthKey,omitempty"`
	Vlan                 int    `json:"vlan,omitempty"`
}

// vcDetails is CreateVirtualCircuitDetails and UpdateVirtualCircuitDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateVirtualCircuitDetails — compartmentId, type (required), bandwidthShapeName, crossConnectMappings, customerAsn, gatewayId, providerServiceId, publicPrefixes
type vcDetails struct {
	updateDetails
	CompartmentID        string          `json:"compartmentId"`
	Type                 string          `json:"type"`
	BandwidthShapeName   *string         `json:"bandwidthShapeName"`
	CrossConnectMappings *[]crossConnect `json:"crossConnectMappings"`
	CustomerAsn          *int64          `json:"customerAsn"`
	CustomerBgpAsn       *int64          `json:"customerBgpAsn"`
	GatewayID            *string         `json:"gatewayId"`
	ProviderServiceID    string          `json:"providerServiceId"`
	PublicPrefixes       []struct {
		CidrBlock string `json:"cidrBlock"`
	} `json:"publicPrefixes"`
}

// vcs are the virtual circuits of every region.
type vcs struct {
	mu   sync.Mutex
	byID map[string]*virtualCircuit
}

// vcStates names the lifecycle states of a circuit.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — a colocated private virtual circuit goes PROVISIONING, then PROVISIONED
var vcStates = map[string]string{stateAvailable: "PROVISIONED"}

func (s *Server) virtualCircuits() *kind {
	return &kind{noun: "VirtualCircuit", states: vcStates, get: s.getVC, create: s.createVC, update: s.updateVC, remove: s.deleteVC,
		list: func(tenancy string) []resource {
			var out []resource
			for _, v := range s.vcList(tenancy) {
				out = append(out, v)
			}
			return out
		}}
}

// vcList returns copies of the tenancy's circuits of this region.
func (s *Server) vcList(tenancy string) []*virtualCircuit {
	s.vcs.mu.Lock()
	defer s.vcs.mu.Unlock()
	var out []*virtualCircuit
	for _, v := range s.vcs.byID {
		if v.tenancy == tenancy && v.Region == s.cfg.Region {
			c := *v
			c.FreeformTags = maps.Clone(v.FreeformTags)
			c.CrossConnectMappings = slices.Clone(v.CrossConnectMappings)
			c.BgpSessionState = s.vcSession(v)
			out = append(out, &c)
		}
	}
	return out
}

func (s *Server) getVC(tenancy, id string) (resource, bool) {
	for _, v := range s.vcList(tenancy) {
		if v.ID == id {
			return v, true
		}
	}
	return nil, false
}

// checkMappings checks a private circuit's cross-connect mappings: BGP
// peering addresses, customer's and Oracle's, two addresses of one
// IPv4 subnet of /28 to /31, and a VLAN from 100 to 16383.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CrossConnectMapping — customerBgpPeeringIp and oracleBgpPeeringIp: /28 to /31 addresses in one subnet; vlan 100-16383
func checkMappings(in []crossConnect) *apiError {
	for _, m := range in {
		c, err1 := netip.ParsePrefix(m.CustomerBgpPeeringIP)
		o, err2 := netip.ParsePrefix(m.OracleBgpPeeringIP)
		if err1 != nil || err2 != nil || !c.Addr().Is4() || c.Bits() < 28 || c.Bits() > 31 || c.Bits() != o.Bits() || c.Masked() != o.Masked() || c.Addr() == o.Addr() {
			return invalid("customerBgpPeeringIp '%s' and oracleBgpPeeringIp '%s' must be two IPv4 addresses of one /28 to /31 subnet",
				clip(m.CustomerBgpPeeringIP), clip(m.OracleBgpPeeringIP))
		}
		if m.Vlan != 0 && (m.Vlan < 100 || m.Vlan > 16383) {
			return invalid("vlan %d must be between 100 and 16383", m.Vlan)
		}
	}
	return nil
}

// checkASN checks the customer's BGP ASN.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — the customer's BGP ASN: 2-byte or 4-byte, not Oracle's 31898
func checkASN(asn int64) *apiError {
	if asn < 1 || asn > 4294967295 || asn == oracleASN {
		return invalid("customerAsn %d must be an ASN from 1 to 4294967295 other than Oracle's %d", asn, oracleASN)
	}
	return nil
}

// createVC makes a private virtual circuit, PROVISIONING until polled.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — a private virtual circuit names its DRG, the customer's BGP ASN and, per cross-connect, the BGP peering addresses and VLAN
func (s *Server) createVC(q *request) (string, *apiError) {
	var d vcDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	if err := s.checkCompartment(q, d.CompartmentID); err != nil {
		return "", err
	}
	switch {
	case d.Type == "":
		return "", fail(http.StatusBadRequest, codeMissingParameter, "type is required")
	case d.Type != "PRIVATE":
		return "", invalid("type '%s': only PRIVATE virtual circuits (private peering) are served here", clip(d.Type))
	case d.ProviderServiceID != "":
		return "", invalid("providerServiceId: the lab's private line is colocated; there are no FastConnect providers")
	}
	if d.CustomerAsn == nil {
		d.CustomerAsn = d.CustomerBgpAsn
	}
	if d.CustomerAsn == nil {
		return "", fail(http.StatusBadRequest, codeMissingParameter, "customerAsn is required for a private virtual circuit")
	}
	v := &virtualCircuit{shared: shared{CompartmentID: d.CompartmentID, DisplayName: s.nameOr(d.DisplayName, "virtualcircuit"),
		TimeCreated: s.now().UTC().Format(time.RFC3339Nano), FreeformTags: d.FreeformTags, DefinedTags: map[string]map[string]any{}},
		Type: d.Type, BandwidthShapeName: "1 Gbps", BgpManagement: "CUSTOMER_MANAGED", BgpSessionState: "DOWN", CrossConnectMappings: []crossConnect{},
		OracleBgpAsn: oracleASN, Region: s.cfg.Region, ServiceType: "COLOCATED", RoutingPolicy: []string{}, IPMtu: "MTU_1500", tenancy: q.tenancy}
	if v.FreeformTags == nil {
		v.FreeformTags = map[string]string{}
	}
	if err := s.applyVC(q, v, d); err != nil {
		return "", err
	}
	v.ID = model.OCIID("virtualcircuit", s.cfg.Region)
	if err := s.syncVCAttachment(q, v); err != nil {
		return "", err
	}
	s.vcs.mu.Lock()
	if s.vcs.byID == nil {
		s.vcs.byID = map[string]*virtualCircuit{}
	}
	s.vcs.byID[v.ID] = v
	s.vcs.mu.Unlock()
	return v.ID, nil
}

// applyVC checks and applies the changeable fields of a circuit.
func (s *Server) applyVC(q *request, v *virtualCircuit, d vcDetails) *apiError {
	if d.CustomerAsn == nil {
		d.CustomerAsn = d.CustomerBgpAsn
	}
	if d.CustomerAsn != nil {
		if err := checkASN(*d.CustomerAsn); err != nil {
			return err
		}
		v.CustomerAsn, v.CustomerBgpAsn = *d.CustomerAsn, *d.CustomerAsn
	}
	if d.CrossConnectMappings != nil {
		if err := checkMappings(*d.CrossConnectMappings); err != nil {
			return err
		}
		v.CrossConnectMappings = slices.Clone(*d.CrossConnectMappings)
	}
	if d.GatewayID != nil && *d.GatewayID != "" {
		if g, ok := s.drgIn(q.tenancy, *d.GatewayID); !ok || g.Region != s.cfg.Region {
			return notFound("Drg", *d.GatewayID)
		}
	}
	if d.GatewayID != nil {
		v.GatewayID = *d.GatewayID
	}
	if d.BandwidthShapeName != nil {
		v.BandwidthShapeName = *d.BandwidthShapeName
	}
	if d.DisplayName != nil {
		v.DisplayName = *d.DisplayName
	}
	if d.FreeformTags != nil {
		v.FreeformTags = d.FreeformTags
	}
	return nil
}

// updateVC changes a circuit's name, shape, mappings, ASN or DRG.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/UpdateVirtualCircuitDetails — bandwidthShapeName, crossConnectMappings, customerAsn, gatewayId, displayName
func (s *Server) updateVC(q *request, id string) *apiError {
	var d vcDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	r, _ := s.getVC(q.tenancy, id)
	v := r.(*virtualCircuit)
	if err := s.applyVC(q, v, d); err != nil {
		return err
	}
	if err := s.syncVCAttachment(q, v); err != nil {
		return err
	}
	s.vcs.mu.Lock()
	s.vcs.byID[id] = v
	s.vcs.mu.Unlock()
	return nil
}

func (s *Server) deleteVC(q *request, id string) *apiError {
	s.vcs.mu.Lock()
	v := s.vcs.byID[id]
	delete(s.vcs.byID, id)
	s.vcs.mu.Unlock()
	if v != nil {
		s.detachVC(q.tenancy, v)
	}
	return nil
}
