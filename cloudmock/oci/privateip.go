package oci

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// privateIP is a PrivateIp on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/PrivateIp/ — PrivateIp: ipAddress, isPrimary, subnetId, vnicId, hostnameLabel, availabilityDomain
type privateIP struct {
	shared
	AvailabilityDomain string `json:"availabilityDomain,omitempty"`
	IPAddress          string `json:"ipAddress"`
	IsPrimary          bool   `json:"isPrimary"`
	SubnetID           string `json:"subnetId"`
	VnicID             string `json:"vnicId"`
	HostnameLabel      string `json:"hostnameLabel,omitempty"`
}

// createPrivateIP is CreatePrivateIpDetails (and UpdatePrivateIpDetails).
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreatePrivateIpDetails — vnicId, ipAddress (a free one of the subnet when absent), displayName, hostnameLabel
type createPrivateIP struct {
	updateDetails
	VnicID        string  `json:"vnicId"`
	IPAddress     string  `json:"ipAddress"`
	HostnameLabel *string `json:"hostnameLabel"`
}

// maxSecondaryIPs is how many secondary private IPs a VNIC may have.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPaddresses.htm — up to 31 secondary private IPs per VNIC
const maxSecondaryIPs = 31

// privateIPID is the OCID of one address of a VNIC: the same for the
// address's whole life on the VNIC, made from both.
func privateIPID(region, vnicID string, a netip.Addr) string {
	h := sha256.Sum256([]byte(vnicID + "\x00" + a.String()))
	return "ocid1.privateip." + model.OCIRealm + "." + region + "." + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:]))
}

// pipAttr is the VNIC attribute that holds one of an address's fields.
func pipAttr(a netip.Addr, field string) string { return "privateIp/" + a.String() + "/" + field }

func (s *Server) privateIPs() *kind {
	return &kind{noun: "PrivateIp", get: s.getPrivateIP, create: s.createPrivateIP, update: s.updatePrivateIP, remove: s.deletePrivateIP,
		list: func(tenancy string) []resource {
			var out []resource
			for _, e := range s.cloud.NetworkInterfaces(tenancy) {
				for _, a := range e.Addrs() {
					out = append(out, s.privateIPOut(e, a))
				}
			}
			return out
		},
		// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/PrivateIp/ListPrivateIps — by subnetId or vnicId, and ipAddress with subnetId
		match: func(q *request, r resource) bool {
			p, qv := r.(*privateIP), q.URL.Query()
			return (!qv.Has("subnetId") || p.SubnetID == qv.Get("subnetId")) && (!qv.Has("vnicId") || p.VnicID == qv.Get("vnicId")) &&
				(!qv.Has("ipAddress") || p.IPAddress == qv.Get("ipAddress"))
		}}
}

// findPrivateIP is the VNIC and address an OCID names.
func (s *Server) findPrivateIP(tenancy, id string) (model.NetworkInterface, netip.Addr, bool) {
	for _, e := range s.cloud.NetworkInterfaces(tenancy) {
		for _, a := range e.Addrs() {
			if privateIPID(e.Region, e.ID, a) == id {
				return e, a, true
			}
		}
	}
	return model.NetworkInterface{}, netip.Addr{}, false
}

func (s *Server) getPrivateIP(tenancy, id string) (resource, bool) {
	e, a, ok := s.findPrivateIP(tenancy, id)
	if !ok {
		return nil, false
	}
	return s.privateIPOut(e, a), true
}

func (s *Server) privateIPOut(e model.NetworkInterface, a netip.Addr) *privateIP {
	primary := a == e.PrivateIP
	out := &privateIP{shared: shared{ID: privateIPID(e.Region, e.ID, a), CompartmentID: e.Scope, DisplayName: e.Attrs[pipAttr(a, attrName)],
		TimeCreated: e.Attrs[pipAttr(a, attrCreated)], FreeformTags: map[string]string{}, DefinedTags: map[string]map[string]any{}},
		AvailabilityDomain: e.Attrs[attrAD], IPAddress: a.String(), IsPrimary: primary, SubnetID: e.SubnetID, VnicID: e.ID,
		HostnameLabel: e.Attrs[pipAttr(a, attrHostname)]}
	if primary {
		out.DisplayName, out.TimeCreated, out.HostnameLabel = e.Attrs[attrName], e.Attrs[attrCreated], e.Attrs[attrHostname]
	}
	_ = json.Unmarshal([]byte(e.Attrs[pipAttr(a, "freeformTags")]), &out.FreeformTags)
	return out
}

