package aws

import (
	"net/netip"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// A subnet's DNS64 and hostname settings, kept as the subnet's provider
// attributes (model.Meta.Attrs), and the subnet fields that AWS answers
// for features the lab has none of (Outposts, customer-owned addresses,
// LNI), so that every documented filter of DescribeSubnets matches what
// AWS would answer.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Subnet.html — availabilityZoneId, enableDns64, mapCustomerOwnedIpOnLaunch, privateDnsNameOptionsOnLaunch, subnetArn

// The subnet attributes ModifySubnetAttribute sets.
const (
	attrDNS64        = "enableDns64"
	attrHostnameType = "hostnameType"
	attrDNSA         = "enableResourceNameDnsARecord"
	attrDNSAAAA      = "enableResourceNameDnsAAAARecord"
)

// xmlPrivateDNSOptions is a PrivateDnsNameOptionsOnLaunch.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_PrivateDnsNameOptionsOnLaunch.html — hostnameType ip-name | resource-name, enableResourceNameDnsARecord, enableResourceNameDnsAAAARecord
type xmlPrivateDNSOptions struct {
	HostnameType string `xml:"hostnameType"`
	A            bool   `xml:"enableResourceNameDnsARecord"`
	AAAA         bool   `xml:"enableResourceNameDnsAAAARecord"`
}

// xmlSubnetMore is the part of a Subnet that subnetattrs.go answers.
type xmlSubnetMore struct {
	ZoneID           string               `xml:"availabilityZoneId"`
	DNS64            bool                 `xml:"enableDns64"`
	MapCustomerOwned bool                 `xml:"mapCustomerOwnedIpOnLaunch"`
	DNSOptions       xmlPrivateDNSOptions `xml:"privateDnsNameOptionsOnLaunch"`
}

// hostnameType is a subnet's hostname type on launch: ip-name unless
// changed.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-naming.html — IP name is the default hostname type
func hostnameType(s model.Subnet) string {
	if v := s.Attrs[attrHostnameType]; v != "" {
		return v
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-naming.html — an instance in an IPv6-only subnet is named by resource name
	if s.IPv6Native {
		return "resource-name"
	}
	return "ip-name"
}

func toXMLSubnetMore(s model.Subnet) xmlSubnetMore {
	return xmlSubnetMore{ZoneID: zoneID(s.Zone), DNS64: s.Attrs[attrDNS64] == "true",
		DNSOptions: xmlPrivateDNSOptions{HostnameType: hostnameType(s), A: s.Attrs[attrDNSA] == "true", AAAA: s.Attrs[attrDNSAAAA] == "true"}}
}

// subnetMoreField answers the DescribeSubnets filters of the fields
// above; ok is false for another name.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSubnets.html — availability-zone-id, customer-owned-ipv4-pool, enable-dns64, enable-lni-at-device-index, map-customer-owned-ip-on-launch, outpost-arn, private-dns-name-options-on-launch.hostname-type, subnet-arn
func (h *Handler) subnetMoreField(s model.Subnet, name string) ([]string, bool) {
	switch name {
	case "availability-zone-id":
		return one(zoneID(s.Zone)), true
	case "enable-dns64":
		return one(strconv.FormatBool(s.Attrs[attrDNS64] == "true")), true
	case "map-customer-owned-ip-on-launch":
		return one("false"), true
	case "private-dns-name-options-on-launch.hostname-type":
		return one(hostnameType(s)), true
	case "subnet-arn":
		return one(h.subnetArn(s)), true
	case "customer-owned-ipv4-pool", "enable-lni-at-device-index", "outpost-arn":
		// No subnet of the lab is on an Outpost or has these.
		return nil, true
	}
	return nil, false
}

func (h *Handler) subnetArn(s model.Subnet) string {
	return "arn:aws:ec2:" + h.regionOf(s.Region) + ":" + s.Account + ":subnet/" + s.ID
}

// modifySubnetDNS sets the DNS attributes of ModifySubnetAttribute,
// and reports whether the request named one.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifySubnetAttribute.html — EnableDns64, PrivateDnsHostnameTypeOnLaunch (ip-name | resource-name), EnableResourceNameDnsARecordOnLaunch, EnableResourceNameDnsAAAARecordOnLaunch; one attribute per call
func (h *Handler) modifySubnetDNS(c *call, id string) (bool, error) {
	attrs := map[string]string{}
	for param, attr := range map[string]string{"EnableDns64.Value": attrDNS64, "EnableResourceNameDnsARecordOnLaunch.Value": attrDNSA,
		"EnableResourceNameDnsAAAARecordOnLaunch.Value": attrDNSAAAA} {
		v, err := c.form.boolp(param)
		if err != nil {
			return false, err
		}
		if v != nil {
			attrs[attr] = strconv.FormatBool(*v)
		}
	}
	if c.form.has("PrivateDnsHostnameTypeOnLaunch") {
		v := c.form.str("PrivateDnsHostnameTypeOnLaunch")
		if v != "ip-name" && v != "resource-name" {
			return false, errInvalid("Value (%s) for parameter PrivateDnsHostnameTypeOnLaunch is invalid. Valid values: ip-name, resource-name", v)
		}
		attrs[attrHostnameType] = v
	}
	if len(attrs) == 0 {
		return false, nil
	}
	if len(attrs) > 1 || c.form.has("MapPublicIpOnLaunch.Value") || c.form.has("AssignIpv6AddressOnCreation.Value") {
		return false, errInvalid("You must specify exactly one attribute to modify.")
	}
	if _, err := h.cloud.Subnet(c.account, id); err != nil {
		return false, err
	}
	return true, h.cloud.SetAttrs(c.account, id, attrs)
}

// ipString is an address as EC2 shows it, or "" for none (the private
// IPv4 address of an interface in an IPv6-only subnet).
func ipString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// prefixString is a prefix as EC2 shows it, or "" for none (the IPv4
// block of an IPv6-only subnet).
func prefixString(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	return p.String()
}

// opt is one value, or none for "".
func opt(v string) []string {
	if v == "" {
		return nil
	}
	return one(v)
}
