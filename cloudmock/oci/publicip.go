package oci

import (
	"net/http"
	"net/netip"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// publicIP is a PublicIp on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/PublicIp/ — PublicIp: ipAddress, lifetime EPHEMERAL or RESERVED, scope REGION or AVAILABILITY_DOMAIN, privateIpId, assignedEntityId, assignedEntityType
type publicIP struct {
	shared
	AvailabilityDomain string `json:"availabilityDomain,omitempty"`
	IPAddress          string `json:"ipAddress"`
	Lifetime           string `json:"lifetime"`
	Scope              string `json:"scope"`
	PrivateIPID        string `json:"privateIpId,omitempty"`
	AssignedEntityID   string `json:"assignedEntityId,omitempty"`
	AssignedEntityType string `json:"assignedEntityType,omitempty"`
}

// publicIPDetails is CreatePublicIpDetails and UpdatePublicIpDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreatePublicIpDetails — compartmentId, lifetime, privateIpId (required for EPHEMERAL), displayName
type publicIPDetails struct {
	updateDetails
	CompartmentID string  `json:"compartmentId"`
	Lifetime      string  `json:"lifetime"`
	PrivateIPID   *string `json:"privateIpId"`
}

// Public IP lifetimes and scopes.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingpublicIPs.htm — ephemeral public IPs are AD-scoped and live with their private IP; reserved ones are regional and persist until deleted
const (
	lifetimeEphemeral = "EPHEMERAL"
	lifetimeReserved  = "RESERVED"
	scopeRegion       = "REGION"
	scopeAD           = "AVAILABILITY_DOMAIN"
)

func (s *Server) publicIPs() *kind {
	return &kind{noun: "PublicIp", get: s.getPublicIP, create: s.createPublicIP, update: s.updatePublicIP, remove: s.deletePublicIP,
		// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/PublicIp/ — lifecycleState AVAILABLE (unassigned), ASSIGNED
		live: func(r resource) string {
			if r.(*publicIP).PrivateIPID != "" {
				return "ASSIGNED"
			}
			return ""
		},
		list: func(tenancy string) []resource {
			var out []resource
			for _, p := range s.cloud.ElasticIPs(tenancy) {
				if p.Attrs[attrLifetime] != "" {
					out = append(out, s.publicIPOut(tenancy, p))
				}
			}
			return out
		},
		// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/PublicIp/ListPublicIps — scope (required), compartmentId, availabilityDomain (with AVAILABILITY_DOMAIN), lifetime
		match: func(q *request, r resource) bool {
			p, qv := r.(*publicIP), q.URL.Query()
			return p.Scope == qv.Get("scope") && (!qv.Has("lifetime") || p.Lifetime == qv.Get("lifetime")) &&
				(!qv.Has("availabilityDomain") || p.AvailabilityDomain == qv.Get("availabilityDomain"))
		}}
}

// listPublicIPs answers ListPublicIps, which needs a scope.
func (s *Server) listPublicIPs(q *request, k *kind) *apiError {
	switch sc := q.URL.Query().Get("scope"); sc {
	case scopeRegion:
	case scopeAD:
		if q.URL.Query().Get("availabilityDomain") == "" {
			return fail(http.StatusBadRequest, codeMissingParameter, "availabilityDomain is required with scope AVAILABILITY_DOMAIN")
		}
	case "":
		return fail(http.StatusBadRequest, codeMissingParameter, "scope is required")
	default:
		return invalid("scope '%s' must be REGION or AVAILABILITY_DOMAIN", clip(sc))
	}
	return s.listKind(q, k)
}

func (s *Server) getPublicIP(tenancy, id string) (resource, bool) {
	p, err := s.cloud.ElasticIP(tenancy, id)
	if err != nil || p.Attrs[attrLifetime] == "" {
		return nil, false
	}
	return s.publicIPOut(tenancy, p), true
}

// eipPrivate is the private address of the VNIC that a public IP maps to.
func eipPrivate(e model.NetworkInterface, p model.ElasticIP) netip.Addr {
	if p.PrivateIP.IsValid() {
		return p.PrivateIP
	}
	return e.PrivateIP
}

func (s *Server) publicIPOut(tenancy string, p model.ElasticIP) *publicIP {
	out := &publicIP{shared: s.commonOf(p.ID, p.Meta, p.Tags), IPAddress: p.PublicIP.String(), Lifetime: p.Attrs[attrLifetime], Scope: scopeRegion}
	if out.Lifetime == lifetimeEphemeral {
		out.Scope, out.AvailabilityDomain = scopeAD, p.Attrs[attrAD]
	}
	if p.Associate != "" {
		if e, err := s.cloud.NetworkInterface(tenancy, p.Associate); err == nil {
			out.PrivateIPID = privateIPID(e.Region, e.ID, eipPrivate(e, p))
			out.AssignedEntityID, out.AssignedEntityType = out.PrivateIPID, "PRIVATE_IP"
		}
	}
	return out
}

// assignable checks that a private IP may get a public IP: its subnet
// allows public IPs and it has none yet.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingpublicIPs.htm — a private IP has at most one public IP; a private subnet's VNICs cannot have public IPs
func (s *Server) assignable(tenancy, privateID string) (model.NetworkInterface, netip.Addr, *apiError) {
	e, a, ok := s.findPrivateIP(tenancy, privateID)
	if !ok {
		return e, a, notFound("PrivateIp", privateID)
	}
	if sn, err := s.cloud.Subnet(tenancy, e.SubnetID); err == nil {
		if prohibit, _ := strconv.ParseBool(sn.Attrs[attrProhib]); prohibit {
			return e, a, invalid("The private IP %s is in the subnet %s, which prohibits public IPs", privateID, sn.ID)
		}
	}
	for _, p := range s.cloud.ElasticIPs(tenancy) {
		if p.Associate == e.ID && eipPrivate(e, p) == a {
			return e, a, fail(http.StatusConflict, codeConflict, "The private IP %s already has the public IP %s", privateID, p.ID)
		}
	}
	return e, a, nil
}

// createPublicIP makes an ephemeral public IP for a private IP, or a
// reserved one, assigned or not.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/PublicIp/CreatePublicIp — lifetime EPHEMERAL needs privateIpId; RESERVED may have one
func (s *Server) createPublicIP(q *request) (string, *apiError) {
	var d publicIPDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	if err := s.checkCompartment(q, d.CompartmentID); err != nil {
		return "", err
	}
	if d.Lifetime != lifetimeEphemeral && d.Lifetime != lifetimeReserved {
		return "", invalid("lifetime '%s' must be EPHEMERAL or RESERVED", clip(d.Lifetime))
	}
	priv := ""
	if d.PrivateIPID != nil {
		priv = *d.PrivateIPID
	}
	if priv == "" {
		if d.Lifetime == lifetimeEphemeral {
			return "", fail(http.StatusBadRequest, codeMissingParameter, "privateIpId is required for an EPHEMERAL public IP")
		}
		return s.newPublicIP(q, d.CompartmentID, d.Lifetime, "", netip.Addr{}, "", d.updateDetails)
	}
	e, a, aerr := s.assignable(q.tenancy, priv)
	if aerr != nil {
		return "", aerr
	}
	// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreatePublicIpDetails — an ephemeral public IP is in the compartment of its private IP
	if d.Lifetime == lifetimeEphemeral && d.CompartmentID != e.Scope {
		return "", invalid("An ephemeral public IP must be in the compartment of its private IP, %s", e.Scope)
	}
	return s.newPublicIP(q, d.CompartmentID, d.Lifetime, e.ID, a, e.Attrs[attrAD], d.updateDetails)
}

// newPublicIP allocates a public IP in the region and assigns it to a
// VNIC's address (its primary one when a is invalid), when given, with
// the display name and freeform tags of d.
func (s *Server) newPublicIP(q *request, compartment, lifetime, vnicID string, a netip.Addr, ad string, d updateDetails) (string, *apiError) {
	p, err := s.cloud.AllocateAddressAt(q.tenancy, model.Place{Region: s.cfg.Region, Scope: compartment}, d.FreeformTags)
	if err != nil {
		return "", fromModel(err)
	}
	if vnicID != "" {
		if err := s.cloud.AssociateAddressTo(q.tenancy, p.ID, vnicID, a); err != nil {
			_ = s.cloud.ReleaseAddress(q.tenancy, p.ID)
			return "", fromModel(err)
		}
	}
	s.setAttrs(q, p.ID, map[string]string{attrName: s.nameOr(d.DisplayName, "publicip"), attrLifetime: lifetime, attrAD: ad})
	return p.ID, nil
}

// updatePublicIP renames a public IP or moves a reserved one: to another
// private IP, or off any ("" unassigns it).
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/PublicIp/UpdatePublicIp — privateIpId assigns, reassigns or (empty) unassigns a reserved public IP; an ephemeral one cannot be moved
func (s *Server) updatePublicIP(q *request, id string) *apiError {
	var d publicIPDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	p, err := s.cloud.ElasticIP(q.tenancy, id)
	if err != nil {
		return notFound("PublicIp", id)
	}
	if d.PrivateIPID != nil {
		cur := s.publicIPOut(q.tenancy, p).PrivateIPID
		switch {
		case *d.PrivateIPID == cur:
		case p.Attrs[attrLifetime] == lifetimeEphemeral:
			return invalid("The ephemeral public IP %s cannot be moved or unassigned; delete it instead", id)
		case *d.PrivateIPID == "":
			if err := s.cloud.DisassociateAddress(q.tenancy, id); err != nil {
				return fromModel(err)
			}
		default:
			e, a, aerr := s.assignable(q.tenancy, *d.PrivateIPID)
			if aerr != nil {
				return aerr
			}
			if cur != "" {
				if err := s.cloud.DisassociateAddress(q.tenancy, id); err != nil {
					return fromModel(err)
				}
			}
			if err := s.cloud.AssociateAddressTo(q.tenancy, id, e.ID, a); err != nil {
				return fromModel(err)
			}
		}
	}
	return s.applyUpdate(q, id, d.updateDetails)
}

// deletePublicIP unassigns and releases a public IP.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/PublicIp/DeletePublicIp — unassigns and deletes an ephemeral or reserved public IP
func (s *Server) deletePublicIP(q *request, id string) *apiError {
	p, err := s.cloud.ElasticIP(q.tenancy, id)
	if err != nil {
		return notFound("PublicIp", id)
	}
	if p.Associate != "" {
		if err := s.cloud.DisassociateAddress(q.tenancy, id); err != nil {
			return fromModel(err)
		}
	}
	return modelErr(s.cloud.ReleaseAddress(q.tenancy, id))
}

// publicIPBy answers GetPublicIpByPrivateIpId and GetPublicIpByIpAddress.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/PublicIp/GetPublicIpByPrivateIpId — the public IP assigned to a private IP
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/PublicIp/GetPublicIpByIpAddress — the public IP with an address
func (s *Server) publicIPBy(q *request, k *kind, action string) *apiError {
	var d struct {
		PrivateIPID string `json:"privateIpId"`
		IPAddress   string `json:"ipAddress"`
	}
	if err := decode(q.body, &d); err != nil {
		return err
	}
	for _, r := range k.list(q.tenancy) {
		p := r.(*publicIP)
		if (action == "getByPrivateIpId" && d.PrivateIPID != "" && p.PrivateIPID == d.PrivateIPID) ||
			(action == "getByIpAddress" && d.IPAddress != "" && p.IPAddress == d.IPAddress) {
			p.LifecycleState = s.state.lifecycle(p.ID, false)
			k.write(q.w, p)
			return nil
		}
	}
	if action == "getByPrivateIpId" {
		return notFound("PublicIp for private IP", d.PrivateIPID)
	}
	return notFound("PublicIp", d.IPAddress)
}
