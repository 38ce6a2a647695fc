package aws

import (
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("CreateVpc", createVpc)
	register("DescribeVpcs", describeVpcs)
	register("DeleteVpc", deleteVpc)
	register("AssociateVpcCidrBlock", associateVpcCidrBlock)
	register("ModifyVpcAttribute", modifyVpcAttribute)
	register("DescribeVpcAttribute", describeVpcAttribute)
}

type xmlCIDRState struct {
	State string `xml:"state"`
}

type xmlCIDRAssoc struct {
	AssociationID string       `xml:"associationId"`
	CIDRBlock     string       `xml:"cidrBlock"`
	State         xmlCIDRState `xml:"cidrBlockState"`
}

type xmlVpc struct {
	VpcID           string         `xml:"vpcId"`
	OwnerID         string         `xml:"ownerId"`
	State           string         `xml:"state"`
	CIDRBlock       string         `xml:"cidrBlock"`
	CIDRAssocs      []xmlCIDRAssoc `xml:"cidrBlockAssociationSet>item"`
	IPv6Assocs      []xmlIPv6Assoc `xml:"ipv6CidrBlockAssociationSet>item"`
	DHCPOptionsID   string         `xml:"dhcpOptionsId"`
	InstanceTenancy string         `xml:"instanceTenancy"`
	IsDefault       bool           `xml:"isDefault"`
	Tags            []xmlTag       `xml:"tagSet>item"`
}

func toXMLVpc(n model.Network) xmlVpc {
	v := xmlVpc{VpcID: n.ID, OwnerID: n.Account, State: "available", CIDRBlock: n.CIDRs[0].Prefix.String(),
		DHCPOptionsID: dhcpOptionsID(n), InstanceTenancy: "default", IsDefault: n.Default, Tags: tagSet(n.Tags)}
	for _, b := range n.CIDRs {
		v.CIDRAssocs = append(v.CIDRAssocs, xmlCIDRAssoc{AssociationID: b.AssociationID, CIDRBlock: b.Prefix.String(), State: xmlCIDRState{State: "associated"}})
	}
	for _, b := range n.IPv6CIDRs {
		v.IPv6Assocs = append(v.IPv6Assocs, toXMLIPv6Assoc(b, "associated"))
	}
	return v
}

func vpcFields(n model.Network) fields {
	return withTags(n.Tags, func(name string) ([]string, bool) {
		switch name {
		case "vpc-id":
			return one(n.ID), true
		case "owner-id":
			return one(n.Account), true
		case "state":
			return one("available"), true
		case "cidr", "cidr-block":
			return one(n.CIDRs[0].Prefix.String()), true
		case "cidr-block-association.cidr-block":
			var out []string
			for _, b := range n.CIDRs {
				out = append(out, b.Prefix.String())
			}
			return out, true
		case "cidr-block-association.association-id":
			var out []string
			for _, b := range n.CIDRs {
				out = append(out, b.AssociationID)
			}
			return out, true
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html — cidr-block-association.state: the state of an IPv4 CIDR block associated with the VPC (each one shown is associated)
		case "cidr-block-association.state":
			out := make([]string, len(n.CIDRs))
			for i := range out {
				out[i] = "associated"
			}
			return out, true
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html — is-default: whether the VPC is the default VPC
		case "is-default", "isDefault":
			return one(strconv.FormatBool(n.Default)), true
		case "ipv6-cidr-block-association.ipv6-cidr-block", "ipv6-cidr-block-association.association-id",
			"ipv6-cidr-block-association.state", "ipv6-cidr-block-association.ipv6-pool":
			return vpcIPv6Field(n, name), true
		case "dhcp-options-id":
			return one(dhcpOptionsID(n)), true
		}
		return nil, false
	})
}

// dhcpOptionsID is the DHCP options set a VPC shows: its set's ID, or
// default for none.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Vpc.html — dhcpOptionsId: the set associated with the VPC
func dhcpOptionsID(n model.Network) string {
	if n.DHCPOptionsID == "" {
		return "default"
	}
	return n.DHCPOptionsID
}

type createVpcResp struct {
	meta
	Vpc xmlVpc `xml:"vpc"`
}

func createVpc(h *Handler, c *call) (response, error) {
	cidr, err := c.form.canonicalCIDR("CidrBlock")
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("vpc")
	if err != nil {
		return nil, err
	}
	v6, err := amazonIPv6(c.form)
	if err != nil {
		return nil, err
	}
	n, err := h.cloud.CreateNetworkIn(c.account, c.region, cidr, tags)
	if err != nil {
		return nil, err
	}
	x := toXMLVpc(n)
	if v6 {
		if x, err = h.addVpcIPv6(c, n); err != nil {
			return nil, err
		}
	}
	return &createVpcResp{Vpc: x}, nil
}

