package aws

import (
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("CreateSubnet", createSubnet)
	register("DescribeSubnets", describeSubnets)
	register("DeleteSubnet", deleteSubnet)
	register("ModifySubnetAttribute", modifySubnetAttribute)
}

type xmlSubnet struct {
	SubnetID                string   `xml:"subnetId"`
	SubnetArn               string   `xml:"subnetArn"`
	State                   string   `xml:"state"`
	OwnerID                 string   `xml:"ownerId"`
	VpcID                   string   `xml:"vpcId"`
	CIDRBlock               string   `xml:"cidrBlock,omitempty"`
	AvailableIPAddressCount int      `xml:"availableIpAddressCount"`
	AvailabilityZone        string   `xml:"availabilityZone"`
	DefaultForAz            bool     `xml:"defaultForAz"`
	MapPublicIPOnLaunch     bool     `xml:"mapPublicIpOnLaunch"`
	Tags                    []xmlTag `xml:"tagSet>item"`
	xmlSubnetIPv6
	xmlSubnetMore
}

func (h *Handler) toXMLSubnet(s model.Subnet) xmlSubnet {
	return xmlSubnet{SubnetID: s.ID, SubnetArn: h.subnetArn(s), xmlSubnetMore: toXMLSubnetMore(s),
		State: "available", OwnerID: s.Account, VpcID: s.NetworkID, CIDRBlock: prefixString(s.Prefix),
		AvailableIPAddressCount: s.AvailableIPs, AvailabilityZone: s.Zone, DefaultForAz: s.DefaultForZone, MapPublicIPOnLaunch: s.MapPublicIP, Tags: tagSet(s.Tags),
		xmlSubnetIPv6: toXMLSubnetIPv6(s)}
}

func (h *Handler) subnetFields(s model.Subnet) fields {
	return withTags(s.Tags, func(name string) ([]string, bool) {
		switch name {
		case "subnet-id":
			return one(s.ID), true
		case "vpc-id":
			return one(s.NetworkID), true
		case "cidr", "cidr-block", "cidrBlock":
			return opt(prefixString(s.Prefix)), true
		case "availability-zone", "availabilityZone":
			return one(s.Zone), true
		case "state":
			return one("available"), true
		case "owner-id":
			return one(s.Account), true
		case "available-ip-address-count":
			return one(strconv.Itoa(s.AvailableIPs)), true
		case "map-public-ip-on-launch":
			return one(strconv.FormatBool(s.MapPublicIP)), true
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSubnets.html — default-for-az: whether it is the default subnet of its Availability Zone
		case "default-for-az", "defaultForAz":
			return one(strconv.FormatBool(s.DefaultForZone)), true
		case "ipv6-cidr-block-association.ipv6-cidr-block", "ipv6-cidr-block-association.association-id",
			"ipv6-cidr-block-association.state", "assign-ipv6-address-on-creation", "ipv6-native":
			return subnetIPv6Field(s, name), true
		}
		return h.subnetMoreField(s, name)
	})
}

type createSubnetResp struct {
	meta
	Subnet xmlSubnet `xml:"subnet"`
}

func createSubnet(h *Handler, c *call) (response, error) {
	vpc, err := c.form.required("VpcId")
	if err != nil {
		return nil, err
	}
	zone, err := h.zone(c)
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("subnet")
	if err != nil {
		return nil, err
	}
	v6, native, err := subnetIPv6Args(c.form)
	if err != nil {
		return nil, err
	}
	if native {
		s, err := h.cloud.CreateIPv6NativeSubnetAt(c.account, vpc, model.Place{}, v6, zone, tags)
		if err != nil {
			return nil, err
		}
		return &createSubnetResp{Subnet: h.toXMLSubnet(s)}, nil
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html — CidrBlock: modified to its canonical form
	cidr, err := c.form.canonicalCIDR("CidrBlock")
	if err != nil {
		return nil, err
	}
	s, err := h.cloud.CreateSubnet(c.account, vpc, cidr, zone, tags)
	if err != nil {
		return nil, err
	}
	if v6.IsValid() {
		if s, err = h.addSubnetIPv6(c, s, v6); err != nil {
			return nil, err
		}
	}
	return &createSubnetResp{Subnet: h.toXMLSubnet(s)}, nil
}

type describeSubnetsResp struct {
	meta
	Subnets   []xmlSubnet `xml:"subnetSet>item"`
	NextToken string      `xml:"nextToken,omitempty"`
}

func describeSubnets(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "SubnetId", regional(h, c, h.cloud.Subnets(c.account), func(o model.Subnet) string { return o.ID }),
		func(s model.Subnet) string { return s.ID }, h.subnetFields)
	if err != nil {
		return nil, err
	}
	return &describeSubnetsResp{Subnets: convertAll(page, h.toXMLSubnet), NextToken: next}, nil
}

func deleteSubnet(h *Handler, c *call) (response, error) {
	id, err := c.form.required("SubnetId")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DeleteSubnet(c.account, id); err != nil {
		return nil, err
	}
	return ok()
}

func modifySubnetAttribute(h *Handler, c *call) (response, error) {
	id, err := c.form.required("SubnetId")
	if err != nil {
		return nil, err
	}
	if done, err := h.modifySubnetDNS(c, id); err != nil {
		return nil, err
	} else if done {
		return ok()
	}
	on, err := c.form.boolp("MapPublicIpOnLaunch.Value")
	if err != nil {
		return nil, err
	}
	if v6, err := c.form.boolp("AssignIpv6AddressOnCreation.Value"); err != nil || v6 != nil {
		if err != nil {
			return nil, err
		}
		if on != nil {
			return nil, errInvalid("You must specify exactly one attribute to modify.")
		}
		if err := h.cloud.SetSubnetAssignIPv6(c.account, id, *v6); err != nil {
			return nil, err
		}
		return ok()
	}
	if on == nil {
		return nil, errInvalid("You must specify exactly one attribute to modify.")
	}
	if err := h.cloud.SetSubnetMapPublicIP(c.account, id, *on); err != nil {
		return nil, err
	}
	return ok()
}
