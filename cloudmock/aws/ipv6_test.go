package aws_test

import (
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// nth64 is the n-th /64 of a /56.
func nth64(block netip.Prefix, n int) netip.Prefix {
	a := block.Addr().As16()
	a[7] = byte(n)
	return netip.PrefixFrom(netip.AddrFrom16(a), 64)
}

// ipv6VPC makes a VPC with an Amazon-provided /56 through the SDK, checks
// the answer, and returns the VPC and its /56.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpc.html — AmazonProvidedIpv6CidrBlock
func ipv6VPC(t *testing.T, c *ec2.Client) (types.Vpc, netip.Prefix) {
	t.Helper()
	out := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.0.0.0/16"), AmazonProvidedIpv6CidrBlock: sdkaws.Bool(true)}))
	as := out.Vpc.Ipv6CidrBlockAssociationSet
	if len(as) != 1 || as[0].Ipv6CidrBlockState.State != types.VpcCidrBlockStateCodeAssociating ||
		sdkaws.ToString(as[0].Ipv6Pool) != "Amazon" || sdkaws.ToString(as[0].NetworkBorderGroup) != "us-east-1" {
		t.Fatalf("CreateVpc IPv6 associations: %+v", as)
	}
	block := netip.MustParsePrefix(sdkaws.ToString(as[0].Ipv6CidrBlock))
	if block.Bits() != 56 || !model.AmazonIPv6Pool.Contains(block.Addr()) {
		t.Fatalf("block %s is not a /56 of %s", block, model.AmazonIPv6Pool)
	}
	d := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{
		{Name: sdkaws.String("ipv6-cidr-block-association.ipv6-cidr-block"), Values: []string{block.String()}},
		{Name: sdkaws.String("ipv6-cidr-block-association.state"), Values: []string{"associated"}}}}))
	if len(d.Vpcs) != 1 || *d.Vpcs[0].VpcId != *out.Vpc.VpcId {
		t.Fatalf("DescribeVpcs by IPv6 block: %+v", d.Vpcs)
	}
	return *out.Vpc, block
}

// The IPv6 calls of a dual-stack setup through the Go SDK, as AWS answers
// them: the VPC's /56, the default group's ::/0 egress and the default
// ACL's rules 101, subnet /64s, instance addresses, an egress-only
// gateway and its ::/0 route, IPv6 rules; the errors of the common
// mistakes.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-migrate-ipv6.html — associate a /56, a /64 per subnet, ::/0 routes, IPv6 security group rules, IPv6 addresses
func TestIPv6SDK(t *testing.T) {
	l := newLab(t)
	c := l.a
	vpc, block := ipv6VPC(t, c)
	ipv6Defaults(t, c, *vpc.VpcId)

	sub := mkSubnet(t, c, *vpc.VpcId, "10.0.1.0/24")
	_, err := c.AssociateSubnetCidrBlock(ctx, &ec2.AssociateSubnetCidrBlockInput{SubnetId: sub.SubnetId, Ipv6CidrBlock: sdkaws.String("2001:db8:ffff::/64")})
	wantAPIError(t, err, "InvalidSubnet.Range")
	_, err = c.AssociateSubnetCidrBlock(ctx, &ec2.AssociateSubnetCidrBlockInput{SubnetId: sub.SubnetId, Ipv6CidrBlock: sdkaws.String(netip.PrefixFrom(block.Addr(), 60).String())})
	wantAPIError(t, err, "InvalidSubnet.Range")
	as := must[*ec2.AssociateSubnetCidrBlockOutput](t)(c.AssociateSubnetCidrBlock(ctx, &ec2.AssociateSubnetCidrBlockInput{SubnetId: sub.SubnetId, Ipv6CidrBlock: sdkaws.String(nth64(block, 0).String())}))
	if as.Ipv6CidrBlockAssociation.Ipv6CidrBlockState.State != types.SubnetCidrBlockStateCodeAssociating {
		t.Fatalf("AssociateSubnetCidrBlock: %+v", as.Ipv6CidrBlockAssociation)
	}
	sub2 := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.0.2.0/24"), Ipv6CidrBlock: sdkaws.String(nth64(block, 1).String())})).Subnet
	if len(sub2.Ipv6CidrBlockAssociationSet) != 1 || *sub2.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock != nth64(block, 1).String() {
		t.Fatalf("CreateSubnet with Ipv6CidrBlock: %+v", sub2.Ipv6CidrBlockAssociationSet)
	}
	_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.0.3.0/24"), Ipv6CidrBlock: sdkaws.String(nth64(block, 1).String())})
	wantAPIError(t, err, "InvalidSubnet.Conflict")
	if n := len(must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{*vpc.VpcId}}}})).Subnets); n != 2 {
		t.Fatalf("a failed CreateSubnet left a subnet: %d subnets", n)
	}
	must[*ec2.ModifySubnetAttributeOutput](t)(c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: sub.SubnetId, AssignIpv6AddressOnCreation: &types.AttributeBooleanValue{Value: sdkaws.Bool(true)}}))
	ipv6Instances(t, c, *sub.SubnetId, nth64(block, 0))
	ipv6Routes(t, c, *vpc.VpcId, block)
	ipv6Disassociate(t, c, *vpc.VpcId, *sub.SubnetId, *as.Ipv6CidrBlockAssociation.AssociationId)
}

