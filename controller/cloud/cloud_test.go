package cloud_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// valid is a desired state that Validate accepts with awsLike.
func valid() cloud.Desired {
	return cloud.Desired{Owner: "o",
		VPCs: []cloud.VPC{{Key: "v", CIDR: pfx("10.1.0.0/16"), Internet: true, PrivateLines: true,
			Subnets: []cloud.Subnet{{Key: "v/a", CIDR: pfx("10.1.1.0/24")}}}},
		SecurityGroups: []cloud.SecurityGroup{{Key: "g", VPC: "v", Ingress: []cloud.Rule{{Protocol: cloud.ProtocolAll, Source: pfx("10.0.0.0/8")}}}},
		Instances:      []cloud.Instance{{Key: "i", VPC: "v", Subnet: "v/a", Image: cloud.ImageGateway, SecurityGroups: []string{"g"}, PublicIP: true}},
		Routes: []cloud.Route{{Subnet: "v/a", Destination: pfx("0.0.0.0/0"), Target: cloud.TargetInternet},
			{Subnet: "v/a", Destination: pfx("192.168.0.0/16"), Target: cloud.TargetPrivateLine}},
		VirtualInterfaces: []cloud.VirtualInterface{{Key: "x", Connection: "c", VPC: "v", VLAN: 101, ASN: 65000,
			CloudAddress: pfx("169.254.0.1/30"), CustomerAddress: pfx("169.254.0.2/30")}},
	}
}

var awsLike = cloud.Capabilities{PrivateLines: true, StaticPublicAddresses: true, NetworkInterfaces: true, NetworkBits: [2]int{16, 28}}

// TestValidate: each broken field is named with its object; capabilities
// a provider lacks are refused.
func TestValidate(t *testing.T) {
	if err := cloud.Validate(valid(), "o", awsLike); err != nil {
		t.Fatalf("valid state: %v", err)
	}
	for _, tc := range []struct {
		name   string
		caps   cloud.Capabilities
		mutate func(*cloud.Desired)
		want   string
	}{
		{"owner", awsLike, func(d *cloud.Desired) { d.Owner = "p" }, `desired state of owner "p"`},
		{"bits", awsLike, func(d *cloud.Desired) { d.VPCs[0].CIDR = pfx("10.0.0.0/8") }, "vpc v: CIDR 10.0.0.0/8 is not an IPv4 prefix of /16 to /28"},
		{"host bits", awsLike, func(d *cloud.Desired) {
			d.VPCs[0].Subnets[0].CIDR = netip.PrefixFrom(netip.MustParseAddr("10.1.1.1"), 24)
		}, "subnet v/a: CIDR 10.1.1.1/24 has host bits set"},
		{"duplicate key", awsLike, func(d *cloud.Desired) { d.Instances = append(d.Instances, d.Instances[0]) }, "instance i: key used twice"},
		{"protocol", awsLike, func(d *cloud.Desired) { d.SecurityGroups[0].Ingress[0].Protocol = 0 }, "security group g: protocol(0) is not all, tcp, udp or icmp"},
		{"image", awsLike, func(d *cloud.Desired) { d.Instances[0].Image = "" }, "instance i: no image"},
		{"size", awsLike, func(d *cloud.Desired) { d.Instances[0].Size = "t3.micro" }, `instance i: size "t3.micro" is not small`},
		{"no internet", awsLike, func(d *cloud.Desired) { d.VPCs[0].Internet = false }, "route v/a 0.0.0.0/0: targets the internet but VPC v has no way to it"},
		{"target", awsLike, func(d *cloud.Desired) { d.Routes[0].Target = "igw" }, `target "igw" is not internet or private-line`},
		{"no private lines", cloud.Capabilities{StaticPublicAddresses: true}, func(*cloud.Desired) {}, "virtual interface x: the provider has no private lines"},
		{"no public addresses", cloud.Capabilities{PrivateLines: true}, func(*cloud.Desired) {}, "instance i: the provider has no static public addresses"},
		{"vlan", awsLike, func(d *cloud.Desired) { d.VirtualInterfaces[0].VLAN = 4095 }, "virtual interface x: VLAN 4095 is not in 1-4094"},
		{"interface subnet", awsLike, func(d *cloud.Desired) { d.Instances[0].Interfaces = []cloud.Interface{{Subnet: "w/a"}} }, `interface i/eth1: no subnet "w/a" in VPC "v"`},
		{"interface address", awsLike, func(d *cloud.Desired) {
			d.Instances[0].Interfaces = []cloud.Interface{{Subnet: "v/a", PrivateIP: netip.MustParseAddr("10.1.2.9")}}
		}, "interface i/eth1: private IP 10.1.2.9 is outside subnet v/a"},
		{"no interfaces", cloud.Capabilities{PrivateLines: true, StaticPublicAddresses: true}, func(d *cloud.Desired) {
			d.Instances[0].Interfaces = []cloud.Interface{{Subnet: "v/a"}}
		}, "instance i: the provider has no further network interfaces"},
		{"line ends", awsLike, func(d *cloud.Desired) { d.VirtualInterfaces[0].CustomerAddress = pfx("169.254.1.2/30") }, "are not two ends of one prefix"},
	} {
		d := valid()
		tc.mutate(&d)
		err := cloud.Validate(d, "o", tc.caps)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.want)
		}
	}
}

// TestFindGone: a key desired no more goes with no reason, one that
// replace refuses goes with its reason, the rest stay.
func TestFindGone(t *testing.T) {
	have := map[string]int{"a": 1, "b": 2, "c": 3}
	want := map[string]int{"b": 2, "c": 4}
	gone := cloud.Gone{}
	cloud.FindGone(gone, have, want, func(_ string, h, w int) (string, bool) {
		if h != w {
			return cloud.Replace("replace: value")
		}
		return "", false
	})
	if len(gone) != 2 || gone["a"] != "" || gone["c"] != "replace: value" || gone.Has("b") {
		t.Errorf("gone %v, want a (no reason) and c (replace)", gone)
	}
	if !cloud.Keeps(have, gone, "b") || cloud.Keeps(have, gone, "a") || cloud.Keeps(have, gone, "z") {
		t.Errorf("Keeps disagrees with gone %v", gone)
	}
	if got := cloud.Why("VpcId=v", gone["c"]); got != "VpcId=v (replace: value)" {
		t.Errorf("Why: %q", got)
	}
	if got := cloud.Why("VpcId=v", gone["a"]); got != "VpcId=v" {
		t.Errorf("Why without reason: %q", got)
	}
}

// TestInventoryMerge: Merge copies every map's entries.
func TestInventoryMerge(t *testing.T) {
	inv := cloud.NewInventory()
	inv.Merge(cloud.Inventory{VPCs: map[string]string{"v": "vpc-1"}, Instances: map[string]cloud.InstanceInfo{"i": {ID: "i-1"}}})
	if inv.VPCs["v"] != "vpc-1" || inv.Instances["i"].ID != "i-1" || inv.Subnets == nil {
		t.Errorf("merged %+v", inv)
	}
}
