package aws_test

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directconnect"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/aws"
	"github.com/mcnlab/mcnlab/topologies"
)

// cloudmockEnv is cloudmock/aws in-process, EC2 and Direct Connect both,
// with a line at a location of us-east-1 (dc-nyc) and one of eu-west-1
// (dc-dub).
func cloudmockEnv(t *testing.T) sdkaws.Config {
	t.Helper()
	m := model.New()
	srv := httptest.NewServer(cmaws.New(m, cmaws.Config{Region: region, Credentials: []cmaws.Credential{cred}}))
	t.Cleanup(srv.Close)
	for name, reg := range map[string]string{"dc-nyc": "us-east-1", "dc-dub": "eu-west-1"} {
		if _, err := m.ProvisionDXConnectionAt(cred.AccountID, model.Place{Region: reg}, name, nil); err != nil {
			t.Fatal(err)
		}
	}
	return config(srv.URL)
}

// twoRegionsDX is twoRegions with private lines into both VPCs, each on
// a line of its VPC's region.
func twoRegionsDX() cloud.Desired {
	d := withVIF(twoRegions(), 101)
	d.VPCs[1].PrivateLines = true
	d.VirtualInterfaces = append(d.VirtualInterfaces, cloud.VirtualInterface{Key: "dx-eu", Connection: "dc-dub", VPC: "eu-vpc", VLAN: 102,
		ASN: 65020, CloudAddress: pfx("169.254.20.1/30"), CustomerAddress: pfx("169.254.20.2/30")})
	return d
}

// regionClients are the account's EC2 and Direct Connect clients of a
// region.
func regionClients(cfg sdkaws.Config, reg string) (*ec2.Client, *directconnect.Client) {
	cfg = cfg.Copy()
	cfg.Region = reg
	return ec2.NewFromConfig(cfg), directconnect.NewFromConfig(cfg)
}

// A private line to a VPC outside the home region lands on that VPC's
// VPN gateway through a virtual interface made in the VPC's region, on a
// line of that region: a private virtual interface to a virtual private
// gateway reaches a VPC of its own Region
// (https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html).
// A line of another region is refused with the region named.
func TestRegionalDirectConnect(t *testing.T) {
	cfg := cloudmockEnv(t)
	r := aws.NewRegional(cfg, owner, cloud.Desired{})
	if _, _, err := r.Apply(ctx, twoRegionsDX()); err != nil {
		t.Fatal(err)
	}
	euEC2, euDX := regionClients(cfg, "eu-west-1")
	_, usDX := regionClients(cfg, "us-east-1")
	vgws, err := euEC2.DescribeVpnGateways(ctx, &ec2.DescribeVpnGatewaysInput{})
	if err != nil || len(vgws.VpnGateways) != 1 {
		t.Fatalf("eu-west-1 VPN gateways %+v, %v; want one", vgws, err)
	}
	for reg, c := range map[string]*directconnect.Client{"us-east-1": usDX, "eu-west-1": euDX} {
		out, err := c.DescribeVirtualInterfaces(ctx, &directconnect.DescribeVirtualInterfacesInput{})
		if err != nil || len(out.VirtualInterfaces) != 1 {
			t.Fatalf("%s: virtual interfaces %+v, %v; want one", reg, out, err)
		}
		v := out.VirtualInterfaces[0]
		if sdkaws.ToString(v.Region) != reg {
			t.Errorf("%s lists %s in region %s", reg, sdkaws.ToString(v.VirtualInterfaceName), sdkaws.ToString(v.Region))
		}
		if reg == "eu-west-1" && (sdkaws.ToString(v.VirtualInterfaceName) != "dx-eu" || sdkaws.ToString(v.VirtualGatewayId) != sdkaws.ToString(vgws.VpnGateways[0].VpnGatewayId)) {
			t.Errorf("eu-west-1's virtual interface %+v, want dx-eu on the eu-vpc's VPN gateway", v)
		}
	}
	if _, calls, err := r.Apply(ctx, twoRegionsDX()); err != nil || len(calls) != 0 {
		t.Errorf("second apply: %v, %v; want nothing", strs(calls), err)
	}

	d := twoRegionsDX()
	d.VirtualInterfaces[1].Connection = "dc-nyc"
	if _, err := r.Plan(ctx, d); err == nil || !strings.Contains(err.Error(), `no Direct Connect connection named "dc-nyc" in region eu-west-1`) {
		t.Errorf("a us-east-1 line into an eu-west-1 VPC: %v, want refused naming the region", err)
	}
}

