package oci

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// subnet is a subnet on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Subnet/ — Subnet
type subnet struct {
	shared
	VcnID                  string   `json:"vcnId"`
	CidrBlock              string   `json:"cidrBlock"`
	AvailabilityDomain     *string  `json:"availabilityDomain"`
	RouteTableID           string   `json:"routeTableId"`
	SecurityListIDs        []string `json:"securityListIds"`
	DhcpOptionsID          string   `json:"dhcpOptionsId,omitempty"`
	DNSLabel               string   `json:"dnsLabel,omitempty"`
	SubnetDomainName       string   `json:"subnetDomainName,omitempty"`
	ProhibitPublicIPOnVnic bool     `json:"prohibitPublicIpOnVnic"`
	ProhibitInternetIngr   bool     `json:"prohibitInternetIngress"`
	VirtualRouterIP        string   `json:"virtualRouterIp"`
	VirtualRouterMac       string   `json:"virtualRouterMac"`
}

// createSubnet is CreateSubnetDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateSubnetDetails — cidrBlock, compartmentId, vcnId; availabilityDomain (AD-specific; regional when absent); routeTableId and securityListIds default to the VCN's
type createSubnet struct {
	placement
	CidrBlock              string            `json:"cidrBlock"`
	AvailabilityDomain     string            `json:"availabilityDomain"`
	DisplayName            string            `json:"displayName"`
	DNSLabel               string            `json:"dnsLabel"`
	RouteTableID           string            `json:"routeTableId"`
	SecurityListIDs        []string          `json:"securityListIds"`
	ProhibitPublicIPOnVnic *bool             `json:"prohibitPublicIpOnVnic"`
	ProhibitInternetIngr   *bool             `json:"prohibitInternetIngress"`
	FreeformTags           map[string]string `json:"freeformTags"`
}

// updateSubnet is UpdateSubnetDetails, as far as this server takes it.
type updateSubnet struct {
	updateDetails
	RouteTableID    *string  `json:"routeTableId"`
	SecurityListIDs []string `json:"securityListIds"`
}

// maxListsPerSubnet is how many security lists a subnet may have.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securitylists.htm — up to five security lists per subnet
const maxListsPerSubnet = 5

func (s *Server) subnets() *kind {
	return &kind{noun: "Subnet", get: s.getSubnet, create: s.createSubnet, update: s.updateSubnet,
		remove: func(q *request, id string) *apiError { return modelErr(s.cloud.DeleteSubnet(q.tenancy, id)) },
		list: func(tenancy string) []resource {
			var out []resource
			for _, sn := range s.cloud.Subnets(tenancy) {
				out = append(out, s.subnetOut(tenancy, sn))
			}
			return out
		},
		match: func(q *request, r resource) bool {
			return !q.URL.Query().Has("vcnId") || r.(*subnet).VcnID == q.URL.Query().Get("vcnId")
		}}
}

func (s *Server) getSubnet(tenancy, id string) (resource, bool) {
	sn, err := s.cloud.Subnet(tenancy, id)
	if err != nil {
		return nil, false
	}
	return s.subnetOut(tenancy, sn), true
}

func (s *Server) subnetOut(tenancy string, sn model.Subnet) *subnet {
	out := &subnet{shared: s.commonOf(sn.ID, sn.Meta, sn.Tags), VcnID: sn.NetworkID, CidrBlock: sn.Prefix.String(),
		DNSLabel: sn.Attrs[attrDNS], SecurityListIDs: s.subnetLists(tenancy, sn.ID),
		// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/overview.htm — the first host address of a subnet is its virtual router (default gateway)
		VirtualRouterIP: sn.Prefix.Masked().Addr().Next().String(), VirtualRouterMac: "00:00:17:00:00:01"}
	out.ProhibitPublicIPOnVnic, _ = strconv.ParseBool(sn.Attrs[attrProhib])
	out.ProhibitInternetIngr = out.ProhibitPublicIPOnVnic
	if sn.Zone != "" {
		out.AvailabilityDomain = ptr(sn.Zone)
	}
	if rt, err := s.cloud.RouteTableForSubnet(tenancy, sn.ID); err == nil {
		out.RouteTableID = rt.ID
	}
	if n, err := s.cloud.Network(tenancy, sn.NetworkID); err == nil {
		out.DhcpOptionsID = n.DHCPOptionsID
		if out.DNSLabel != "" && n.Attrs[attrDNS] != "" {
			// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/dns.htm#About — <subnet label>.<VCN label>.oraclevcn.com
			out.SubnetDomainName = out.DNSLabel + "." + n.Attrs[attrDNS] + ".oraclevcn.com"
		}
	}
	return out
}

