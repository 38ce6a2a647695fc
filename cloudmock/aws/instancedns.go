package aws

import (
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// An instance's public address and DNS names, as DescribeInstances and
// RunInstances show them.

// instanceAddressing is what an instance shows of its addresses' names.
type instanceAddressing struct {
	publicIP, publicDNS, privateDNS string
	owner                           string // the public address's owner: amazon, or the account of an elastic IP
}

// addressing returns the instance's public address (its elastic IP's, or
// the one it got at launch) and DNS names.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html#concepts-public-addresses — an instance shows its public IPv4 address, or its Elastic IP address once one is associated
func (h *Handler) addressing(account string, i model.Instance) instanceAddressing {
	var a instanceAddressing
	if i.State == model.InstanceTerminated || !i.PrivateIP.IsValid() {
		return a
	}
	region := h.regionOf(i.Region)
	a.privateDNS = privateDNSName(region, i.PrivateIP.String())
	if e, err := h.cloud.NetworkInterface(account, i.NetworkInterfaceID); err == nil && e.PublicIP.IsValid() {
		a.publicIP, a.owner = e.PublicIP.String(), "amazon"
	}
	for _, e := range h.cloud.ElasticIPs(account) {
		if (e.Associate == i.NetworkInterfaceID && !e.PrivateIP.IsValid()) || e.Associate == i.ID { // not one on a secondary address
			a.publicIP, a.owner = e.PublicIP.String(), account
		}
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html#vpc-dns-hostnames — instances with a public IPv4 address get a public DNS hostname only if the VPC has DNS hostnames and DNS resolution enabled
	if n, err := h.cloud.Network(account, i.NetworkID); err == nil && a.publicIP != "" && n.DNSHostnames && n.DNSSupport {
		a.publicDNS = publicDNSName(region, a.publicIP)
	}
	return a
}

// privateDNSName is an instance's IP-based private name:
// ip-10-0-0-5.ec2.internal in us-east-1, ip-10-0-0-5.REGION.compute.internal
// elsewhere.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-naming.html — IP name: ip-private-ipv4-address.ec2.internal (us-east-1) or .region.compute.internal
func privateDNSName(region, ip string) string {
	name := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return name + ".ec2.internal"
	}
	return name + "." + region + ".compute.internal"
}

// publicDNSName is an instance's public name:
// ec2-203-0-113-5.compute-1.amazonaws.com in us-east-1,
// ec2-203-0-113-5.REGION.compute.amazonaws.com elsewhere.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html#vpc-dns-hostnames — ec2-public-ipv4-address.compute-1.amazonaws.com for us-east-1, ec2-public-ipv4-address.region.compute.amazonaws.com elsewhere
func publicDNSName(region, ip string) string {
	name := "ec2-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return name + ".compute-1.amazonaws.com"
	}
	return name + "." + region + ".compute.amazonaws.com"
}

// apply shows an instance's public address and names in its
// description.
func (a instanceAddressing) apply(x *xmlInstance) {
	x.PrivateDNSName, x.DNSName, x.IPAddress = a.privateDNS, a.publicDNS, a.publicIP
	for k := range x.NICs {
		if k > 0 {
			break // the primary interface holds the public address
		}
		x.NICs[k].PrivateDNSName = a.privateDNS
		if a.publicIP != "" {
			if x.NICs[k].Association == nil {
				x.NICs[k].Association = &xmlENIAssociation{}
			}
			x.NICs[k].Association.PublicIP, x.NICs[k].Association.PublicDNSName, x.NICs[k].Association.IPOwnerID = a.publicIP, a.publicDNS, a.owner
		}
	}
}

// addressFields adds the filters on an instance's addresses and names
// to its other fields.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html — filters dns-name, ip-address, private-dns-name
func (a instanceAddressing) fields(base fields) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "dns-name":
			return one(a.publicDNS), true
		case "ip-address":
			return one(a.publicIP), true
		case "private-dns-name":
			return one(a.privateDNS), true
		}
		return base(name)
	}
}
