package oci

import (
	"net/http"
	"net/netip"
	"regexp"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// vcn is a VCN on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Vcn/ — Vcn
type vcn struct {
	shared
	CidrBlock             string   `json:"cidrBlock"`
	CidrBlocks            []string `json:"cidrBlocks"`
	DefaultDhcpOptionsID  string   `json:"defaultDhcpOptionsId,omitempty"`
	DefaultRouteTableID   string   `json:"defaultRouteTableId"`
	DefaultSecurityListID string   `json:"defaultSecurityListId"`
	DNSLabel              string   `json:"dnsLabel,omitempty"`
	VcnDomainName         string   `json:"vcnDomainName,omitempty"`
}

// Attribute keys the server keeps on model objects (Meta.Attrs).
const (
	attrName    = "displayName"
	attrCreated = "timeCreated"
	attrDNS     = "dnsLabel"
	attrProhib  = "prohibitPublicIpOnVnic"
	attrEnabled = "isEnabled"
)

// createVcn is CreateVcnDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateVcnDetails — compartmentId; cidrBlock or cidrBlocks (not both); displayName; dnsLabel; freeformTags
type createVcn struct {
	CompartmentID string            `json:"compartmentId"`
	CidrBlock     string            `json:"cidrBlock"`
	CidrBlocks    []string          `json:"cidrBlocks"`
	DisplayName   string            `json:"displayName"`
	DNSLabel      string            `json:"dnsLabel"`
	FreeformTags  map[string]string `json:"freeformTags"`
}

// updateDetails is the UpdateXDetails every kind of this package shares
// (displayName, freeformTags), and isEnabled of an internet gateway.
type updateDetails struct {
	DisplayName  *string           `json:"displayName"`
	FreeformTags map[string]string `json:"freeformTags"`
	IsEnabled    *bool             `json:"isEnabled"`
}

// dnsLabelRE is a valid DNS label of a VCN or subnet.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/dns.htm#About — a DNS label is alphanumeric, starts with a letter and has at most 15 characters
var dnsLabelRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]{0,14}$`)

func (s *Server) vcns() *kind {
	return &kind{noun: "Vcn", get: s.getVcn, create: s.createVcn, update: s.updateNamed, more: s.vcnActions(),
		remove: func(q *request, id string) *apiError {
			// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVCNs_topic-Overview_of_VCNs_and_Subnets.htm#Deleting — a VCN's gateways (LPGs too) must be deleted first
			for _, g := range s.lpgList(q.tenancy) {
				if g.VcnID == id {
					return fail(http.StatusConflict, codeConflict, "The VCN %s has the local peering gateway %s", id, g.ID)
				}
			}
			return modelErr(s.cloud.DeleteNetwork(q.tenancy, id))
		},
		list: func(tenancy string) []resource {
			var out []resource
			for _, n := range s.cloud.Networks(tenancy) {
				out = append(out, s.vcnOut(n))
			}
			return out
		}}
}

func (s *Server) getVcn(tenancy, id string) (resource, bool) {
	n, err := s.cloud.Network(tenancy, id)
	if err != nil {
		return nil, false
	}
	return s.vcnOut(n), true
}

func (s *Server) commonOf(id string, m model.Meta, tags map[string]string) shared {
	if tags == nil {
		tags = map[string]string{}
	}
	return shared{ID: id, CompartmentID: m.Scope, DisplayName: m.Attrs[attrName], TimeCreated: m.Attrs[attrCreated],
		FreeformTags: tags, DefinedTags: map[string]map[string]any{}}
}

func (s *Server) vcnOut(n model.Network) *vcn {
	v := &vcn{shared: s.commonOf(n.ID, n.Meta, n.Tags), DefaultDhcpOptionsID: n.DHCPOptionsID,
		DefaultRouteTableID: n.MainRouteTableID, DefaultSecurityListID: n.DefaultSecurityListID, DNSLabel: n.Attrs[attrDNS]}
	for _, b := range n.CIDRs {
		v.CidrBlocks = append(v.CidrBlocks, b.Prefix.String())
	}
	if len(v.CidrBlocks) > 0 {
		v.CidrBlock = v.CidrBlocks[0]
	}
	if v.DNSLabel != "" {
		// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/dns.htm#About — the VCN domain name is <dnsLabel>.oraclevcn.com
		v.VcnDomainName = v.DNSLabel + ".oraclevcn.com"
	}
	return v
}

// parseCIDR reads an IPv4 CIDR block of a request field.
func parseCIDR(field, v string) (netip.Prefix, *apiError) {
	p, err := netip.ParsePrefix(v)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, invalid("%s '%s' is not a valid IPv4 CIDR block", field, clip(v))
	}
	if p.Masked() != p {
		return netip.Prefix{}, invalid("%s '%s' is not a network address (%s)", field, v, p.Masked())
	}
	return p, nil
}

// createVcn makes a VCN with its CIDR blocks (up to five) and names its
// default objects after it.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVCNs_topic-Overview_of_VCNs_and_Subnets.htm — a VCN has one or more non-overlapping IPv4 CIDR blocks
func (s *Server) createVcn(q *request) (string, *apiError) {
	var d createVcn
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	if err := s.checkCompartment(q, d.CompartmentID); err != nil {
		return "", err
	}
	blocks := d.CidrBlocks
	switch {
	case d.CidrBlock != "" && len(d.CidrBlocks) > 0:
		return "", invalid("Only one of cidrBlock and cidrBlocks may be given")
	case d.CidrBlock != "":
		blocks = []string{d.CidrBlock}
	case len(blocks) == 0:
		return "", fail(http.StatusBadRequest, codeMissingParameter, "cidrBlock or cidrBlocks is required")
	}
	var prefixes []netip.Prefix
	for _, b := range blocks {
		p, err := parseCIDR("cidrBlock", b)
		if err != nil {
			return "", err
		}
		prefixes = append(prefixes, p)
	}
	if d.DNSLabel != "" && !dnsLabelRE.MatchString(d.DNSLabel) {
		return "", invalid("dnsLabel '%s' must be alphanumeric, start with a letter and have at most 15 characters", clip(d.DNSLabel))
	}
	n, err := s.cloud.CreateNetworkAt(q.tenancy, model.Place{Region: s.cfg.Region, Scope: d.CompartmentID}, prefixes[0], d.FreeformTags)
	if err != nil {
		return "", fromModel(err)
	}
	for _, p := range prefixes[1:] {
		if _, err := s.cloud.AddNetworkCIDR(q.tenancy, n.ID, p); err != nil {
			_ = s.cloud.DeleteNetwork(q.tenancy, n.ID)
			return "", fromModel(err)
		}
	}
	name := s.nameOr(&d.DisplayName, "vcn")
	s.setAttrs(q, n.ID, map[string]string{attrName: name, attrDNS: d.DNSLabel})
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVCNs_topic-Overview_of_VCNs_and_Subnets.htm#Default — the default components are named after the VCN
	s.setAttrs(q, n.MainRouteTableID, map[string]string{attrName: "Default Route Table for " + name})
	s.setAttrs(q, n.DefaultSecurityListID, map[string]string{attrName: "Default Security List for " + name})
	s.setAttrs(q, n.DHCPOptionsID, map[string]string{attrName: "Default DHCP Options for " + name})
	return n.ID, nil
}

// placement is where a new resource of a VCN goes.
type placement struct {
	CompartmentID string `json:"compartmentId"`
	VcnID         string `json:"vcnId"`
}

// inVcn checks a new resource's compartment and returns its VCN.
func (s *Server) inVcn(q *request, p placement) (model.Network, *apiError) {
	if err := s.checkCompartment(q, p.CompartmentID); err != nil {
		return model.Network{}, err
	}
	n, err := s.cloud.Network(q.tenancy, p.VcnID)
	if err != nil {
		return model.Network{}, notFound("Vcn", p.VcnID)
	}
	return n, nil
}

// nameOr is a new resource's display name: the one given, or the kind
// and the time.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateVcnDetails — displayName defaults to a generated one
func (s *Server) nameOr(given *string, prefix string) string {
	if given != nil && *given != "" {
		return *given
	}
	return prefix + s.now().UTC().Format("20060102150405")
}

// setAttrs stamps a new object with its attributes and creation time.
func (s *Server) setAttrs(q *request, id string, attrs map[string]string) {
	if id == "" {
		return
	}
	attrs[attrCreated] = s.now().UTC().Format(time.RFC3339Nano)
	_ = s.cloud.SetAttrs(q.tenancy, id, attrs)
}

// updateNamed applies the shared update fields: displayName and
// freeformTags.
func (s *Server) updateNamed(q *request, id string) *apiError {
	var d updateDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	return s.applyUpdate(q, id, d)
}

func (s *Server) applyUpdate(q *request, id string, d updateDetails) *apiError {
	if d.DisplayName != nil {
		if err := s.cloud.SetAttrs(q.tenancy, id, map[string]string{attrName: *d.DisplayName}); err != nil {
			return fromModel(err)
		}
	}
	if d.FreeformTags != nil {
		if err := s.cloud.ReplaceTags(q.tenancy, id, d.FreeformTags); err != nil {
			return fromModel(err)
		}
	}
	return nil
}

// modelErr maps a model error, or nil.
func modelErr(err error) *apiError {
	if err == nil {
		return nil
	}
	return fromModel(err)
}
