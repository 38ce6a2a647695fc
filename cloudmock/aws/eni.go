package aws

import (
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("DescribeNetworkInterfaces", describeNetworkInterfaces)
	register("ModifyNetworkInterfaceAttribute", setSourceDestCheck("NetworkInterfaceId", false))
}

type xmlENIAttachment struct {
	AttachmentID string `xml:"attachmentId"`
	InstanceID   string `xml:"instanceId"`
	DeviceIndex  int    `xml:"deviceIndex"`
	Status       string `xml:"status"`
}

type xmlENI struct {
	ID               string               `xml:"networkInterfaceId"`
	SubnetID         string               `xml:"subnetId"`
	VpcID            string               `xml:"vpcId"`
	AvailabilityZone string               `xml:"availabilityZone"`
	OwnerID          string               `xml:"ownerId"`
	Status           string               `xml:"status"`
	InterfaceType    string               `xml:"interfaceType"`
	PrivateIP        string               `xml:"privateIpAddress"`
	SourceDestCheck  bool                 `xml:"sourceDestCheck"`
	Groups           []xmlGroupIdentifier `xml:"groupSet>item"`
	Attachment       *xmlENIAttachment    `xml:"attachment,omitempty"`
	Tags             []xmlTag             `xml:"tagSet>item"`
	IPv6             []xmlIPv6Addr        `xml:"ipv6AddressesSet>item"`
}

func (h *Handler) toXMLENI(e model.NetworkInterface) xmlENI {
	x := xmlENI{ID: e.ID, SubnetID: e.SubnetID, VpcID: e.NetworkID, OwnerID: e.Account, Status: "available", InterfaceType: "interface",
		PrivateIP: e.PrivateIP.String(), SourceDestCheck: e.SourceDestCheck, Tags: tagSet(e.Tags), AvailabilityZone: h.regionOf(e.Region) + "a",
		IPv6: toXMLIPv6Addrs(e.IPv6Addrs)}
	if s, err := h.cloud.Subnet(e.Account, e.SubnetID); err == nil {
		x.AvailabilityZone = s.Zone
	}
	for _, g := range e.SecurityGroupIDs {
		name := ""
		if sg, err := h.cloud.RuleSet(e.Account, model.FlavorSecurityGroup, g); err == nil {
			name = sg.Name
		}
		x.Groups = append(x.Groups, xmlGroupIdentifier{GroupID: g, GroupName: name})
	}
	if e.InstanceID != "" {
		x.Status = "in-use"
		x.Attachment = &xmlENIAttachment{AttachmentID: "eni-attach-" + e.ID[len("eni-"):], InstanceID: e.InstanceID, Status: "attached"}
	}
	return x
}

type describeENIsResp struct {
	meta
	Interfaces []xmlENI `xml:"networkInterfaceSet>item"`
	NextToken  string   `xml:"nextToken,omitempty"`
}

func describeNetworkInterfaces(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "NetworkInterfaceId", regional(h, c, h.cloud.NetworkInterfaces(c.account), func(o model.NetworkInterface) string { return o.ID }), func(e model.NetworkInterface) string { return e.ID },
		func(e model.NetworkInterface) fields {
			return withTags(e.Tags, func(name string) ([]string, bool) {
				switch name {
				case "network-interface-id":
					return one(e.ID), true
				case "subnet-id":
					return one(e.SubnetID), true
				case "vpc-id":
					return one(e.NetworkID), true
				case "attachment.instance-id":
					return one(e.InstanceID), true
				case "private-ip-address", "addresses.private-ip-address":
					return one(e.PrivateIP.String()), true
				case "ipv6-addresses.ipv6-address":
					return addrStrings(e.IPv6Addrs), true
				case "source-dest-check":
					return one(strconv.FormatBool(e.SourceDestCheck)), true
				case "group-id":
					return e.SecurityGroupIDs, true
				}
				return nil, false
			})
		})
	if err != nil {
		return nil, err
	}
	return &describeENIsResp{Interfaces: convertAll(page, h.toXMLENI), NextToken: next}, nil
}