type describeVpcsResp struct {
	meta
	Vpcs      []xmlVpc `xml:"vpcSet>item"`
	NextToken string   `xml:"nextToken,omitempty"`
}

func describeVpcs(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "VpcId", regional(h, c, h.cloud.Networks(c.account), func(o model.Network) string { return o.ID }),
		func(n model.Network) string { return n.ID }, vpcFields)
	if err != nil {
		return nil, err
	}
	return &describeVpcsResp{Vpcs: convertAll(page, toXMLVpc), NextToken: next}, nil
}

func deleteVpc(h *Handler, c *call) (response, error) {
	id, err := c.form.required("VpcId")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DeleteNetwork(c.account, id); err != nil {
		return nil, err
	}
	return ok()
}

type associateVpcCidrResp struct {
	meta
	VpcID string       `xml:"vpcId"`
	Assoc xmlCIDRAssoc `xml:"cidrBlockAssociation"`
}

func associateVpcCidrBlock(h *Handler, c *call) (response, error) {
	id, err := c.form.required("VpcId")
	if err != nil {
		return nil, err
	}
	if v6, err := amazonIPv6(c.form); err != nil || v6 {
		if err != nil {
			return nil, err
		}
		return associateVpcIPv6(h, c, id)
	}
	cidr, err := c.form.cidr("CidrBlock")
	if err != nil {
		return nil, err
	}
	b, err := h.cloud.AddNetworkCIDR(c.account, id, cidr)
	if err != nil {
		return nil, err
	}
	return &associateVpcCidrResp{VpcID: id, Assoc: xmlCIDRAssoc{AssociationID: b.AssociationID, CIDRBlock: b.Prefix.String(), State: xmlCIDRState{State: "associating"}}}, nil
}

func modifyVpcAttribute(h *Handler, c *call) (response, error) {
	id, err := c.form.required("VpcId")
	if err != nil {
		return nil, err
	}
	support, err := c.form.boolp("EnableDnsSupport.Value")
	if err != nil {
		return nil, err
	}
	hostnames, err := c.form.boolp("EnableDnsHostnames.Value")
	if err != nil {
		return nil, err
	}
	metrics, err := c.form.boolp("EnableNetworkAddressUsageMetrics.Value")
	if err != nil {
		return nil, err
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcAttribute.html — one attribute per request
	given := 0
	for _, p := range []*bool{support, hostnames, metrics} {
		if p != nil {
			given++
		}
	}
	if given != 1 {
		return nil, errInvalid("You must specify exactly one attribute to modify.")
	}
	if metrics != nil {
		err = h.cloud.SetNetworkAddressUsageMetrics(c.account, id, *metrics)
	} else {
		err = h.cloud.SetNetworkDNS(c.account, id, support, hostnames)
	}
	if err != nil {
		return nil, err
	}
	return ok()
}

type xmlAttributeBool struct {
	Value bool `xml:"value"`
}

type describeVpcAttributeResp struct {
	meta
	VpcID               string            `xml:"vpcId"`
	DNSSupport          *xmlAttributeBool `xml:"enableDnsSupport,omitempty"`
	DNSHostnames        *xmlAttributeBool `xml:"enableDnsHostnames,omitempty"`
	AddressUsageMetrics *xmlAttributeBool `xml:"enableNetworkAddressUsageMetrics,omitempty"`
}

// describeVpcAttribute answers one attribute of a VPC.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcAttribute.html — Attribute: enableDnsSupport | enableDnsHostnames | enableNetworkAddressUsageMetrics
func describeVpcAttribute(h *Handler, c *call) (response, error) {
	id, err := c.form.required("VpcId")
	if err != nil {
		return nil, err
	}
	attr, err := c.form.required("Attribute")
	if err != nil {
		return nil, err
	}
	n, err := h.cloud.Network(c.account, id)
	if err != nil {
		return nil, err
	}
	r := &describeVpcAttributeResp{VpcID: n.ID}
	switch attr {
	case "enableDnsSupport":
		r.DNSSupport = &xmlAttributeBool{n.DNSSupport}
	case "enableDnsHostnames":
		r.DNSHostnames = &xmlAttributeBool{n.DNSHostnames}
	case "enableNetworkAddressUsageMetrics":
		r.AddressUsageMetrics = &xmlAttributeBool{n.AddressUsageMetrics}
	default:
		return nil, errInvalid("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	return r, nil
}