// listPrivateIPs answers ListPrivateIps, which names a subnet or a VNIC
// instead of a compartment.
func (s *Server) listPrivateIPs(q *request, k *kind) *apiError {
	qv := q.URL.Query()
	if !qv.Has("subnetId") && !qv.Has("vnicId") {
		return fail(http.StatusBadRequest, codeMissingParameter, "subnetId or vnicId is required")
	}
	k.listBy = "subnetId"
	if !qv.Has("subnetId") {
		k.listBy = "vnicId"
	}
	return s.listKind(q, k)
}

// createPrivateIP gives a VNIC a secondary private IP.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPaddresses.htm — a secondary private IP is from the VNIC's subnet
func (s *Server) createPrivateIP(q *request) (string, *apiError) {
	var d createPrivateIP
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	if d.VnicID == "" {
		return "", fail(http.StatusBadRequest, codeMissingParameter, "vnicId is required")
	}
	e, err := s.cloud.NetworkInterface(q.tenancy, d.VnicID)
	if err != nil {
		return "", notFound("Vnic", d.VnicID)
	}
	if len(e.SecondaryIPs) >= maxSecondaryIPs {
		return "", fail(http.StatusBadRequest, codeLimitExceeded, "The VNIC %s has %d secondary private IPs, the most it can have", e.ID, maxSecondaryIPs)
	}
	var want []netip.Addr
	count := 1
	if d.IPAddress != "" {
		a, err := netip.ParseAddr(d.IPAddress)
		if err != nil || !a.Is4() {
			return "", invalid("ipAddress '%s' is not an IPv4 address", clip(d.IPAddress))
		}
		want, count = []netip.Addr{a}, 0
	}
	if d.HostnameLabel != nil && *d.HostnameLabel != "" && !hostnameRE.MatchString(*d.HostnameLabel) {
		return "", invalid("hostnameLabel '%s' is not a valid hostname label", clip(*d.HostnameLabel))
	}
	got, err := s.cloud.AssignPrivateIPs(q.tenancy, e.ID, want, count, false)
	if err != nil {
		return "", fromModel(err)
	}
	id := privateIPID(e.Region, e.ID, got[0])
	if err := s.pipFields(q, e.ID, got[0], d, true); err != nil {
		return "", err
	}
	return id, nil
}

// pipFields keeps a secondary address's names and tags on its VNIC.
func (s *Server) pipFields(q *request, vnicID string, a netip.Addr, d createPrivateIP, created bool) *apiError {
	attrs := map[string]string{}
	if created {
		attrs[pipAttr(a, attrCreated)] = s.now().UTC().Format("2006-01-02T15:04:05.000Z")
		attrs[pipAttr(a, attrName)] = s.nameOr(d.DisplayName, "privateip")
	} else if d.DisplayName != nil {
		attrs[pipAttr(a, attrName)] = *d.DisplayName
	}
	if d.HostnameLabel != nil {
		attrs[pipAttr(a, attrHostname)] = *d.HostnameLabel
	}
	if d.FreeformTags != nil {
		b, _ := json.Marshal(d.FreeformTags)
		attrs[pipAttr(a, "freeformTags")] = string(b)
	}
	return modelErr(s.cloud.SetAttrs(q.tenancy, vnicID, attrs))
}

// updatePrivateIP renames a private IP; moving it to another VNIC is not
// served.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/PrivateIp/UpdatePrivateIp — displayName, hostnameLabel, freeformTags, vnicId (moves a secondary IP)
func (s *Server) updatePrivateIP(q *request, id string) *apiError {
	var d createPrivateIP
	if err := decode(q.body, &d); err != nil {
		return err
	}
	e, a, _ := s.findPrivateIP(q.tenancy, id)
	if d.VnicID != "" && d.VnicID != e.ID {
		return invalid("vnicId: moving a private IP to another VNIC is not served in the lab")
	}
	if a == e.PrivateIP {
		u := updateVnic{updateDetails: d.updateDetails, HostnameLabel: d.HostnameLabel}
		b, _ := json.Marshal(u)
		q.body = b
		return s.updateVnic(q, e.ID)
	}
	return s.pipFields(q, e.ID, a, d, false)
}

// deletePrivateIP removes a secondary private IP: its ephemeral public
// IP is deleted, a reserved one unassigned.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/PrivateIp/DeletePrivateIp — a VNIC's primary private IP cannot be deleted; it goes with the VNIC
func (s *Server) deletePrivateIP(q *request, id string) *apiError {
	e, a, _ := s.findPrivateIP(q.tenancy, id)
	if a == e.PrivateIP {
		return invalid("The private IP %s is the primary private IP of the VNIC %s and cannot be deleted", id, e.ID)
	}
	s.releaseVnicEphemeral(q.tenancy, e, a)
	return modelErr(s.cloud.UnassignPrivateIPs(q.tenancy, e.ID, []netip.Addr{a}))
}