// subnetLists are the security lists attached to a subnet.
func (s *Server) subnetLists(tenancy, subnetID string) []string {
	out := []string{}
	for _, l := range s.cloud.RuleSets(tenancy, model.FlavorSecurityList) {
		for _, a := range l.Attachments {
			if a.Kind == model.OnSubnet && a.TargetID == subnetID {
				out = append(out, l.ID)
			}
		}
	}
	return out
}

// createSubnet makes a regional or AD-specific subnet with its route
// table and security lists (the VCN's defaults unless named).
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/Overview_of_VCNs_and_Subnets.htm#Overview — subnets are regional (recommended) or AD-specific
func (s *Server) createSubnet(q *request) (string, *apiError) {
	var d createSubnet
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	n, aerr := s.inVcn(q, d.placement)
	if aerr != nil {
		return "", aerr
	}
	p, aerr := parseCIDR("cidrBlock", d.CidrBlock)
	if aerr != nil {
		return "", aerr
	}
	if d.AvailabilityDomain != "" {
		prof, _ := model.LookupProfile(model.ProviderOCI)
		if !slices.Contains(prof.Zones(n.Region), d.AvailabilityDomain) {
			return "", invalid("availabilityDomain '%s' is not an availability domain of %s", clip(d.AvailabilityDomain), n.Region)
		}
	}
	if d.DNSLabel != "" && !dnsLabelRE.MatchString(d.DNSLabel) {
		return "", invalid("dnsLabel '%s' must be alphanumeric, start with a letter and have at most 15 characters", clip(d.DNSLabel))
	}
	lists := d.SecurityListIDs
	if lists == nil {
		lists = []string{n.DefaultSecurityListID}
	}
	if err := s.checkLists(q.tenancy, n.ID, lists); err != nil {
		return "", err
	}
	if d.RouteTableID != "" {
		if err := s.checkTable(q.tenancy, n.ID, d.RouteTableID); err != nil {
			return "", err
		}
	}
	sn, err := s.cloud.CreateSubnetAt(q.tenancy, n.ID, model.Place{Region: n.Region, Scope: d.CompartmentID}, p, d.AvailabilityDomain, d.FreeformTags)
	if err != nil {
		return "", fromModel(err)
	}
	undo := func(e *apiError) (string, *apiError) {
		for _, l := range s.cloud.RuleSets(q.tenancy, model.FlavorSecurityList) {
			for _, a := range l.Attachments {
				if a.TargetID == sn.ID {
					_ = s.cloud.DetachRuleSet(q.tenancy, a.ID)
				}
			}
		}
		_ = s.cloud.DeleteSubnet(q.tenancy, sn.ID)
		return "", e
	}
	if err := s.setSubnetLists(q.tenancy, sn.ID, lists); err != nil {
		return undo(err)
	}
	if err := s.setSubnetTable(q.tenancy, sn.ID, d.RouteTableID); err != nil {
		return undo(err)
	}
	prohibit := d.ProhibitPublicIPOnVnic != nil && *d.ProhibitPublicIPOnVnic || d.ProhibitInternetIngr != nil && *d.ProhibitInternetIngr
	s.setAttrs(q, sn.ID, map[string]string{attrName: s.nameOr(&d.DisplayName, "subnet"), attrDNS: d.DNSLabel, attrProhib: strconv.FormatBool(prohibit)})
	return sn.ID, nil
}

