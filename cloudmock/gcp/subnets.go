package gcp

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// subnetwork is a subnet on the wire.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks — Subnetwork resource
type subnetwork struct {
	Kind                  string           `json:"kind"`
	ID                    string           `json:"id"`
	CreationTimestamp     string           `json:"creationTimestamp"`
	Name                  string           `json:"name"`
	Description           string           `json:"description,omitempty"`
	Network               string           `json:"network"`
	IPCidrRange           string           `json:"ipCidrRange"`
	GatewayAddress        string           `json:"gatewayAddress"`
	Region                string           `json:"region"`
	SelfLink              string           `json:"selfLink"`
	PrivateIPGoogleAccess bool             `json:"privateIpGoogleAccess"`
	SecondaryIPRanges     []secondaryRange `json:"secondaryIpRanges,omitempty"`
	Fingerprint           string           `json:"fingerprint"`
	StackType             string           `json:"stackType"`
	Purpose               string           `json:"purpose"`
}

type secondaryRange struct {
	RangeName   string `json:"rangeName"`
	IPCidrRange string `json:"ipCidrRange"`
}

// Attribute keys of a subnet.
const (
	attrPGA       = "privateIpGoogleAccess"
	attrSecondary = "secondaryIpRanges" // JSON of []secondaryRange
)

func subnetPath(project, region, name string) string {
	return "projects/" + project + "/regions/" + region + "/subnetworks/" + name
}

func (s *Server) serveSubnetworks(q *request, region string, rest []string) *apiError {
	coll := "projects/" + q.project + "/regions/" + region + "/subnetworks"
	switch {
	case len(rest) == 0 && q.Method == http.MethodGet:
		var items []subnetwork
		for _, sn := range s.cloud.Subnets(q.project) {
			if sn.Region == region {
				items = append(items, s.subnetOut(q, sn))
			}
		}
		slices.SortFunc(items, func(a, b subnetwork) int { return compare(a.Name, b.Name) })
		return writeList(q, s, "compute#subnetworkList", coll, items)
	case len(rest) == 0 && q.Method == http.MethodPost:
		return s.insertSubnet(q, region)
	case len(rest) == 1:
		id, err := s.cloud.ByName(q.project, model.GCPRegionScope(region), model.KindSubnet, rest[0])
		path := subnetPath(q.project, region, rest[0])
		if err != nil {
			return notFound(path)
		}
		sn, err := s.cloud.Subnet(q.project, id)
		if err != nil {
			return notFound(path)
		}
		switch q.Method {
		case http.MethodGet:
			writeJSON(q.w, http.StatusOK, s.subnetOut(q, sn))
			return nil
		case http.MethodDelete:
			return s.mutate(q, model.GCPRegionScope(region), "delete", sn.ID, func() *apiError { return s.deleteSubnet(q, sn) })
		case http.MethodPatch:
			return s.patchSubnet(q, sn)
		}
	}
	return notFound(coll + "/" + joinWords(rest))
}

// aggregatedSubnetworks answers subnetworks.aggregatedList: the subnets of
// every region, keyed "regions/REGION" (gcloud's subnets list).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks/aggregatedList
func (s *Server) aggregatedSubnetworks(q *request) *apiError {
	var all []scoped[subnetwork]
	for _, sn := range s.cloud.Subnets(q.project) {
		all = append(all, scoped[subnetwork]{model.GCPRegionScope(sn.Region), sn.Name, s.subnetOut(q, sn)})
	}
	return writeAggregated(q, "compute#subnetworkAggregatedList", "subnetworks", all)
}

