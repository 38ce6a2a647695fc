package cloud

import (
	"errors"
	"fmt"
	"net/netip"
)

// Validate checks d on its own, before any call, as every provider needs
// it checked: keys unique and present, references resolved, addresses
// well formed and inside their networks, and nothing asked of a provider
// that caps says it cannot do. owner, when d names one, must be d's.
// The error joins one error per problem, each naming its object.
func Validate(d Desired, owner string, caps Capabilities) error {
	v := validator{caps: caps, vpcs: map[string]VPC{}, subnets: map[string]Subnet{}, subnetVPC: map[string]string{},
		groups: map[string]SecurityGroup{}}
	if d.Owner != "" && owner != "" && d.Owner != owner {
		v.errs = append(v.errs, fmt.Errorf("desired state of owner %q given to the provider of owner %q", d.Owner, owner))
	}
	v.networks(d.VPCs)
	v.securityGroups(d.SecurityGroups)
	v.instances(d.Instances)
	v.routes(d.Routes)
	v.virtualInterfaces(d.VirtualInterfaces)
	return errors.Join(v.errs...)
}

// validator collects Validate's errors and the objects seen so far.
type validator struct {
	caps      Capabilities
	errs      []error
	vpcs      map[string]VPC
	subnets   map[string]Subnet
	subnetVPC map[string]string // subnet key -> VPC key
	groups    map[string]SecurityGroup
}

// bad records a problem of one object.
func (v *validator) bad(kind, key, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s %s: %s", kind, key, fmt.Sprintf(format, args...)))
}

// checkKey reports an object of kind without a key (noKey says what needs
// one) or with a key that seen holds already.
func checkKey[V any](v *validator, seen map[string]V, kind, key, noKey string) {
	if key == "" {
		v.bad(kind, "(no key)", "%s", noKey)
	} else if _, dup := seen[key]; dup {
		v.bad(kind, key, "key used twice")
	}
}

// bitsOK reports whether a prefix length is inside the provider's bounds.
func (v *validator) bitsOK(bits int) bool {
	lo, hi := v.caps.NetworkBits[0], v.caps.NetworkBits[1]
	if hi == 0 {
		hi = 32
	}
	return bits >= lo && bits <= hi
}

// bounds names the provider's bounds for messages: "/16 to /28".
func (v *validator) bounds() string {
	hi := v.caps.NetworkBits[1]
	if hi == 0 {
		hi = 32
	}
	return fmt.Sprintf("/%d to /%d", v.caps.NetworkBits[0], hi)
}

func (v *validator) networks(vpcs []VPC) {
	for _, n := range vpcs {
		checkKey(v, v.vpcs, "vpc", n.Key, "a VPC needs a key")
		v.vpcs[n.Key] = n
		if n.CIDR != n.CIDR.Masked() {
			v.bad("vpc", n.Key, "CIDR %s has host bits set (%s?)", n.CIDR, n.CIDR.Masked())
		}
		if !n.CIDR.IsValid() || !n.CIDR.Addr().Is4() || !v.bitsOK(n.CIDR.Bits()) {
			v.bad("vpc", n.Key, "CIDR %s is not an IPv4 prefix of %s", n.CIDR, v.bounds())
		}
		for _, s := range n.Subnets {
			checkKey(v, v.subnets, "subnet", s.Key, fmt.Sprintf("a subnet of VPC %s needs a key", n.Key))
			v.subnets[s.Key], v.subnetVPC[s.Key] = s, n.Key
			if s.CIDR != s.CIDR.Masked() {
				v.bad("subnet", s.Key, "CIDR %s has host bits set (%s?)", s.CIDR, s.CIDR.Masked())
			}
			if !s.CIDR.IsValid() || !s.CIDR.Addr().Is4() || !v.bitsOK(s.CIDR.Bits()) || s.CIDR.Bits() < n.CIDR.Bits() || !n.CIDR.Contains(s.CIDR.Addr()) {
				v.bad("subnet", s.Key, "CIDR %s is not an IPv4 prefix of %s inside VPC %s (%s)", s.CIDR, v.bounds(), n.Key, n.CIDR)
			}
		}
	}
}

func (v *validator) securityGroups(groups []SecurityGroup) {
	for _, g := range groups {
		checkKey(v, v.groups, "security group", g.Key, "a security group needs a key")
		v.groups[g.Key] = g
		if _, ok := v.vpcs[g.VPC]; !ok {
			v.bad("security group", g.Key, "no VPC %q", g.VPC)
		}
		for _, r := range g.Ingress {
			if !r.Protocol.Valid() {
				v.bad("security group", g.Key, "%s is not all, tcp, udp or icmp", r.Protocol)
			}
			if !r.Source.IsValid() {
				v.bad("security group", g.Key, "a rule has no source prefix")
			}
		}
	}
}

