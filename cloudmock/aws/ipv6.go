package aws

import (
	"errors"
	"net/netip"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// IPv6 on the EC2 API: Amazon-provided /56s for VPCs (from the model's
// documentation-range pool, model.AmazonIPv6Pool), /64s for subnets,
// interface addresses, IPv6 routes and egress-only internet gateways.

func init() {
	register("DisassociateVpcCidrBlock", disassociateVpcCidrBlock)
	register("AssociateSubnetCidrBlock", associateSubnetCidrBlock)
	register("DisassociateSubnetCidrBlock", disassociateSubnetCidrBlock)
	register("AssignIpv6Addresses", assignIpv6Addresses)
	register("UnassignIpv6Addresses", unassignIpv6Addresses)
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTags.html — resource type egress-only-internet-gateway
	resourceTypes[model.KindEgressOnlyGateway] = "egress-only-internet-gateway"
}

// xmlIPv6Assoc is a VpcIpv6CidrBlockAssociation.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcIpv6CidrBlockAssociation.html — associationId, ipv6CidrBlock, ipv6CidrBlockState, networkBorderGroup, ipv6Pool
type xmlIPv6Assoc struct {
	AssociationID string       `xml:"associationId"`
	CIDRBlock     string       `xml:"ipv6CidrBlock"`
	State         xmlCIDRState `xml:"ipv6CidrBlockState"`
	BorderGroup   string       `xml:"networkBorderGroup,omitempty"`
	Pool          string       `xml:"ipv6Pool,omitempty"`
}

func toXMLIPv6Assoc(b model.IPv6Block, state string) xmlIPv6Assoc {
	return xmlIPv6Assoc{AssociationID: b.AssociationID, CIDRBlock: b.Prefix.String(), State: xmlCIDRState{State: state},
		BorderGroup: b.BorderGroup, Pool: b.Pool}
}

// vpcIPv6Field answers the ipv6-cidr-block-association.* filters of DescribeVpcs.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html — ipv6-cidr-block-association.ipv6-cidr-block, .ipv6-pool, .association-id, .state
func vpcIPv6Field(n model.Network, name string) []string {
	var out []string
	for _, b := range n.IPv6CIDRs {
		switch name {
		case "ipv6-cidr-block-association.ipv6-cidr-block":
			out = append(out, b.Prefix.String())
		case "ipv6-cidr-block-association.association-id":
			out = append(out, b.AssociationID)
		case "ipv6-cidr-block-association.state":
			out = append(out, "associated")
		case "ipv6-cidr-block-association.ipv6-pool":
			out = append(out, b.Pool)
		}
	}
	return out
}

// amazonIPv6 reads AmazonProvidedIpv6CidrBlock; the other IPv6 sources
// (BYOIP pools, IPAM) are refused.
func amazonIPv6(f form) (bool, error) {
	for _, p := range []string{"Ipv6Pool", "Ipv6CidrBlock", "Ipv6IpamPoolId", "Ipv6NetmaskLength"} {
		if f.has(p) {
			return false, errInvalid("The parameter %s is not supported by this mock: only AmazonProvidedIpv6CidrBlock is.", p)
		}
	}
	v, err := f.boolp("AmazonProvidedIpv6CidrBlock")
	return v != nil && *v, err
}

// addVpcIPv6 gives a VPC just made its Amazon-provided /56 and answers it
// as associating; if that fails, the VPC goes again.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpc.html — AmazonProvidedIpv6CidrBlock: a /56 from Amazon's pool
func (h *Handler) addVpcIPv6(c *call, n model.Network) (xmlVpc, error) {
	b, err := h.cloud.AssociateNetworkIPv6(c.account, n.ID)
	if err != nil {
		return xmlVpc{}, errors.Join(err, h.cloud.DeleteNetwork(c.account, n.ID))
	}
	x := toXMLVpc(n)
	x.IPv6Assocs = []xmlIPv6Assoc{toXMLIPv6Assoc(b, "associating")}
	return x, nil
}

type associateVpcIPv6Resp struct {
	meta
	VpcID string       `xml:"vpcId"`
	Assoc xmlIPv6Assoc `xml:"ipv6CidrBlockAssociation"`
}

// associateVpcIPv6 is AssociateVpcCidrBlock with AmazonProvidedIpv6CidrBlock.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateVpcCidrBlock.html — answers ipv6CidrBlockAssociation in state associating
func associateVpcIPv6(h *Handler, c *call, id string) (response, error) {
	b, err := h.cloud.AssociateNetworkIPv6(c.account, id)
	if err != nil {
		return nil, err
	}
	return &associateVpcIPv6Resp{VpcID: id, Assoc: toXMLIPv6Assoc(b, "associating")}, nil
}

type disassociateVpcCidrResp struct {
	meta
	VpcID string        `xml:"vpcId"`
	Assoc *xmlCIDRAssoc `xml:"cidrBlockAssociation,omitempty"`
	IPv6  *xmlIPv6Assoc `xml:"ipv6CidrBlockAssociation,omitempty"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateVpcCidrBlock.html — AssociationId; answers the block in state disassociating
func disassociateVpcCidrBlock(h *Handler, c *call) (response, error) {
	id, err := c.form.required("AssociationId")
	if err != nil {
		return nil, err
	}
	n, err := h.cloud.DisassociateNetworkCIDR(c.account, id)
	if err != nil {
		return nil, err
	}
	r := &disassociateVpcCidrResp{VpcID: n.ID}
	if len(n.IPv6CIDRs) > 0 {
		x := toXMLIPv6Assoc(n.IPv6CIDRs[0], "disassociating")
		r.IPv6 = &x
	} else {
		r.Assoc = &xmlCIDRAssoc{AssociationID: id, CIDRBlock: n.CIDRs[0].Prefix.String(), State: xmlCIDRState{State: "disassociating"}}
	}
	return r, nil
}

// xmlSubnetIPv6Assoc is a SubnetIpv6CidrBlockAssociation.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SubnetIpv6CidrBlockAssociation.html — associationId, ipv6CidrBlock, ipv6CidrBlockState
type xmlSubnetIPv6Assoc struct {
	AssociationID string       `xml:"associationId"`
	CIDRBlock     string       `xml:"ipv6CidrBlock"`
	State         xmlCIDRState `xml:"ipv6CidrBlockState"`
}

// xmlSubnetIPv6 is the IPv6 part of a Subnet.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Subnet.html — assignIpv6AddressOnCreation, ipv6CidrBlockAssociationSet, ipv6Native
type xmlSubnetIPv6 struct {
	AssignIPv6 bool                 `xml:"assignIpv6AddressOnCreation"`
	Assocs     []xmlSubnetIPv6Assoc `xml:"ipv6CidrBlockAssociationSet>item"`
	Native     bool                 `xml:"ipv6Native"`
}

func toXMLSubnetIPv6(s model.Subnet) xmlSubnetIPv6 {
	x := xmlSubnetIPv6{AssignIPv6: s.AssignIPv6, Native: s.IPv6Native}
	if s.IPv6CIDR.Prefix.IsValid() {
		x.Assocs = []xmlSubnetIPv6Assoc{subnetIPv6Assoc(s.IPv6CIDR, "associated")}
	}
	return x
}

func subnetIPv6Assoc(b model.IPv6Block, state string) xmlSubnetIPv6Assoc {
	return xmlSubnetIPv6Assoc{AssociationID: b.AssociationID, CIDRBlock: b.Prefix.String(), State: xmlCIDRState{State: state}}
}

// subnetIPv6Field answers the IPv6 filters of DescribeSubnets.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSubnets.html — ipv6-cidr-block-association.*, assign-ipv6-address-on-creation, ipv6-native
func subnetIPv6Field(s model.Subnet, name string) []string {
	switch name {
	case "assign-ipv6-address-on-creation":
		return one(strconv.FormatBool(s.AssignIPv6))
	case "ipv6-native":
		return one(strconv.FormatBool(s.IPv6Native))
	}
	if !s.IPv6CIDR.Prefix.IsValid() {
		return nil
	}
	switch name {
	case "ipv6-cidr-block-association.ipv6-cidr-block":
		return one(s.IPv6CIDR.Prefix.String())
	case "ipv6-cidr-block-association.association-id":
		return one(s.IPv6CIDR.AssociationID)
	}
	return one("associated")
}

// cidr6 parses an IPv6 CIDR parameter.
func (f form) cidr6(k string) (netip.Prefix, error) {
	v, err := f.required(k)
	if err != nil {
		return netip.Prefix{}, err
	}
	p, perr := netip.ParsePrefix(v)
	if perr != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
		return netip.Prefix{}, errInvalid("Value (%s) for parameter %s is invalid. This is not a valid IPv6 CIDR block.", v, k)
	}
	return p, nil
}

// subnetIPv6Args reads CreateSubnet's Ipv6CidrBlock and Ipv6Native: an
// IPv6-only subnet has an Ipv6CidrBlock and no CidrBlock.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html — Ipv6Native: indicates whether to create an IPv6-only subnet; CidrBlock: this parameter is not supported for an IPv6 only subnet
func subnetIPv6Args(f form) (v6 netip.Prefix, native bool, err error) {
	nat, err := f.boolp("Ipv6Native")
	if err != nil {
		return netip.Prefix{}, false, err
	}
	native = nat != nil && *nat
	switch {
	case native && f.has("CidrBlock"):
		return netip.Prefix{}, false, &apiError{Code: "InvalidParameterCombination", Status: 400,
			Message: "The parameter CidrBlock is not supported for an IPv6 only subnet."}
	case native && !f.has("Ipv6CidrBlock"):
		return netip.Prefix{}, false, errMissing("Ipv6CidrBlock")
	case !f.has("Ipv6CidrBlock"):
		return netip.Prefix{}, false, nil
	}
	v6, err = f.cidr6("Ipv6CidrBlock")
	return v6, native, err
}

// addSubnetIPv6 gives a subnet just made its IPv6 /64; if that fails, the
// subnet goes again.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html — Ipv6CidrBlock: the subnet's /64
func (h *Handler) addSubnetIPv6(c *call, s model.Subnet, p netip.Prefix) (model.Subnet, error) {
	b, err := h.cloud.AssociateSubnetIPv6(c.account, s.ID, p)
	if err != nil {
		return model.Subnet{}, errors.Join(err, h.cloud.DeleteSubnet(c.account, s.ID))
	}
	s.IPv6CIDR = b
	return s, nil
}

type subnetCidrResp struct {
	meta
	SubnetID string             `xml:"subnetId"`
	Assoc    xmlSubnetIPv6Assoc `xml:"ipv6CidrBlockAssociation"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateSubnetCidrBlock.html — SubnetId, Ipv6CidrBlock; answers the association in state associating
func associateSubnetCidrBlock(h *Handler, c *call) (response, error) {
	id, err := c.form.required("SubnetId")
	if err != nil {
		return nil, err
	}
	p, err := c.form.cidr6("Ipv6CidrBlock")
	if err != nil {
		return nil, err
	}
	b, err := h.cloud.AssociateSubnetIPv6(c.account, id, p)
	if err != nil {
		return nil, err
	}
	return &subnetCidrResp{SubnetID: id, Assoc: subnetIPv6Assoc(b, "associating")}, nil
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateSubnetCidrBlock.html — AssociationId; answers the association in state disassociating
func disassociateSubnetCidrBlock(h *Handler, c *call) (response, error) {
	id, err := c.form.required("AssociationId")
	if err != nil {
		return nil, err
	}
	s, err := h.cloud.DisassociateSubnetIPv6(c.account, id)
	if err != nil {
		return nil, err
	}
	return &subnetCidrResp{SubnetID: s.ID, Assoc: subnetIPv6Assoc(s.IPv6CIDR, "disassociating")}, nil
}

// xmlIPv6Addr is an InstanceIpv6Address / NetworkInterfaceIpv6Address.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterfaceIpv6Address.html — ipv6Address
type xmlIPv6Addr struct {
	Address   string `xml:"ipv6Address"`
	IsPrimary bool   `xml:"isPrimaryIpv6"`
}

// toXMLIPv6Addrs is an interface's IPv6 addresses, the first marked
// primary when primary is set.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterfaceIpv6Address.html — ipv6Address, isPrimaryIpv6
func toXMLIPv6Addrs(as []netip.Addr, primary bool) []xmlIPv6Addr {
	var out []xmlIPv6Addr
	for n, a := range as {
		out = append(out, xmlIPv6Addr{Address: a.String(), IsPrimary: primary && n == 0})
	}
	return out
}

// isPrimaryIPv6 answers the ipv6-addresses.is-primary-ipv6 filter: each
// IPv6 address's flag.
func isPrimaryIPv6(e model.NetworkInterface) []string {
	var out []string
	for _, x := range toXMLIPv6Addrs(e.IPv6Addrs, e.PrimaryIPv6) {
		out = append(out, strconv.FormatBool(x.IsPrimary))
	}
	return out
}

func addrStrings(as []netip.Addr) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.String())
	}
	return out
}