// ipv6Defaults checks what a VPC's default group and ACL got with its /56.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html — an outbound rule for ::/0
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html — rules 101 and the IPv6 * rules
func ipv6Defaults(t *testing.T, c *ec2.Client, vpc string) {
	t.Helper()
	vpcFilter := []types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{vpc}}}
	sgs := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: vpcFilter}))
	if len(sgs.SecurityGroups) != 1 || !slices.ContainsFunc(sgs.SecurityGroups[0].IpPermissionsEgress, func(p types.IpPermission) bool {
		return *p.IpProtocol == "-1" && len(p.Ipv6Ranges) == 1 && *p.Ipv6Ranges[0].CidrIpv6 == "::/0"
	}) {
		t.Fatalf("default group of an IPv6 VPC: %+v", sgs.SecurityGroups)
	}
	acls := must[*ec2.DescribeNetworkAclsOutput](t)(c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: vpcFilter}))
	var got []string
	for _, e := range acls.NetworkAcls[0].Entries {
		if e.Ipv6CidrBlock != nil {
			got = append(got, sdkaws.ToString(e.Ipv6CidrBlock)+" "+string(e.RuleAction)+" "+map[bool]string{true: "out", false: "in"}[*e.Egress]+" "+strconv.Itoa(int(*e.RuleNumber)))
		}
	}
	slices.Sort(got)
	want := []string{"::/0 allow in 101", "::/0 allow out 101", "::/0 deny in 32767", "::/0 deny out 32767"}
	if !slices.Equal(got, want) {
		t.Fatalf("default ACL IPv6 entries %q, want %q", got, want)
	}
}

// ipv6Instances launches into a subnet that assigns IPv6 on creation and
// assigns and unassigns interface addresses.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssignIpv6Addresses.html — Ipv6AddressCount; assignedIpv6Addresses
func ipv6Instances(t *testing.T, c *ec2.Client, subnet string, p netip.Prefix) {
	t.Helper()
	run := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: sdkaws.String(subnet)}))
	nic := run.Instances[0].NetworkInterfaces[0]
	// The first four addresses of the /64 are AWS's.
	first := p.Addr().Next().Next().Next().Next()
	if len(nic.Ipv6Addresses) != 1 || *nic.Ipv6Addresses[0].Ipv6Address != first.String() {
		t.Fatalf("instance IPv6 addresses %+v, want %s", nic.Ipv6Addresses, first)
	}
	_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: sdkaws.String(subnet),
		Ipv6Addresses: []types.InstanceIpv6Address{{Ipv6Address: sdkaws.String(first.String())}}})
	wantAPIError(t, err, "InvalidIPAddress.InUse")
	got := must[*ec2.AssignIpv6AddressesOutput](t)(c.AssignIpv6Addresses(ctx, &ec2.AssignIpv6AddressesInput{NetworkInterfaceId: nic.NetworkInterfaceId, Ipv6AddressCount: sdkaws.Int32(2)}))
	if len(got.AssignedIpv6Addresses) != 2 {
		t.Fatalf("AssignIpv6Addresses: %v", got.AssignedIpv6Addresses)
	}
	must[*ec2.UnassignIpv6AddressesOutput](t)(c.UnassignIpv6Addresses(ctx, &ec2.UnassignIpv6AddressesInput{NetworkInterfaceId: nic.NetworkInterfaceId, Ipv6Addresses: got.AssignedIpv6Addresses[:1]}))
	enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{
		{Name: sdkaws.String("ipv6-addresses.ipv6-address"), Values: []string{got.AssignedIpv6Addresses[1]}}}}))
	if len(enis.NetworkInterfaces) != 1 || len(enis.NetworkInterfaces[0].Ipv6Addresses) != 2 {
		t.Fatalf("DescribeNetworkInterfaces by IPv6 address: %+v", enis.NetworkInterfaces)
	}
	insts := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: sdkaws.String("network-interface.ipv6-addresses.ipv6-address"), Values: []string{first.String()}}}}))
	if len(insts.Reservations) != 1 {
		t.Fatalf("DescribeInstances by IPv6 address: %+v", insts.Reservations)
	}
}

