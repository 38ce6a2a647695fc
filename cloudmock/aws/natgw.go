package aws

import (
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("AllocateAddress", allocateAddress)
	register("DescribeAddresses", describeAddresses)
	register("CreateNatGateway", createNatGateway)
	register("DescribeNatGateways", describeNatGateways)
	register("DeleteNatGateway", deleteNatGateway)
}

type allocateAddressResp struct {
	meta
	PublicIP     string `xml:"publicIp"`
	Domain       string `xml:"domain"`
	AllocationID string `xml:"allocationId"`
}

func allocateAddress(h *Handler, c *call) (response, error) {
	tags, err := c.form.tagSpecs("elastic-ip")
	if err != nil {
		return nil, err
	}
	e, err := h.cloud.AllocateAddressAt(c.account, model.Place{Region: c.region}, tags)
	if err != nil {
		return nil, err
	}
	return &allocateAddressResp{PublicIP: e.PublicIP.String(), Domain: "vpc", AllocationID: e.ID}, nil
}

type xmlAddress struct {
	AllocationID            string   `xml:"allocationId"`
	PublicIP                string   `xml:"publicIp"`
	Domain                  string   `xml:"domain"`
	AssociationID           string   `xml:"associationId,omitempty"`
	NetworkInterfaceID      string   `xml:"networkInterfaceId,omitempty"`
	InstanceID              string   `xml:"instanceId,omitempty"`
	NetworkInterfaceOwnerID string   `xml:"networkInterfaceOwnerId,omitempty"`
	PrivateIPAddress        string   `xml:"privateIpAddress,omitempty"`
	Tags                    []xmlTag `xml:"tagSet>item"`
	PublicIPv4Pool          string   `xml:"publicIpv4Pool"`
	BorderGroup             string   `xml:"networkBorderGroup"`
}

