package oci

import (
	"net/http"
	"net/netip"
	"slices"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// vnic is a Vnic on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Vnic/ — Vnic: availabilityDomain, subnetId, privateIp, publicIp, isPrimary, macAddress, nsgIds, skipSourceDestCheck, hostnameLabel
type vnic struct {
	shared
	AvailabilityDomain  string   `json:"availabilityDomain"`
	SubnetID            string   `json:"subnetId"`
	PrivateIP           string   `json:"privateIp,omitempty"`
	PublicIP            string   `json:"publicIp,omitempty"`
	IsPrimary           bool     `json:"isPrimary"`
	MacAddress          string   `json:"macAddress"`
	NsgIDs              []string `json:"nsgIds"`
	SkipSourceDestCheck bool     `json:"skipSourceDestCheck"`
	HostnameLabel       string   `json:"hostnameLabel,omitempty"`
}

// vnicDetails is CreateVnicDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateVnicDetails — subnetId, assignPublicIp (the subnet's kind when absent), privateIp, skipSourceDestCheck, nsgIds, hostnameLabel, displayName
type vnicDetails struct {
	SubnetID            string            `json:"subnetId"`
	AssignPublicIP      *bool             `json:"assignPublicIp"`
	PrivateIP           string            `json:"privateIp"`
	SkipSourceDestCheck *bool             `json:"skipSourceDestCheck"`
	NsgIDs              []string          `json:"nsgIds"`
	HostnameLabel       string            `json:"hostnameLabel"`
	DisplayName         *string           `json:"displayName"`
	FreeformTags        map[string]string `json:"freeformTags"`
}

// updateVnic is UpdateVnicDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/UpdateVnicDetails — displayName, hostnameLabel, nsgIds, skipSourceDestCheck
type updateVnic struct {
	updateDetails
	HostnameLabel       *string  `json:"hostnameLabel"`
	NsgIDs              []string `json:"nsgIds"`
	SkipSourceDestCheck *bool    `json:"skipSourceDestCheck"`
}

// maxNSGsPerVnic is how many NSGs a VNIC may be in.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/networksecuritygroups.htm — a VNIC can be in up to five NSGs
const maxNSGsPerVnic = 5

// vnicPlan is a checked CreateVnicDetails.
type vnicPlan struct {
	subnet   model.Subnet
	ip       netip.Addr
	public   bool
	skip     bool
	prohibit bool
}

// spec is the model interface the plan makes.
func (p vnicPlan) spec(compartment string) model.InterfaceSpec {
	return model.InterfaceSpec{SubnetID: p.subnet.ID, PrivateIP: p.ip, SourceDestCheck: !p.skip, Place: model.Place{Scope: compartment}}
}

// planVnic checks a VNIC's details for an instance in an availability
// domain: its subnet (of that domain when AD-specific), private IP,
// public IP and NSGs.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVCNs_topic-Overview_of_VCNs_and_Subnets.htm — an AD-specific subnet's instances are in its availability domain
func (s *Server) planVnic(q *request, d vnicDetails, ad string) (vnicPlan, *apiError) {
	var p vnicPlan
	if d.SubnetID == "" {
		return p, fail(http.StatusBadRequest, codeMissingParameter, "createVnicDetails.subnetId is required")
	}
	sn, err := s.cloud.Subnet(q.tenancy, d.SubnetID)
	if err != nil {
		return p, notFound("Subnet", d.SubnetID)
	}
	p.subnet = sn
	prof, _ := model.LookupProfile(model.ProviderOCI)
	if !slices.Contains(prof.Zones(sn.Region), ad) {
		return p, invalid("availabilityDomain '%s' is not an availability domain of %s", clip(ad), sn.Region)
	}
	if sn.Zone != "" && sn.Zone != ad {
		return p, invalid("The subnet %s is in availability domain %s, not %s", sn.ID, sn.Zone, ad)
	}
	if d.PrivateIP != "" {
		a, err := netip.ParseAddr(d.PrivateIP)
		if err != nil || !a.Is4() || !sn.Prefix.Contains(a) {
			return p, invalid("privateIp '%s' is not an address of the subnet %s", clip(d.PrivateIP), sn.Prefix)
		}
		p.ip = a
	}
	if d.HostnameLabel != "" && !hostnameRE.MatchString(d.HostnameLabel) {
		return p, invalid("hostnameLabel '%s' is not a valid hostname label", clip(d.HostnameLabel))
	}
	// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateVnicDetails — assignPublicIp true in a subnet with prohibitPublicIpOnVnic is an error; absent, it follows the subnet
	p.prohibit, _ = strconv.ParseBool(sn.Attrs[attrProhib])
	p.public = !p.prohibit
	if d.AssignPublicIP != nil {
		if *d.AssignPublicIP && p.prohibit {
			return p, invalid("The subnet %s prohibits public IPs on VNICs: assignPublicIp must be false", sn.ID)
		}
		p.public = *d.AssignPublicIP
	}
	p.skip = d.SkipSourceDestCheck != nil && *d.SkipSourceDestCheck
	if err := s.checkNSGs(q.tenancy, sn.NetworkID, d.NsgIDs); err != nil {
		return p, err
	}
	return p, nil
}

// checkNSGs checks that the NSGs are the VCN's, at most five.
func (s *Server) checkNSGs(tenancy, vcnID string, ids []string) *apiError {
	if len(ids) > maxNSGsPerVnic {
		return fail(http.StatusBadRequest, codeLimitExceeded, "A VNIC can be in at most %d network security groups", maxNSGsPerVnic)
	}
	for _, id := range ids {
		g, err := s.cloud.RuleSet(tenancy, model.FlavorNSG, id)
		if err != nil {
			return notFound("NetworkSecurityGroup", id)
		}
		if g.NetworkID != vcnID {
			return invalid("The network security group %s is not in the VNIC's VCN %s", id, vcnID)
		}
	}
	return nil
}

// finishVnic gives a new VNIC its NSGs, ephemeral public IP and names.
func (s *Server) finishVnic(q *request, id, compartment, ad string, d vnicDetails, p vnicPlan) *apiError {
	if len(d.NsgIDs) > 0 {
		if err := s.cloud.SetInterfaceRuleSets(q.tenancy, id, model.FlavorNSG, d.NsgIDs); err != nil {
			return fromModel(err)
		}
	}
	if p.public {
		if _, err := s.newPublicIP(q, compartment, lifetimeEphemeral, id, netip.Addr{}, ad, updateDetails{}); err != nil {
			return err
		}
	}
	s.setAttrs(q, id, map[string]string{attrName: s.nameOr(d.DisplayName, "vnic"), attrHostname: d.HostnameLabel, attrAD: ad,
		attrAttName: s.nameOr(nil, "vnicattachment")})
	return nil
}

func (s *Server) vnics() *kind {
	return &kind{noun: "Vnic", get: s.getVnic, update: s.updateVnic,
		list: func(string) []resource { return nil },
		create: func(q *request) (string, *apiError) {
			return "", fail(http.StatusNotFound, "NotFound", "Not found: %s", clip(q.URL.Path))
		},
		// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVNICs.htm — a secondary VNIC is deleted by detaching it
		remove: func(q *request, id string) *apiError {
			return fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "A VNIC is deleted by detaching it (DetachVnic)")
		}}
}