// ipv6Routes makes an egress-only gateway and routes ::/0 to it.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html — create it for the VPC, route ::/0 to it
func ipv6Routes(t *testing.T, c *ec2.Client, vpc string, block netip.Prefix) {
	t.Helper()
	g := must[*ec2.CreateEgressOnlyInternetGatewayOutput](t)(c.CreateEgressOnlyInternetGateway(ctx, &ec2.CreateEgressOnlyInternetGatewayInput{VpcId: sdkaws.String(vpc)})).EgressOnlyInternetGateway
	if len(g.Attachments) != 1 || g.Attachments[0].State != types.AttachmentStatusAttached || *g.Attachments[0].VpcId != vpc {
		t.Fatalf("CreateEgressOnlyInternetGateway: %+v", g.Attachments)
	}
	rts := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{vpc}}}}))
	rt := rts.RouteTables[0].RouteTableId
	_, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), EgressOnlyInternetGatewayId: g.EgressOnlyInternetGatewayId})
	wantAPIError(t, err, "InvalidParameterValue")
	must[*ec2.CreateRouteOutput](t)(c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt, DestinationIpv6CidrBlock: sdkaws.String("::/0"), EgressOnlyInternetGatewayId: g.EgressOnlyInternetGatewayId}))
	rts = must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{
		{Name: sdkaws.String("route.egress-only-internet-gateway-id"), Values: []string{*g.EgressOnlyInternetGatewayId}}}}))
	if len(rts.RouteTables) != 1 {
		t.Fatalf("route tables by egress-only gateway: %d", len(rts.RouteTables))
	}
	var local, def bool
	for _, r := range rts.RouteTables[0].Routes {
		local = local || (sdkaws.ToString(r.DestinationIpv6CidrBlock) == block.String() && sdkaws.ToString(r.GatewayId) == "local")
		def = def || (sdkaws.ToString(r.DestinationIpv6CidrBlock) == "::/0" && sdkaws.ToString(r.EgressOnlyInternetGatewayId) == *g.EgressOnlyInternetGatewayId && r.DestinationCidrBlock == nil)
	}
	if !local || !def {
		t.Fatalf("routes %+v: want the /56's local route and ::/0 to the egress-only gateway", rts.RouteTables[0].Routes)
	}
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: sdkaws.String(vpc)})
	wantAPIError(t, err, "DependencyViolation")
	del := must[*ec2.DeleteEgressOnlyInternetGatewayOutput](t)(c.DeleteEgressOnlyInternetGateway(ctx, &ec2.DeleteEgressOnlyInternetGatewayInput{EgressOnlyInternetGatewayId: g.EgressOnlyInternetGatewayId}))
	if !sdkaws.ToBool(del.ReturnCode) {
		t.Fatal("DeleteEgressOnlyInternetGateway: returnCode false")
	}
	_, err = c.DeleteEgressOnlyInternetGateway(ctx, &ec2.DeleteEgressOnlyInternetGatewayInput{EgressOnlyInternetGatewayId: g.EgressOnlyInternetGatewayId})
	wantAPIError(t, err, "InvalidEgressOnlyInternetGatewayId.NotFound")
}

// ipv6Disassociate takes the /64s and the /56 away again, in the order AWS
// requires.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateVpcCidrBlock.html — the primary IPv4 block cannot be disassociated
func ipv6Disassociate(t *testing.T, c *ec2.Client, vpc, subnet, assoc string) {
	t.Helper()
	_, err := c.DisassociateSubnetCidrBlock(ctx, &ec2.DisassociateSubnetCidrBlockInput{AssociationId: sdkaws.String(assoc)})
	wantAPIError(t, err, "DependencyViolation") // the instance's interface holds addresses of it
	v := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})).Vpcs[0]
	_, err = c.DisassociateVpcCidrBlock(ctx, &ec2.DisassociateVpcCidrBlockInput{AssociationId: v.CidrBlockAssociationSet[0].AssociationId})
	wantAPIError(t, err, "OperationNotPermitted")
	_, err = c.DisassociateVpcCidrBlock(ctx, &ec2.DisassociateVpcCidrBlockInput{AssociationId: v.Ipv6CidrBlockAssociationSet[0].AssociationId})
	wantAPIError(t, err, "DependencyViolation") // subnets hold /64s of it
	_, err = c.DisassociateVpcCidrBlock(ctx, &ec2.DisassociateVpcCidrBlockInput{AssociationId: sdkaws.String("vpc-cidr-assoc-0123456789abcdef0")})
	wantAPIError(t, err, "InvalidVpcCidrBlockAssociationID.NotFound")
}