// checkLists checks that the lists are the VCN's security lists, at most five.
func (s *Server) checkLists(tenancy, vcnID string, lists []string) *apiError {
	if len(lists) > maxListsPerSubnet {
		return fail(http.StatusBadRequest, codeLimitExceeded, "A subnet can have at most %d security lists", maxListsPerSubnet)
	}
	for _, id := range lists {
		l, err := s.cloud.RuleSet(tenancy, model.FlavorSecurityList, id)
		if err != nil {
			return notFound("SecurityList", id)
		}
		if l.NetworkID != vcnID {
			return invalid("The security list %s is not in the subnet's VCN %s", id, vcnID)
		}
	}
	return nil
}

// checkTable checks that a route table is the VCN's.
func (s *Server) checkTable(tenancy, vcnID, id string) *apiError {
	rt, err := s.cloud.RouteTable(tenancy, id)
	if err != nil {
		return notFound("RouteTable", id)
	}
	if rt.NetworkID != vcnID {
		return invalid("The route table %s is not in the subnet's VCN %s", id, vcnID)
	}
	return nil
}

// setSubnetLists attaches exactly the given lists to the subnet.
func (s *Server) setSubnetLists(tenancy, subnetID string, lists []string) *apiError {
	for _, l := range s.cloud.RuleSets(tenancy, model.FlavorSecurityList) {
		for _, a := range l.Attachments {
			if a.Kind == model.OnSubnet && a.TargetID == subnetID && !slices.Contains(lists, l.ID) {
				if err := s.cloud.DetachRuleSet(tenancy, a.ID); err != nil {
					return fromModel(err)
				}
			}
		}
	}
	have := s.subnetLists(tenancy, subnetID)
	for _, id := range lists {
		if slices.Contains(have, id) {
			continue
		}
		if _, err := s.cloud.AttachRuleSet(tenancy, model.FlavorSecurityList, id, model.Attachment{Kind: model.OnSubnet, TargetID: subnetID}); err != nil {
			return fromModel(err)
		}
		have = append(have, id)
	}
	return nil
}

// setSubnetTable makes the subnet use a route table; empty is the VCN's
// default table.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm — a subnet uses one route table, the VCN's default unless another is named
func (s *Server) setSubnetTable(tenancy, subnetID, tableID string) *apiError {
	sn, err := s.cloud.Subnet(tenancy, subnetID)
	if err != nil {
		return fromModel(err)
	}
	n, err := s.cloud.Network(tenancy, sn.NetworkID)
	if err != nil {
		return fromModel(err)
	}
	if tableID == "" {
		tableID = n.MainRouteTableID
	}
	cur, err := s.cloud.RouteTableForSubnet(tenancy, subnetID)
	if err != nil {
		return fromModel(err)
	}
	var assoc string
	for _, a := range cur.Associations {
		if a.SubnetID == subnetID {
			assoc = a.ID
		}
	}
	switch {
	case tableID == cur.ID:
		return nil
	case tableID == n.MainRouteTableID:
		return modelErr(s.cloud.DisassociateRouteTable(tenancy, assoc))
	case assoc == "":
		_, err = s.cloud.AssociateRouteTable(tenancy, tableID, subnetID)
	default:
		_, err = s.cloud.ReplaceRouteTableAssociation(tenancy, assoc, tableID)
	}
	return modelErr(err)
}

func (s *Server) updateSubnet(q *request, id string) *apiError {
	var d updateSubnet
	if err := decode(q.body, &d); err != nil {
		return err
	}
	sn, err := s.cloud.Subnet(q.tenancy, id)
	if err != nil {
		return notFound("Subnet", id)
	}
	if d.SecurityListIDs != nil {
		if err := s.checkLists(q.tenancy, sn.NetworkID, d.SecurityListIDs); err != nil {
			return err
		}
	}
	if d.RouteTableID != nil {
		if err := s.checkTable(q.tenancy, sn.NetworkID, *d.RouteTableID); err != nil {
			return err
		}
	}
	if d.SecurityListIDs != nil {
		if err := s.setSubnetLists(q.tenancy, id, d.SecurityListIDs); err != nil {
			return err
		}
	}
	if d.RouteTableID != nil {
		if err := s.setSubnetTable(q.tenancy, id, *d.RouteTableID); err != nil {
			return err
		}
	}
	return s.applyUpdate(q, id, d.updateDetails)
}