func (s *Server) getVnic(tenancy, id string) (resource, bool) {
	e, err := s.cloud.NetworkInterface(tenancy, id)
	if err != nil {
		return nil, false
	}
	return s.vnicOut(tenancy, e), true
}

func (s *Server) vnicOut(tenancy string, e model.NetworkInterface) *vnic {
	out := &vnic{shared: s.commonOf(e.ID, e.Meta, e.Tags), AvailabilityDomain: e.Attrs[attrAD], SubnetID: e.SubnetID,
		IsPrimary: e.Attachment.DeviceIndex == 0, MacAddress: model.MACAddress(e.ID).String(), NsgIDs: []string{},
		SkipSourceDestCheck: !e.SourceDestCheck, HostnameLabel: e.Attrs[attrHostname]}
	if e.PrivateIP.IsValid() {
		out.PrivateIP = e.PrivateIP.String()
	}
	for _, id := range e.SecurityGroupIDs {
		if _, err := s.cloud.RuleSet(tenancy, model.FlavorNSG, id); err == nil {
			out.NsgIDs = append(out.NsgIDs, id)
		}
	}
	for _, p := range s.cloud.ElasticIPs(tenancy) {
		if p.Associate == e.ID && eipPrivate(e, p) == e.PrivateIP {
			out.PublicIP = p.PublicIP.String()
		}
	}
	return out
}

// updateVnic changes a VNIC's names, NSGs and source/destination check.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVNICs.htm#sourcedest — skipSourceDestCheck lets a VNIC forward traffic (a router or NAT instance)
func (s *Server) updateVnic(q *request, id string) *apiError {
	var d updateVnic
	if err := decode(q.body, &d); err != nil {
		return err
	}
	e, err := s.cloud.NetworkInterface(q.tenancy, id)
	if err != nil {
		return notFound("Vnic", id)
	}
	if d.HostnameLabel != nil && *d.HostnameLabel != "" && !hostnameRE.MatchString(*d.HostnameLabel) {
		return invalid("hostnameLabel '%s' is not a valid hostname label", clip(*d.HostnameLabel))
	}
	if d.NsgIDs != nil {
		if err := s.checkNSGs(q.tenancy, e.NetworkID, d.NsgIDs); err != nil {
			return err
		}
		if err := s.cloud.SetInterfaceRuleSets(q.tenancy, id, model.FlavorNSG, d.NsgIDs); err != nil {
			return fromModel(err)
		}
	}
	if d.SkipSourceDestCheck != nil {
		if err := s.cloud.ModifyNetworkInterface(q.tenancy, id, model.InterfaceChange{SourceDestCheck: ptr(!*d.SkipSourceDestCheck)}); err != nil {
			return fromModel(err)
		}
	}
	if d.HostnameLabel != nil {
		if err := s.cloud.SetAttrs(q.tenancy, id, map[string]string{attrHostname: *d.HostnameLabel}); err != nil {
			return fromModel(err)
		}
	}
	return s.applyUpdate(q, id, d.updateDetails)
}