// TestIPv6CLI makes a dual-stack VPC behind an egress-only gateway with
// the real AWS CLI, each one installed (Debian's 2.9 and the one first on
// PATH), as a user's script would.
func TestIPv6CLI(t *testing.T) {
	var bins []string
	if b, err := exec.LookPath("aws"); err == nil {
		bins = append(bins, b)
	}
	if _, err := os.Stat("/usr/bin/aws"); err == nil && !slices.Contains(bins, "/usr/bin/aws") {
		bins = append(bins, "/usr/bin/aws")
	}
	if len(bins) == 0 {
		roottest.Missing(t, "aws CLI not installed (Debian: awscli)")
	}
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI")
	}
	for _, bin := range bins {
		t.Run(strings.ReplaceAll(bin, "/", "_"), func(t *testing.T) { cliIPv6(t, bin) })
	}
}

func cliIPv6(t *testing.T, bin string) {
	l := newLab(t)
	run := cliRunner(t, bin, l)
	var vpc struct {
		Vpc struct {
			VpcId                       string
			Ipv6CidrBlockAssociationSet []struct{ Ipv6CidrBlock, Ipv6Pool string }
		}
	}
	run(&vpc, "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block")
	if len(vpc.Vpc.Ipv6CidrBlockAssociationSet) != 1 || vpc.Vpc.Ipv6CidrBlockAssociationSet[0].Ipv6Pool != "Amazon" {
		t.Fatalf("create-vpc: %+v", vpc)
	}
	block := netip.MustParsePrefix(vpc.Vpc.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock)
	var sub struct{ Subnet struct{ SubnetId string } }
	run(&sub, "create-subnet", "--vpc-id", vpc.Vpc.VpcId, "--cidr-block", "10.0.1.0/24", "--ipv6-cidr-block", nth64(block, 0).String())
	var g struct {
		EgressOnlyInternetGateway struct{ EgressOnlyInternetGatewayId string }
	}
	run(&g, "create-egress-only-internet-gateway", "--vpc-id", vpc.Vpc.VpcId)
	eigw := g.EgressOnlyInternetGateway.EgressOnlyInternetGatewayId
	// The main route table and the default group, looked up with the SDK
	// to keep the CLI runs few.
	rts := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{vpc.Vpc.VpcId}}}}))
	run(&struct{}{}, "create-route", "--route-table-id", *rts.RouteTables[0].RouteTableId, "--destination-ipv6-cidr-block", "::/0", "--egress-only-internet-gateway-id", eigw)
	sgs := must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{vpc.Vpc.VpcId}}}}))
	run(&struct{}{}, "authorize-security-group-ingress", "--group-id", *sgs.SecurityGroups[0].GroupId,
		"--ip-permissions", "IpProtocol=tcp,FromPort=443,ToPort=443,Ipv6Ranges=[{CidrIpv6=::/0}]")
	var inst struct {
		Instances []struct {
			NetworkInterfaces []struct {
				Ipv6Addresses []struct{ Ipv6Address string }
			}
		}
	}
	run(&inst, "run-instances", "--image-id", "ami-1", "--subnet-id", sub.Subnet.SubnetId, "--ipv6-address-count", "1")
	if a := inst.Instances[0].NetworkInterfaces[0].Ipv6Addresses; len(a) != 1 || !nth64(block, 0).Contains(netip.MustParseAddr(a[0].Ipv6Address)) {
		t.Fatalf("run-instances IPv6 addresses: %+v", a)
	}
	sgOut := must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{{Name: sdkaws.String("ip-permission.ipv6-cidr"), Values: []string{"::/0"}}}}))
	if len(sgOut.SecurityGroups) != 1 {
		t.Fatalf("groups with an inbound ::/0 rule: %+v", sgOut.SecurityGroups)
	}
	var eigws struct {
		EgressOnlyInternetGateways []struct {
			Attachments []struct{ State, VpcId string }
		}
	}
	run(&eigws, "describe-egress-only-internet-gateways", "--egress-only-internet-gateway-ids", eigw)
	if a := eigws.EgressOnlyInternetGateways[0].Attachments; len(a) != 1 || a[0].State != "attached" || a[0].VpcId != vpc.Vpc.VpcId {
		t.Fatalf("describe-egress-only-internet-gateways: %+v", eigws)
	}
}