// ipv6List reads a list of IPv6 addresses: the parameters prefix.N, or
// prefix.N.suffix when suffix is set.
func ipv6List(f form, prefix, suffix string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, i := range f.indices(prefix) {
		k := prefix + "." + strconv.Itoa(i)
		if suffix != "" {
			k += "." + suffix
		}
		v := f.str(k)
		a, err := netip.ParseAddr(v)
		if err != nil || !a.Is6() || a.Is4In6() {
			return nil, errInvalid("Value (%s) for parameter %s is invalid. This is not a valid IPv6 address.", v, k)
		}
		out = append(out, a)
	}
	return out, nil
}

// launchIPv6 reads RunInstances' Ipv6AddressCount and Ipv6Address.N.Ipv6Address
// (or the same of NetworkInterface.1).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — Ipv6AddressCount, Ipv6Address.N
func launchIPv6(f form) (int, []netip.Addr, error) {
	for _, p := range []struct{ count, list string }{{"Ipv6AddressCount", "Ipv6Address"},
		{"NetworkInterface.1.Ipv6AddressCount", "NetworkInterface.1.Ipv6Addresses"}} {
		n, err := f.intOr(p.count, 0)
		if err != nil {
			return 0, nil, err
		}
		addrs, err := ipv6List(f, p.list, "Ipv6Address")
		if err != nil {
			return 0, nil, err
		}
		if n > 0 || len(addrs) > 0 {
			return n, addrs, nil
		}
	}
	return 0, nil, nil
}