// subnetOut renders a subnet.
// GCP: https://cloud.google.com/vpc/docs/subnets#unusable-ip-addresses-in-every-subnet — the gateway is the second address of the primary range
func (s *Server) subnetOut(q *request, sn model.Subnet) subnetwork {
	a := sn.Attrs
	out := subnetwork{Kind: "compute#subnetwork", ID: numericID(sn.ID), CreationTimestamp: a[attrCreated], Name: sn.Name, Description: a[attrDescription],
		Network: q.selfLink(sn.NetworkID), IPCidrRange: sn.Prefix.String(), GatewayAddress: sn.Prefix.Masked().Addr().Next().String(),
		Region: q.selfLink("projects/" + q.project + "/regions/" + sn.Region), SelfLink: q.selfLink(sn.ID),
		PrivateIPGoogleAccess: a[attrPGA] == "true", Fingerprint: fingerprint(sn.ID + a[attrPGA] + a[attrSecondary]),
		StackType: "IPV4_ONLY", Purpose: "PRIVATE"}
	if v := a[attrSecondary]; v != "" {
		_ = json.Unmarshal([]byte(v), &out.SecondaryIPRanges)
	}
	return out
}

// insertSubnet makes a subnet of a network in the region. Its primary and
// secondary ranges must not overlap the network's other ranges.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks/insert
// GCP: https://cloud.google.com/vpc/docs/subnets#valid-ranges — primary and secondary ranges cannot overlap other ranges of the network
func (s *Server) insertSubnet(q *request, region string) *apiError {
	var in subnetwork
	if err := decode(q.Request, &in); err != nil {
		return err
	}
	if err := checkName("resource.name", in.Name); err != nil {
		return err
	}
	path := subnetPath(q.project, region, in.Name)
	if in.Network == "" {
		return fail(http.StatusBadRequest, "required", "Required field 'resource.network' not specified")
	}
	netPath, aerr := q.resolveRef(in.Network, model.GCPGlobal, "networks")
	if aerr != nil {
		return aerr
	}
	n, aerr := s.networkByName(q, model.GCPName(netPath))
	if aerr != nil {
		return aerr
	}
	prefix, err := netip.ParsePrefix(in.IPCidrRange)
	if err != nil || !prefix.Addr().Is4() {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.ipCidrRange': '%s'. Invalid IPCidrRange: %s", clip(in.IPCidrRange), clip(in.IPCidrRange))
	}
	// GCP: https://cloud.google.com/vpc/docs/subnets#valid-ranges — the range must be a network address (host bits zero)
	if prefix != prefix.Masked() {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.ipCidrRange': '%s'. Invalid IPCidrRange: %s conflicts with its own network address %s.", in.IPCidrRange, in.IPCidrRange, prefix.Masked())
	}
	if err := s.checkSecondary(in.SecondaryIPRanges, prefix, n); err != nil {
		return err
	}
	if err := s.checkPeerRanges(q, n, prefix); err != nil {
		return err
	}
	return s.mutate(q, model.GCPRegionScope(region), "insert", path, func() *apiError {
		sn, err := s.cloud.CreateSubnetAt(q.project, n.ID, model.Place{Region: region, Scope: model.GCPRegionScope(region), Name: in.Name}, prefix, "", nil)
		if err != nil {
			if model.CodeOf(err) == model.CodeConflict {
				return fail(http.StatusBadRequest, "invalid", "Invalid IPCidrRange: %s conflicts with existing subnetwork in network %s.", prefix, n.ID)
			}
			return fromModel(err, path)
		}
		attrs := map[string]string{attrCreated: s.created(), attrDescription: in.Description, attrPGA: boolAttr(in.PrivateIPGoogleAccess)}
		if len(in.SecondaryIPRanges) > 0 {
			b, _ := json.Marshal(in.SecondaryIPRanges)
			attrs[attrSecondary] = string(b)
		}
		_ = s.cloud.SetAttrs(q.project, sn.ID, attrs)
		s.natNewSubnet(q, sn)
		return nil
	})
}