// A Regional made after a region left the topology (a restarted
// controller) still empties it, whether LookIn names the regions the lab
// used or it looks in every region of the partition (the lab's cloud
// answers no DescribeRegions): the region's VPCs, subnets, instances,
// gateways, elastic IPs, security groups and virtual interfaces of the
// owner are gone after one Apply, the home region's untouched.
func TestRegionalEmptiesADroppedRegion(t *testing.T) {
	for name, lookIn := range map[string][]string{"LookIn": {"us-east-1", "eu-west-1"}, "every region": nil} {
		t.Run(name, func(t *testing.T) { testEmptiesADroppedRegion(t, lookIn) })
	}
}

func testEmptiesADroppedRegion(t *testing.T, lookIn []string) {
	cfg := cloudmockEnv(t)
	if _, _, err := aws.NewRegional(cfg, owner, cloud.Desired{}).Apply(ctx, twoRegionsDX()); err != nil {
		t.Fatal(err)
	}
	r := aws.NewRegional(cfg, owner, withVIF(lab(), 101)).LookIn(lookIn...)
	inv, _, err := r.Apply(ctx, withVIF(lab(), 101))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := inv.VPCs["prod-vpc"]; !ok || len(inv.VPCs) != 1 {
		t.Errorf("inventory VPCs %v, want prod-vpc only", inv.VPCs)
	}
	if got := r.Regions(); !slices.Equal(got, []string{"us-east-1", "eu-west-1"}) {
		t.Errorf("regions %v, want eu-west-1 found", got)
	}
	ec, dx := regionClients(cfg, "eu-west-1")
	owned := []ec2types.Filter{{Name: sdkaws.String("tag:" + aws.TagOwner), Values: []string{owner}}}
	left := func(kind string, n int, err error) {
		t.Helper()
		if err != nil || n != 0 {
			t.Errorf("eu-west-1 still has %d %s (%v)", n, kind, err)
		}
	}
	vpcs, err := ec.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: owned})
	left("VPCs", len(vpcs.Vpcs), err)
	subnets, err := ec.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: owned})
	left("subnets", len(subnets.Subnets), err)
	insts, err := ec.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: append(owned,
		ec2types.Filter{Name: sdkaws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}})})
	left("instance reservations", len(insts.Reservations), err)
	igws, err := ec.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: owned})
	left("internet gateways", len(igws.InternetGateways), err)
	vgws, err := ec.DescribeVpnGateways(ctx, &ec2.DescribeVpnGatewaysInput{Filters: append(owned,
		ec2types.Filter{Name: sdkaws.String("state"), Values: []string{"pending", "available"}})})
	left("VPN gateways", len(vgws.VpnGateways), err)
	eips, err := ec.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	left("elastic IPs", len(eips.Addresses), err)
	groups, err := ec.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: owned})
	left("security groups", len(groups.SecurityGroups), err)
	vifs, err := dx.DescribeVirtualInterfaces(ctx, &directconnect.DescribeVirtualInterfacesInput{})
	left("virtual interfaces", len(vifs.VirtualInterfaces), err)
	if _, calls, err := r.Apply(ctx, withVIF(lab(), 101)); err != nil || len(calls) != 0 {
		t.Errorf("apply again: %v, %v; want nothing", strs(calls), err)
	}
}

// The regions a topology may place an AWS VPC in are those the lab's
// cloud has: validation refuses the others before a deploy starts.
func TestTopologyRegionsAreTheCloudsRegions(t *testing.T) {
	p, ok := model.LookupProfile("aws")
	if !ok {
		t.Fatal("no aws profile")
	}
	if got := topologies.AWSRegions(); !slices.Equal(got, p.Regions) {
		t.Errorf("topologies.AWSRegions() = %v, cloudmock's AWS profile has %v", got, p.Regions)
	}
}