type describeAddressesResp struct {
	meta
	Addresses []xmlAddress `xml:"addressesSet>item"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAddresses.html — AllocationId.N, PublicIp.N, Filter.N (allocation-id, association-id, domain, instance-id, network-interface-id, network-interface-owner-id, private-ip-address, public-ip, tag)
func describeAddresses(h *Handler, c *call) (response, error) {
	all := regional(h, c, h.cloud.ElasticIPs(c.account), func(o model.ElasticIP) string { return o.ID })
	if ips := c.form.list("PublicIp"); len(ips) > 0 {
		if err := checkPublicIPs(all, ips); err != nil {
			return nil, err
		}
		all = slices.DeleteFunc(all, func(e model.ElasticIP) bool { return !slices.Contains(ips, e.PublicIP.String()) })
	}
	enis := map[string]model.NetworkInterface{}
	for _, n := range h.cloud.NetworkInterfaces(c.account) {
		enis[n.ID] = n
	}
	// private is the address an associated elastic IP maps to.
	private := func(e model.ElasticIP, n model.NetworkInterface) string {
		if e.PrivateIP.IsValid() {
			return e.PrivateIP.String()
		}
		return n.PrivateIP.String()
	}
	page, _, err := selectObjects(c.form, "AllocationId", all, func(e model.ElasticIP) string { return e.ID },
		func(e model.ElasticIP) fields {
			n, assoc := enis[e.Associate]
			opt := func(v string) ([]string, bool) {
				if !assoc || v == "" {
					return nil, true
				}
				return one(v), true
			}
			return withTags(e.Tags, func(name string) ([]string, bool) {
				switch name {
				case "allocation-id":
					return one(e.ID), true
				case "public-ip":
					return one(e.PublicIP.String()), true
				case "domain":
					return one("vpc"), true
				// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAddresses.html — network-border-group: the location from where the IP address is advertised (the Region for an address in no Local or Wavelength Zone)
				case "network-border-group":
					return one(h.regionOf(e.Region)), true
				case "association-id":
					return opt(associationID(e.ID))
				case "instance-id":
					return opt(n.InstanceID)
				case "network-interface-id":
					return opt(n.ID)
				case "network-interface-owner-id":
					return opt(n.Account)
				case "private-ip-address":
					return opt(private(e, n))
				}
				return nil, false
			})
		})
	if err != nil {
		return nil, err
	}
	r := &describeAddressesResp{}
	for _, e := range page {
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Address.html — publicIpv4Pool (amazon for Amazon's own), networkBorderGroup
		x := xmlAddress{AllocationID: e.ID, PublicIP: e.PublicIP.String(), Domain: "vpc", Tags: tagSet(e.Tags),
			PublicIPv4Pool: "amazon", BorderGroup: h.regionOf(e.Region)}
		if n, ok := enis[e.Associate]; ok {
			x.AssociationID, x.NetworkInterfaceID, x.InstanceID, x.PrivateIPAddress = associationID(e.ID), n.ID, n.InstanceID, private(e, n)
			x.NetworkInterfaceOwnerID = n.Account
		}
		r.Addresses = append(r.Addresses, x)
	}
	return r, nil
}

// checkPublicIPs answers InvalidAddress.NotFound for a PublicIp.N that is
// none of the account's elastic IPs in the region.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidAddress.NotFound: the specified Elastic IP address cannot be found
func checkPublicIPs(all []model.ElasticIP, ips []string) error {
	for _, ip := range ips {
		if !slices.ContainsFunc(all, func(e model.ElasticIP) bool { return e.PublicIP.String() == ip }) {
			return &apiError{Code: "InvalidAddress.NotFound", Message: "Address '" + clip(ip) + "' not found.", Status: 400}
		}
	}
	return nil
}

type xmlNatAddress struct {
	AllocationID string `xml:"allocationId"`
	PublicIP     string `xml:"publicIp"`
	PrivateIP    string `xml:"privateIp"`
	IsPrimary    bool   `xml:"isPrimary"`
	Status       string `xml:"status"`
}

type xmlNatGateway struct {
	ID               string          `xml:"natGatewayId"`
	SubnetID         string          `xml:"subnetId"`
	VpcID            string          `xml:"vpcId"`
	State            string          `xml:"state"`
	ConnectivityType string          `xml:"connectivityType"`
	Addresses        []xmlNatAddress `xml:"natGatewayAddressSet>item"`
	Tags             []xmlTag        `xml:"tagSet>item"`
}

func toXMLNat(g model.NATGateway) xmlNatGateway {
	return xmlNatGateway{ID: g.ID, SubnetID: g.SubnetID, VpcID: g.NetworkID, State: string(g.State), ConnectivityType: "public",
		Addresses: []xmlNatAddress{{AllocationID: g.AllocationID, PublicIP: g.PublicIP.String(), PrivateIP: g.PrivateIP.String(), IsPrimary: true, Status: "succeeded"}},
		Tags:      tagSet(g.Tags)}
}

type createNatResp struct {
	meta
	ClientToken string        `xml:"clientToken,omitempty"`
	NatGateway  xmlNatGateway `xml:"natGateway"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNatGateway.html — SubnetId and AllocationId for a public NAT gateway
func createNatGateway(h *Handler, c *call) (response, error) {
	subnet, err := c.form.required("SubnetId")
	if err != nil {
		return nil, err
	}
	alloc, err := c.form.required("AllocationId")
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("natgateway")
	if err != nil {
		return nil, err
	}
	g, err := h.cloud.CreateNATGateway(c.account, subnet, alloc, tags)
	if err != nil {
		return nil, err
	}
	return &createNatResp{ClientToken: c.form.str("ClientToken"), NatGateway: toXMLNat(g)}, nil
}

type describeNatsResp struct {
	meta
	NatGateways []xmlNatGateway `xml:"natGatewaySet>item"`
	NextToken   string          `xml:"nextToken,omitempty"`
}

func describeNatGateways(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "NatGatewayId", regional(h, c, h.cloud.NATGateways(c.account), func(o model.NATGateway) string { return o.ID }), func(g model.NATGateway) string { return g.ID },
		func(g model.NATGateway) fields {
			return withTags(g.Tags, func(name string) ([]string, bool) {
				switch name {
				case "nat-gateway-id":
					return one(g.ID), true
				case "subnet-id":
					return one(g.SubnetID), true
				case "vpc-id":
					return one(g.NetworkID), true
				case "state":
					return one(string(g.State)), true
				}
				return nil, false
			})
		})
	if err != nil {
		return nil, err
	}
	return &describeNatsResp{NatGateways: convertAll(page, toXMLNat), NextToken: next}, nil
}

type deleteNatResp struct {
	meta
	NatGatewayID string `xml:"natGatewayId"`
}

func deleteNatGateway(h *Handler, c *call) (response, error) {
	id, err := c.form.required("NatGatewayId")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DeleteNATGateway(c.account, id); err != nil {
		return nil, err
	}
	return &deleteNatResp{NatGatewayID: id}, nil
}