type assignIPv6Resp struct {
	meta
	ENI   string   `xml:"networkInterfaceId"`
	Addrs []string `xml:"assignedIpv6Addresses>item"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssignIpv6Addresses.html — NetworkInterfaceId, Ipv6AddressCount or Ipv6Addresses.N; answers assignedIpv6Addresses, a list of strings
func assignIpv6Addresses(h *Handler, c *call) (response, error) {
	id, err := c.form.required("NetworkInterfaceId")
	if err != nil {
		return nil, err
	}
	n, err := c.form.intOr("Ipv6AddressCount", 0)
	if err != nil {
		return nil, err
	}
	addrs, err := ipv6List(c.form, "Ipv6Addresses", "")
	if err != nil {
		return nil, err
	}
	if n == 0 && len(addrs) == 0 {
		return nil, errMissing("Ipv6AddressCount")
	}
	got, err := h.cloud.AssignIPv6(c.account, id, n, addrs)
	if err != nil {
		return nil, err
	}
	return &assignIPv6Resp{ENI: id, Addrs: addrStrings(got)}, nil
}

type unassignIPv6Resp struct {
	meta
	ENI   string   `xml:"networkInterfaceId"`
	Addrs []string `xml:"unassignedIpv6Addresses>item"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UnassignIpv6Addresses.html — NetworkInterfaceId, Ipv6Addresses.N; answers unassignedIpv6Addresses
func unassignIpv6Addresses(h *Handler, c *call) (response, error) {
	id, err := c.form.required("NetworkInterfaceId")
	if err != nil {
		return nil, err
	}
	addrs, err := ipv6List(c.form, "Ipv6Addresses", "")
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, errMissing("Ipv6Addresses")
	}
	if err := h.cloud.UnassignIPv6(c.account, id, addrs); err != nil {
		return nil, err
	}
	return &unassignIPv6Resp{ENI: id, Addrs: addrStrings(addrs)}, nil
}

