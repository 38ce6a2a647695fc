package azure

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// erPeeringBody is a circuit's peering on the wire.
type erPeeringBody struct {
	ID         string         `json:"id,omitempty"`
	Name       string         `json:"name,omitempty"`
	Type       string         `json:"type,omitempty"`
	Etag       string         `json:"etag,omitempty"`
	Properties erPeeringProps `json:"properties"`
}

type erPeeringProps struct {
	PeeringType                string `json:"peeringType,omitempty"`
	State                      string `json:"state,omitempty"`
	AzureASN                   *int64 `json:"azureASN,omitempty"`
	PeerASN                    *int64 `json:"peerASN,omitempty"`
	PrimaryPeerAddressPrefix   string `json:"primaryPeerAddressPrefix,omitempty"`
	SecondaryPeerAddressPrefix string `json:"secondaryPeerAddressPrefix,omitempty"`
	PrimaryAzurePort           string `json:"primaryAzurePort,omitempty"`
	SecondaryAzurePort         string `json:"secondaryAzurePort,omitempty"`
	SharedKey                  string `json:"sharedKey,omitempty"` // read, never written back
	VlanID                     *int32 `json:"vlanId,omitempty"`
	GatewayManagerEtag         string `json:"gatewayManagerEtag"`
	LastModifiedBy             string `json:"lastModifiedBy,omitempty"`
	ProvisioningState          string `json:"provisioningState,omitempty"`
}

// privatePeering is the one peering the lab models, by name and type.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-circuit-peerings — Azure private peering connects to virtual networks; Microsoft peering reaches Microsoft's public services
const privatePeering = "AzurePrivatePeering"

// azureASN is Microsoft's side of every ExpressRoute BGP session.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-routing#autonomous-system-numbers — Microsoft uses AS 12076 for Azure private and Microsoft peering
const azureASN = 12076

// peeringOf is a circuit's private peering, if it has one.
func peeringOf(x model.DXConnection) (erPeeringProps, bool) {
	var p erPeeringProps
	raw := x.Meta.Attrs[attrPeering]
	return p, raw != "" && json.Unmarshal([]byte(raw), &p) == nil
}

// erPeeringOut renders a circuit's private peering, its shared key left
// out as Azure leaves it out.
func erPeeringOut(circuit string, p erPeeringProps) erPeeringBody {
	asn := int64(azureASN)
	p.PeeringType, p.State, p.AzureASN, p.SharedKey = privatePeering, "Enabled", &asn, ""
	p.PrimaryAzurePort, p.SecondaryAzurePort, p.LastModifiedBy, p.ProvisioningState = "mcnlab-primary", "mcnlab-secondary", "Customer", "Succeeded"
	b := erPeeringBody{ID: circuit + "/peerings/" + privatePeering, Name: privatePeering, Type: circuitType + "/peerings", Properties: p}
	b.Etag = etagOf(b)
	return b
}

// planPeering checks a private peering: its name and type, a peer ASN,
// two /30 IPv4 prefixes that do not overlap, and a VLAN.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-routing#ip-addresses-used-for-azure-private-peering — a /30 for the primary and one for the secondary link; your router takes the first usable address of each, Microsoft the second
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-howto-routing-arm — peerASN, primaryPeerAddressPrefix, secondaryPeerAddressPrefix, vlanId
func planPeering(circuit, name string, p erPeeringProps) (erPeeringProps, error) {
	bad := func(format string, args ...any) (erPeeringProps, error) {
		return p, fail(http.StatusBadRequest, "InvalidRequestFormat", "Peering %s/peerings/%s: "+format, append([]any{clip(circuit), clip(name)}, args...)...)
	}
	if !strings.EqualFold(name, privatePeering) || (p.PeeringType != "" && !strings.EqualFold(p.PeeringType, privatePeering)) {
		return bad("the lab models the %s peering only, not '%s' of type '%s'.", privatePeering, clip(name), clip(p.PeeringType))
	}
	if p.PeerASN == nil || *p.PeerASN < 1 || *p.PeerASN > 4294967295 {
		return bad("peerASN must be between 1 and 4294967295.")
	}
	if p.VlanID == nil || *p.VlanID < 1 || *p.VlanID > 4094 {
		return bad("vlanId must be between 1 and 4094.")
	}
	var pfx [2]netip.Prefix
	for i, s := range []string{p.PrimaryPeerAddressPrefix, p.SecondaryPeerAddressPrefix} {
		a, err := netip.ParsePrefix(s)
		if err != nil || !a.Addr().Is4() || a.Bits() != 30 || a.Masked() != a {
			return bad("'%s' is not a /30 IPv4 prefix; primaryPeerAddressPrefix and secondaryPeerAddressPrefix are /30s.", clip(s))
		}
		pfx[i] = a
	}
	if pfx[0].Overlaps(pfx[1]) {
		return bad("the primary and secondary /30s %s and %s overlap.", pfx[0], pfx[1])
	}
	p.PeeringType = privatePeering
	return p, nil
}