func (v *validator) instances(instances []Instance) {
	seen := map[string]bool{}
	for _, i := range instances {
		checkKey(v, seen, "instance", i.Key, "an instance needs a key")
		seen[i.Key] = true
		if _, ok := v.vpcs[i.VPC]; !ok {
			v.bad("instance", i.Key, "no VPC %q", i.VPC)
		}
		if s, ok := v.subnets[i.Subnet]; !ok || v.subnetVPC[i.Subnet] != i.VPC {
			v.bad("instance", i.Key, "no subnet %q in VPC %q", i.Subnet, i.VPC)
		} else if i.PrivateIP.IsValid() && !s.CIDR.Contains(i.PrivateIP) {
			v.bad("instance", i.Key, "private IP %s is outside subnet %s (%s)", i.PrivateIP, i.Subnet, s.CIDR)
		}
		switch i.Image {
		case ImageGateway, ImageWorkload, ImageFirewall, ImageEgress, ImageVPN:
		case "":
			v.bad("instance", i.Key, "no image")
		default:
			v.bad("instance", i.Key, "image role %q is not %s, %s, %s, %s or %s", i.Image, ImageGateway, ImageWorkload, ImageFirewall, ImageEgress, ImageVPN)
		}
		switch i.Size {
		case "", SizeSmall, SizeMedium, SizeLarge:
		default:
			v.bad("instance", i.Key, "size %q is not %s, %s or %s", i.Size, SizeSmall, SizeMedium, SizeLarge)
		}
		if i.PublicIP && !v.caps.StaticPublicAddresses {
			v.bad("instance", i.Key, "the provider has no static public addresses")
		}
		for _, g := range i.SecurityGroups {
			if sg, ok := v.groups[g]; !ok || sg.VPC != i.VPC {
				v.bad("instance", i.Key, "no security group %q in VPC %q", g, i.VPC)
			}
		}
		v.interfaces(i)
	}
}

// interfaces checks an instance's further interfaces: each in a subnet
// of its VPC, its address inside, its groups the VPC's.
func (v *validator) interfaces(i Instance) {
	if len(i.Interfaces) > 0 && !v.caps.NetworkInterfaces {
		v.bad("instance", i.Key, "the provider has no further network interfaces")
	}
	for n, f := range i.Interfaces {
		k := InterfaceKey(i.Key, n+1)
		if s, ok := v.subnets[f.Subnet]; !ok || v.subnetVPC[f.Subnet] != i.VPC {
			v.bad("interface", k, "no subnet %q in VPC %q", f.Subnet, i.VPC)
		} else if f.PrivateIP.IsValid() && !s.CIDR.Contains(f.PrivateIP) {
			v.bad("interface", k, "private IP %s is outside subnet %s (%s)", f.PrivateIP, f.Subnet, s.CIDR)
		}
		if f.PublicIP && !v.caps.StaticPublicAddresses {
			v.bad("interface", k, "the provider has no static public addresses")
		}
		for _, g := range f.SecurityGroups {
			if sg, ok := v.groups[g]; !ok || sg.VPC != i.VPC {
				v.bad("interface", k, "no security group %q in VPC %q", g, i.VPC)
			}
		}
	}
}

func (v *validator) routes(routes []Route) {
	seen := map[string]map[netip.Prefix]bool{}
	for _, r := range routes {
		name := r.Subnet + " " + r.Destination.String()
		n, ok := v.vpcs[v.subnetVPC[r.Subnet]]
		if !ok {
			v.bad("route", name, "no subnet %q", r.Subnet)
			continue
		}
		if !r.Destination.IsValid() || !r.Destination.Addr().Is4() || r.Destination != r.Destination.Masked() {
			v.bad("route", name, "destination is not an IPv4 prefix without host bits")
		}
		if seen[r.Subnet] == nil {
			seen[r.Subnet] = map[netip.Prefix]bool{}
		}
		if seen[r.Subnet][r.Destination] {
			v.bad("route", name, "destination given twice")
		}
		seen[r.Subnet][r.Destination] = true
		switch r.Target {
		case TargetInternet:
			if !n.Internet {
				v.bad("route", name, "targets the internet but VPC %s has no way to it", n.Key)
			}
		case TargetPrivateLine:
			if !n.PrivateLines {
				v.bad("route", name, "targets private lines but VPC %s has no end of them", n.Key)
			}
		default:
			v.bad("route", name, "target %q is not %s or %s", r.Target, TargetInternet, TargetPrivateLine)
		}
	}
}

func (v *validator) virtualInterfaces(vifs []VirtualInterface) {
	if !v.caps.PrivateLines && len(vifs) > 0 {
		v.errs = append(v.errs, fmt.Errorf("virtual interface %s: the provider has no private lines", vifs[0].Key))
	}
	seen := map[string]bool{}
	for _, x := range vifs {
		checkKey(v, seen, "virtual interface", x.Key, "a virtual interface needs a key")
		seen[x.Key] = true
		if n, ok := v.vpcs[x.VPC]; !ok || !n.PrivateLines {
			v.bad("virtual interface", x.Key, "VPC %q does not exist or has no end of private lines", x.VPC)
		}
		if x.ASN == 0 {
			v.bad("virtual interface", x.Key, "no customer ASN")
		}
		if x.Connection == "" {
			v.bad("virtual interface", x.Key, "no connection name")
		}
		// IEEE 802.1Q: VLAN IDs 1-4094 (0 and 4095 are reserved); AWS:
		// https://docs.aws.amazon.com/directconnect/latest/APIReference/API_NewPrivateVirtualInterface.html
		if x.VLAN < 1 || x.VLAN > 4094 {
			v.bad("virtual interface", x.Key, "VLAN %d is not in 1-4094", x.VLAN)
		}
		if !x.CloudAddress.IsValid() || !x.CustomerAddress.IsValid() || x.CloudAddress.Masked() != x.CustomerAddress.Masked() {
			v.bad("virtual interface", x.Key, "addresses %s and %s are not two ends of one prefix", x.CloudAddress, x.CustomerAddress)
		}
	}
}