// routeDestination reads a route's destination: DestinationCidrBlock or
// DestinationIpv6CidrBlock, exactly one.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html — DestinationCidrBlock, DestinationIpv6CidrBlock
func routeDestination(f form) (netip.Prefix, error) {
	if f.has("DestinationIpv6CidrBlock") {
		if f.has("DestinationCidrBlock") {
			return netip.Prefix{}, &apiError{Code: "InvalidParameterCombination", Message: "Only one of destinationCidrBlock and destinationIpv6CidrBlock can be specified.", Status: 400}
		}
		return f.cidr6("DestinationIpv6CidrBlock")
	}
	return f.cidr("DestinationCidrBlock")
}

// xmlIPv6Range is an Ipv6Range of a security group permission.
type xmlIPv6Range struct {
	CIDR        string `xml:"cidrIpv6"`
	Description string `xml:"description,omitempty"`
}

// aclEntryCIDR reads a network ACL entry's CidrBlock or Ipv6CidrBlock.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html — CidrBlock or Ipv6CidrBlock
func aclEntryCIDR(f form) (netip.Prefix, error) {
	if f.has("Ipv6CidrBlock") {
		if f.has("CidrBlock") {
			return netip.Prefix{}, &apiError{Code: "InvalidParameterCombination", Message: "Only one of cidrBlock and ipv6CidrBlock can be specified.", Status: 400}
		}
		return f.cidr6("Ipv6CidrBlock")
	}
	return f.cidr("CidrBlock")
}

// primaryIPv6Param reads the first of the boolean parameters given.
func primaryIPv6Param(f form, names ...string) (bool, error) {
	for _, k := range names {
		v, err := f.boolp(k)
		if err != nil || v != nil {
			return v != nil && *v, err
		}
	}
	return false, nil
}