// setPeering sets (or with nil clears) a circuit's private peering and
// moves the virtual interfaces of its connections onto the new one.
func (s *Server) setPeering(x model.DXConnection, p *erPeeringProps) error {
	conns := s.erConnsOn(x)
	if p == nil && len(conns) > 0 {
		return fail(http.StatusBadRequest, "InUseResourceCannotBeDeleted",
			"Peering %s/peerings/%s is used by connection %s.", circuitID(x), privatePeering, conns[0].ID)
	}
	raw := ""
	if p != nil {
		b, _ := json.Marshal(p)
		raw = string(b)
	}
	if err := s.cloud.SetAttrs(x.Account, x.ID, map[string]string{attrPeering: raw}); err != nil {
		return err
	}
	if p == nil {
		return nil
	}
	for _, v := range conns {
		if err := s.relinkERConn(v, *p); err != nil {
			return err
		}
	}
	return nil
}

// setInlinePeerings applies a circuit body's peerings: none, or the
// private peering.
func (s *Server) setInlinePeerings(x model.DXConnection, in []erPeeringBody) error {
	if len(in) == 0 {
		if _, ok := peeringOf(x); !ok {
			return nil
		}
		return s.setPeering(x, nil)
	}
	if len(in) > 1 {
		return fail(http.StatusBadRequest, "InvalidRequestFormat", "ExpressRoute circuit %s: the lab models the %s peering only.", circuitID(x), privatePeering)
	}
	p, err := planPeering(circuitID(x), in[0].Name, in[0].Properties)
	if err != nil {
		return err
	}
	return s.setPeering(x, &p)
}

// serveCircuitChild answers .../expressRouteCircuits/C/peerings[/NAME].
func (s *Server) serveCircuitChild(q *request, group, circuit, typ, name string) {
	x, err := s.circuitByName(q.sub, group, circuit)
	if err != nil {
		writeError(q.w, err)
		return
	}
	if lower(typ) == "authorizations" {
		s.serveCircuitAuth(q, x, name)
		return
	}
	id := circuitID(x)
	p, has := peeringOf(x)
	switch {
	case name == "" && q.Method == http.MethodGet:
		var items []any
		if has {
			items = append(items, erPeeringOut(id, p))
		}
		s.page(q, items)
	case name == "":
		methodNotAllowed(q)
	case q.Method == http.MethodGet && has && strings.EqualFold(name, privatePeering):
		writeJSON(q.w, http.StatusOK, erPeeringOut(id, p))
	case q.Method == http.MethodGet:
		writeError(q.w, childNotFound(id+"/peerings/"+name))
	case q.Method == http.MethodPut:
		s.putERPeering(q, x, name, has)
	case q.Method == http.MethodDelete && !(has && strings.EqualFold(name, privatePeering)):
		deleteDone(q, "", false)
	case q.Method == http.MethodDelete:
		if err := s.setPeering(x, nil); err != nil {
			writeError(q.w, err)
			return
		}
		deleteDone(q, x.Meta.Attrs[attrLocation], true)
	default:
		methodNotAllowed(q)
	}
}

// putERPeering creates or updates a circuit's private peering.
// Azure: https://learn.microsoft.com/en-us/rest/api/expressroute/express-route-circuit-peerings/create-or-update — 201 when created, 200 when updated
func (s *Server) putERPeering(q *request, x model.DXConnection, name string, had bool) {
	var in erPeeringBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	p, err := planPeering(circuitID(x), name, in.Properties)
	if err == nil {
		err = s.setPeering(x, &p)
	}
	if err != nil {
		writeError(q.w, err)
		return
	}
	putDone(q, !had, x.Meta.Attrs[attrLocation], erPeeringOut(circuitID(x), p))
}