// checkSecondary checks a subnet's secondary ranges: named, valid, and
// overlapping neither the primary range, each other, nor the network.
// GCP: https://cloud.google.com/vpc/docs/subnets#secondary-ranges
func (s *Server) checkSecondary(rs []secondaryRange, primary netip.Prefix, n model.Network) *apiError {
	seen := []netip.Prefix{primary}
	for _, r := range rs {
		if err := checkName("resource.secondaryIpRanges.rangeName", r.RangeName); err != nil {
			return err
		}
		p, err := netip.ParsePrefix(r.IPCidrRange)
		if err != nil || !p.Addr().Is4() || p != p.Masked() {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.secondaryIpRanges.ipCidrRange': '%s'. Invalid IPCidrRange: %s", clip(r.IPCidrRange), clip(r.IPCidrRange))
		}
		for _, o := range append(seen, netPrefixes(n)...) {
			if o.Overlaps(p) {
				return fail(http.StatusBadRequest, "invalid", "Invalid IPCidrRange: %s conflicts with existing subnetwork range %s in network %s.", p, o, n.ID)
			}
		}
		seen = append(seen, p)
	}
	return nil
}

func netPrefixes(n model.Network) []netip.Prefix {
	var out []netip.Prefix
	for _, b := range n.CIDRs {
		out = append(out, b.Prefix)
	}
	return out
}

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// deleteSubnet deletes a subnet that no instance uses; a subnet of an
// auto-mode network goes only with its network.
// GCP: https://cloud.google.com/vpc/docs/create-modify-vpc-networks#deleting_a_subnet — auto mode subnets cannot be deleted; a subnet in use cannot
func (s *Server) deleteSubnet(q *request, sn model.Subnet) *apiError {
	if n, err := s.cloud.Network(q.project, sn.NetworkID); err == nil && n.Attrs[attrAuto] == "true" {
		return fail(http.StatusBadRequest, "invalid", "Invalid resource usage: 'Cannot delete auto subnetwork from an auto subnet mode network.'.")
	}
	// GCP: https://cloud.google.com/vpc/docs/create-modify-vpc-networks#deleting_a_subnet — delete the resources that use a subnet (static internal addresses among them) first
	for _, r := range s.internalAddresses(q.project, sn.Scope) {
		if r.SubnetID == sn.ID {
			return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The subnetwork resource '%s' is already being used by '%s'", sn.ID, r.ID)
		}
	}
	if err := s.cloud.DeleteSubnet(q.project, sn.ID); err != nil {
		return fromModel(err, sn.ID)
	}
	return nil
}

// patchSubnet changes a subnet's private Google access and secondary
// ranges (the fields subnetworks.patch allows that the lab keeps).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks/patch — fingerprint required; privateIpGoogleAccess, secondaryIpRanges, description
func (s *Server) patchSubnet(q *request, sn model.Subnet) *apiError {
	var in struct {
		subnetwork
		PGA *bool `json:"privateIpGoogleAccess"`
	}
	if err := decode(q.Request, &in); err != nil {
		return err
	}
	cur := s.subnetOut(q, sn)
	if in.Fingerprint != "" && in.Fingerprint != cur.Fingerprint {
		return fail(http.StatusPreconditionFailed, "conditionNotMet", "Supplied fingerprint does not match current resource fingerprint.")
	}
	attrs := map[string]string{}
	if in.PGA != nil {
		attrs[attrPGA] = boolAttr(*in.PGA)
	}
	if in.SecondaryIPRanges != nil {
		n, _ := s.cloud.Network(q.project, sn.NetworkID)
		n.CIDRs = slices.DeleteFunc(n.CIDRs, func(b model.CIDRBlock) bool { return b.Prefix == sn.Prefix })
		if err := s.checkSecondary(in.SecondaryIPRanges, sn.Prefix, n); err != nil {
			return err
		}
		b, _ := json.Marshal(in.SecondaryIPRanges)
		attrs[attrSecondary] = string(b)
	}
	if in.Description != "" {
		attrs[attrDescription] = in.Description
	}
	return s.mutate(q, strings.TrimPrefix(cur.Region, q.base+"projects/"+q.project+"/"), "patch", sn.ID, func() *apiError {
		if err := s.cloud.SetAttrs(q.project, sn.ID, attrs); err != nil {
			return fromModel(err, sn.ID)
		}
		return nil
	})
}
