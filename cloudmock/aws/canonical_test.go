package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestCIDRsStoredCanonical passes CIDRs with host bits set where the API
// reference says EC2 stores them canonical: CreateVpc, CreateSubnet,
// CreateRoute, CreateNetworkAclEntry and security group rules (where the
// canonical form of an existing rule is a duplicate).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpc.html — we modify the specified CIDR block to its canonical form
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html — AWS canonicalizes IPv4 and IPv6 CIDRs
func TestCIDRsStoredCanonical(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.1.2.3/16", "canon")
	if got := sdkaws.ToString(vpc.CidrBlock); got != "10.1.0.0/16" {
		t.Fatalf("CreateVpc 10.1.2.3/16: %s, want 10.1.0.0/16", got)
	}
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.1.1.77/24")
	if got := sdkaws.ToString(sub.CidrBlock); got != "10.1.1.0/24" {
		t.Fatalf("CreateSubnet 10.1.1.77/24: %s, want 10.1.1.0/24", got)
	}
	igw := must[*ec2.CreateInternetGatewayOutput](t)(l.a.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway
	must[*ec2.AttachInternetGatewayOutput](t)(l.a.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId}))
	rt := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}})).RouteTables[0]
	must[*ec2.CreateRouteOutput](t)(l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("100.68.0.18/18"), GatewayId: igw.InternetGatewayId}))
	rt = must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{*rt.RouteTableId}})).RouteTables[0]
	if !hasRoute(rt, "100.68.0.0/18", *igw.InternetGatewayId) {
		t.Fatalf("CreateRoute 100.68.0.18/18: routes %+v, want 100.68.0.0/18", rt.Routes)
	}
	acl := must[*ec2.DescribeNetworkAclsOutput](t)(l.a.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}})).NetworkAcls[0]
	must[*ec2.CreateNetworkAclEntryOutput](t)(l.a.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: acl.NetworkAclId, RuleNumber: sdkaws.Int32(50),
		Protocol: sdkaws.String("-1"), RuleAction: types.RuleActionDeny, Egress: sdkaws.Bool(false), CidrBlock: sdkaws.String("172.16.3.3/12")}))
	acl = must[*ec2.DescribeNetworkAclsOutput](t)(l.a.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{*acl.NetworkAclId}})).NetworkAcls[0]
	found := false
	for _, e := range acl.Entries {
		found = found || (sdkaws.ToInt32(e.RuleNumber) == 50 && sdkaws.ToString(e.CidrBlock) == "172.16.0.0/12")
	}
	if !found {
		t.Fatalf("CreateNetworkAclEntry 172.16.3.3/12: entries %+v, want rule 50 for 172.16.0.0/12", acl.Entries)
	}
	sg := must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc.VpcId, GroupName: sdkaws.String("c"), Description: sdkaws.String("c")}))
	perm := func(cidr string) []types.IpPermission {
		return []types.IpPermission{{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(22), ToPort: sdkaws.Int32(22), IpRanges: []types.IpRange{{CidrIp: sdkaws.String(cidr)}}}}
	}
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: perm("100.68.0.18/18")}))
	g := must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*sg.GroupId}})).SecurityGroups[0]
	if len(g.IpPermissions) != 1 || sdkaws.ToString(g.IpPermissions[0].IpRanges[0].CidrIp) != "100.68.0.0/18" {
		t.Fatalf("security group rule for 100.68.0.18/18: %+v, want 100.68.0.0/18", g.IpPermissions)
	}
	_, err := l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: perm("100.68.0.0/18")})
	wantAPIError(t, err, "InvalidPermission.Duplicate")
}
