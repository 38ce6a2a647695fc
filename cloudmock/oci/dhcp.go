package oci

import (
	"net/http"
	"net/netip"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// dhcpOptions is a set of DHCP options on the wire: the model's DHCP
// options of a VCN.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DhcpOptions/ — DhcpOptions: vcnId, options (DomainNameServer, SearchDomain), domainNameType
type dhcpOptions struct {
	shared
	VcnID   string       `json:"vcnId"`
	Options []dhcpOption `json:"options"`
}

// dhcpOption is a DhcpDnsOption or a DhcpSearchDomainOption.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/DhcpDnsOption — type DomainNameServer, serverType VcnLocal, VcnLocalPlusInternet or CustomDnsServer, customDnsServers (up to three)
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/DhcpSearchDomainOption — type SearchDomain, searchDomainNames (one)
type dhcpOption struct {
	Type              string   `json:"type"`
	ServerType        string   `json:"serverType,omitempty"`
	CustomDNSServers  []string `json:"customDnsServers,omitempty"`
	SearchDomainNames []string `json:"searchDomainNames,omitempty"`
}

// dhcpDetails is CreateDhcpDetails and UpdateDhcpDetails.
type dhcpDetails struct {
	updateDetails
	placement
	Options []dhcpOption `json:"options"`
}

const attrVcn = "vcnId"

func (s *Server) dhcpOptionSets() *kind {
	return &kind{noun: "DhcpOptions", get: s.getDHCP, create: s.createDHCP, update: s.updateDHCP, remove: s.deleteDHCP,
		list: func(tenancy string) []resource {
			var out []resource
			for _, d := range s.cloud.DHCPOptionsSets(tenancy) {
				out = append(out, s.dhcpOut(d))
			}
			return out
		},
		match: func(q *request, r resource) bool {
			return !q.URL.Query().Has("vcnId") || r.(*dhcpOptions).VcnID == q.URL.Query().Get("vcnId")
		}}
}

func (s *Server) getDHCP(tenancy, id string) (resource, bool) {
	for _, d := range s.cloud.DHCPOptionsSets(tenancy) {
		if d.ID == id {
			return s.dhcpOut(d), true
		}
	}
	return nil, false
}

func (s *Server) dhcpOut(d model.DHCPOptions) *dhcpOptions {
	out := &dhcpOptions{shared: s.commonOf(d.ID, d.Meta, d.Tags), VcnID: d.NetworkID, Options: []dhcpOption{}}
	if out.VcnID == "" {
		out.VcnID = d.Attrs[attrVcn]
	}
	for _, o := range d.Options {
		switch o.Key {
		case "domain-name-servers":
			if len(o.Values) == 1 && (o.Values[0] == model.OCIVcnLocalPlusInternet || o.Values[0] == "VcnLocal") {
				out.Options = append(out.Options, dhcpOption{Type: "DomainNameServer", ServerType: o.Values[0]})
			} else {
				out.Options = append(out.Options, dhcpOption{Type: "DomainNameServer", ServerType: "CustomDnsServer", CustomDNSServers: o.Values})
			}
		case "domain-name":
			out.Options = append(out.Options, dhcpOption{Type: "SearchDomain", SearchDomainNames: o.Values})
		}
	}
	return out
}

// optionsIn reads the options of a create or update.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDHCP.htm — one DNS option (with up to three custom servers for CustomDnsServer) and at most one search domain
func optionsIn(in []dhcpOption) ([]model.DHCPOption, *apiError) {
	var out []model.DHCPOption
	seen := map[string]bool{}
	for _, o := range in {
		if seen[o.Type] {
			return nil, invalid("The option type %s is given twice", clip(o.Type))
		}
		seen[o.Type] = true
		switch {
		case o.Type == "DomainNameServer" && (o.ServerType == "VcnLocal" || o.ServerType == model.OCIVcnLocalPlusInternet) && len(o.CustomDNSServers) == 0:
			out = append(out, model.DHCPOption{Key: "domain-name-servers", Values: []string{o.ServerType}})
		case o.Type == "DomainNameServer" && o.ServerType == "CustomDnsServer" && len(o.CustomDNSServers) >= 1 && len(o.CustomDNSServers) <= 3:
			for _, a := range o.CustomDNSServers {
				if ip, err := netip.ParseAddr(a); err != nil || !ip.Is4() {
					return nil, invalid("customDnsServers: '%s' is not an IPv4 address", clip(a))
				}
			}
			out = append(out, model.DHCPOption{Key: "domain-name-servers", Values: o.CustomDNSServers})
		case o.Type == "SearchDomain" && len(o.SearchDomainNames) == 1:
			out = append(out, model.DHCPOption{Key: "domain-name", Values: o.SearchDomainNames})
		default:
			return nil, invalid("The DHCP option %s/%s is not valid", clip(o.Type), clip(o.ServerType))
		}
	}
	if !seen["DomainNameServer"] {
		return nil, fail(http.StatusBadRequest, codeMissingParameter, "options needs a DomainNameServer option")
	}
	return out, nil
}

// createDHCP makes a set of DHCP options in a VCN.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DhcpOptions/CreateDhcpOptions — compartmentId, vcnId, options
func (s *Server) createDHCP(q *request) (string, *apiError) {
	var d dhcpDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	n, aerr := s.inVcn(q, d.placement)
	if aerr != nil {
		return "", aerr
	}
	opts, aerr := optionsIn(d.Options)
	if aerr != nil {
		return "", aerr
	}
	o, err := s.cloud.CreateDHCPOptionsAt(q.tenancy, model.Place{Region: n.Region, Scope: d.CompartmentID}, opts, d.FreeformTags)
	if err != nil {
		return "", fromModel(err)
	}
	s.setAttrs(q, o.ID, map[string]string{attrName: s.nameOr(d.DisplayName, "dhcpoptions"), attrVcn: n.ID})
	return o.ID, nil
}

// updateDHCP changes a set's name and tags; new options are refused (400
// InvalidParameter): the model's sets keep the options they were made with.
func (s *Server) updateDHCP(q *request, id string) *apiError {
	var d dhcpDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	if d.Options != nil {
		return invalid("options cannot be changed by this server; make a new set")
	}
	return s.applyUpdate(q, id, d.updateDetails)
}

// deleteDHCP deletes a set that is not its VCN's default.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDHCP.htm — the default set of DHCP options can't be deleted; it goes with its VCN
func (s *Server) deleteDHCP(q *request, id string) *apiError {
	r, _ := s.getDHCP(q.tenancy, id)
	if n, err := s.cloud.Network(q.tenancy, r.(*dhcpOptions).VcnID); err == nil && n.DHCPOptionsID == id {
		return fail(http.StatusConflict, codeIncorrectState, "The default DHCP options of a VCN cannot be deleted")
	}
	return modelErr(s.cloud.DeleteDHCPOptions(q.tenancy, id))
}
