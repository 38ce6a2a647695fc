package aws

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// validate checks d on its own, before any call: keys unique and present,
// references resolved, addresses well formed and inside their networks.
func (p *Provider) validate(d cloud.Desired) error {
	var errs []error
	bad := func(kind, key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s %s: %s", kind, key, fmt.Sprintf(format, args...)))
	}
	if d.Owner != "" && d.Owner != p.owner {
		errs = append(errs, fmt.Errorf("desired state of owner %q given to the provider of owner %q", d.Owner, p.owner))
	}
	vpcs := map[string]cloud.VPC{}
	subnets := map[string]cloud.Subnet{}
	subnetVPC := map[string]string{}
	for _, v := range d.VPCs {
		checkKey(bad, vpcs, "vpc", v.Key, "a VPC needs a key")
		vpcs[v.Key] = v
		if v.Region != "" && p.region != "" && v.Region != p.region {
			bad("vpc", v.Key, "is in region %s, but this provider serves %s (use NewRegional for several regions)", v.Region, p.region)
		}
		if v.CIDR != v.CIDR.Masked() {
			bad("vpc", v.Key, "CIDR %s has host bits set (%s?)", v.CIDR, v.CIDR.Masked())
		}
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html — IPv4 VPC and subnet blocks are /16 to /28
		if !v.CIDR.IsValid() || !v.CIDR.Addr().Is4() || v.CIDR.Bits() < 16 || v.CIDR.Bits() > 28 {
			bad("vpc", v.Key, "CIDR %s is not an IPv4 prefix of /16 to /28", v.CIDR)
		}
		for _, s := range v.Subnets {
			checkKey(bad, subnets, "subnet", s.Key, fmt.Sprintf("a subnet of VPC %s needs a key", v.Key))
			subnets[s.Key], subnetVPC[s.Key] = s, v.Key
			if s.CIDR != s.CIDR.Masked() {
				bad("subnet", s.Key, "CIDR %s has host bits set (%s?)", s.CIDR, s.CIDR.Masked())
			}
			if !s.CIDR.IsValid() || !s.CIDR.Addr().Is4() || s.CIDR.Bits() > 28 || s.CIDR.Bits() < v.CIDR.Bits() || !v.CIDR.Contains(s.CIDR.Addr()) {
				bad("subnet", s.Key, "CIDR %s is not an IPv4 prefix of at most /28 inside VPC %s (%s)", s.CIDR, v.Key, v.CIDR)
			}
		}
	}
	groups := map[string]cloud.SecurityGroup{}
	for _, g := range d.SecurityGroups {
		checkKey(bad, groups, "security group", g.Key, "a security group needs a key")
		groups[g.Key] = g
		if _, ok := vpcs[g.VPC]; !ok {
			bad("security group", g.Key, "no VPC %q", g.VPC)
		}
		for _, r := range g.Ingress {
			switch normProto(r.Protocol) {
			case "-1", "tcp", "udp", "icmp":
			default:
				bad("security group", g.Key, "protocol %q is not -1, tcp, udp or icmp", r.Protocol)
			}
			if !r.Source.IsValid() {
				bad("security group", g.Key, "a rule has no source prefix")
			}
		}
	}
	instances := map[string]bool{}
	for _, i := range d.Instances {
		checkKey(bad, instances, "instance", i.Key, "an instance needs a key")
		instances[i.Key] = true
		if _, ok := vpcs[i.VPC]; !ok {
			bad("instance", i.Key, "no VPC %q", i.VPC)
		}
		if s, ok := subnets[i.Subnet]; !ok || subnetVPC[i.Subnet] != i.VPC {
			bad("instance", i.Key, "no subnet %q in VPC %q", i.Subnet, i.VPC)
		} else if i.PrivateIP.IsValid() && !s.CIDR.Contains(i.PrivateIP) {
			bad("instance", i.Key, "private IP %s is outside subnet %s (%s)", i.PrivateIP, i.Subnet, s.CIDR)
		}
		if i.Image == "" {
			bad("instance", i.Key, "no image")
		}
		for _, g := range i.SecurityGroups {
			if sg, ok := groups[g]; !ok || sg.VPC != i.VPC {
				bad("instance", i.Key, "no security group %q in VPC %q", g, i.VPC)
			}
		}
	}
	routes := map[string]map[netip.Prefix]bool{}
	for _, r := range d.Routes {
		name := r.Subnet + " " + r.Destination.String()
		v, ok := vpcs[subnetVPC[r.Subnet]]
		if !ok {
			bad("route", name, "no subnet %q", r.Subnet)
			continue
		}
		if !r.Destination.IsValid() || !r.Destination.Addr().Is4() || r.Destination != r.Destination.Masked() {
			bad("route", name, "destination is not an IPv4 prefix without host bits")
		}
		if routes[r.Subnet] == nil {
			routes[r.Subnet] = map[netip.Prefix]bool{}
		}
		if routes[r.Subnet][r.Destination] {
			bad("route", name, "destination given twice")
		}
		routes[r.Subnet][r.Destination] = true
		switch r.Target {
		case cloud.TargetInternet:
			if !v.InternetGateway {
				bad("route", name, "targets the internet gateway but VPC %s has none", v.Key)
			}
		case cloud.TargetVPN:
			if !v.VPNGateway {
				bad("route", name, "targets the VPN gateway but VPC %s has none", v.Key)
			}
		default:
			bad("route", name, "target %q is not igw or vgw", r.Target)
		}
	}
	if p.noDX && len(d.VirtualInterfaces) > 0 {
		errs = append(errs, fmt.Errorf("virtual interface %s: the provider is kept off Direct Connect", d.VirtualInterfaces[0].Key))
	}
	vifs := map[string]bool{}
	for _, x := range d.VirtualInterfaces {
		checkKey(bad, vifs, "virtual interface", x.Key, "a virtual interface needs a key")
		vifs[x.Key] = true
		if v, ok := vpcs[x.VPC]; !ok || !v.VPNGateway {
			bad("virtual interface", x.Key, "VPC %q does not exist or has no VPN gateway", x.VPC)
		}
		if x.ASN == 0 {
			bad("virtual interface", x.Key, "no customer ASN")
		}
		if x.Connection == "" {
			bad("virtual interface", x.Key, "no connection name")
		}
		// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_NewPrivateVirtualInterface.html — vlan 1-4094
		if x.VLAN < 1 || x.VLAN > 4094 {
			bad("virtual interface", x.Key, "VLAN %d is not in 1-4094", x.VLAN)
		}
		if !x.AmazonAddress.IsValid() || !x.CustomerAddress.IsValid() || x.AmazonAddress.Masked() != x.CustomerAddress.Masked() {
			bad("virtual interface", x.Key, "addresses %s and %s are not two ends of one prefix", x.AmazonAddress, x.CustomerAddress)
		}
	}
	return errors.Join(errs...)
}

// checkKey reports, through bad, an object of kind without a key (noKey
// says what needs one) or with a key that seen holds already.
func checkKey[V any](bad func(kind, key, format string, args ...any), seen map[string]V, kind, key, noKey string) {
	if key == "" {
		bad(kind, "(no key)", "%s", noKey)
	} else if _, dup := seen[key]; dup {
		bad(kind, key, "key used twice")
	}
}
