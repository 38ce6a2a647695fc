package aws_test

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// labWithLimits is newLab with account A's limits given up front, as a
// quota increase gives them.
func labWithLimits(t *testing.T, lim model.Limits) *lab {
	t.Helper()
	cloud := model.New()
	cloud.AddAccount(model.Account{ID: credA.AccountID, Limits: lim})
	srv := httptest.NewServer(cmaws.New(cloud, cmaws.Config{Region: "us-east-1", Credentials: []cmaws.Credential{credA, credB}}))
	t.Cleanup(srv.Close)
	return &lab{cloud: cloud, url: srv.URL, a: client(srv.URL, credA.AccessKeyID, credA.SecretAccessKey), b: client(srv.URL, credB.AccessKeyID, credB.SecretAccessKey)}
}

// TestVPCQuota: 5 VPCs per Region by default, the default VPC one of
// them; the 6th is refused as AWS refuses it, other accounts are not
// affected, and a raised quota admits it.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPCs per Region: 5 (the default VPC counts)
func TestVPCQuota(t *testing.T) {
	l := newLab(t)
	for i := range 4 {
		mkVpc(t, l.a, fmt.Sprintf("10.%d.0.0/16", i), "v")
	}
	_, err := l.a.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.9.0.0/16")})
	wantAPIErrorMessage(t, err, "VpcLimitExceeded", "The maximum number of VPCs has been reached.")
	mkVpc(t, l.b, "10.9.0.0/16", "b's first")

	lim := model.DefaultLimits()
	if err := lim.Raise("vpcs-per-region", 6); err != nil {
		t.Fatal(err)
	}
	r := labWithLimits(t, lim)
	for i := range 5 {
		mkVpc(t, r.a, fmt.Sprintf("10.%d.0.0/16", i), "v")
	}
	_, err = r.a.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.9.0.0/16")})
	wantAPIErrorMessage(t, err, "VpcLimitExceeded", "The maximum number of VPCs has been reached.")
}

// TestPerRegionQuotas: internet gateways and elastic IPs, 5 each (the
// default VPC's internet gateway one of the five).
func TestPerRegionQuotas(t *testing.T) {
	l := newLab(t)
	for i := range 5 {
		if i < 4 {
			must[*ec2.CreateInternetGatewayOutput](t)(l.a.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{}))
		}
		must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc}))
	}
	_, err := l.a.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	wantAPIErrorMessage(t, err, "InternetGatewayLimitExceeded", "The maximum number of internet gateways has been reached.")
	_, err = l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
	wantAPIErrorMessage(t, err, "AddressLimitExceeded", "The maximum number of addresses has been reached.")
}

// TestPerVPCQuotas fills subnets (200), route tables (200, the main one
// included) and security groups (2,500 per Region, default groups
// included) through the model, then asks for one more through the SDK.
func TestPerVPCQuotas(t *testing.T) {
	l := newLab(t)
	vpc := *mkVpc(t, l.a, "10.0.0.0/16", "full").VpcId
	for i := range 200 {
		if _, err := l.cloud.CreateSubnet(credA.AccountID, vpc, netip.MustParsePrefix(fmt.Sprintf("10.0.%d.0/24", i)), "us-east-1a", nil); err != nil {
			t.Fatal(err)
		}
	}
	for range 199 {
		if _, err := l.cloud.CreateRouteTable(credA.AccountID, vpc, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2498 { // the default VPC's group and this VPC's are two of the 2,500
		if _, err := l.cloud.CreateRuleSet(credA.AccountID, model.RuleSetSpec{Flavor: model.FlavorSecurityGroup, NetworkID: vpc, Name: fmt.Sprintf("g%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := l.a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: sdkaws.String("10.0.200.0/24")})
	wantAPIErrorMessage(t, err, "SubnetLimitExceeded", "The maximum number of subnets has been reached.")
	_, err = l.a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &vpc})
	wantAPIErrorMessage(t, err, "RouteTableLimitExceeded", "The maximum number of route tables has been reached.")
	_, err = l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: &vpc, GroupName: sdkaws.String("one-more"), Description: sdkaws.String("d")})
	wantAPIErrorMessage(t, err, "SecurityGroupLimitExceeded", "The maximum number of security groups has been reached.")
}

// TestRoutesRulesAndNATQuotas: 50 routes per table, 60 rules per group
// direction, 5 NAT gateways per zone (elastic IPs raised to 6 for them).
func TestRoutesRulesAndNATQuotas(t *testing.T) {
	lim := model.DefaultLimits()
	if err := lim.Raise("elastic-ips-per-region", 6); err != nil {
		t.Fatal(err)
	}
	l := labWithLimits(t, lim)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "v")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	igw := must[*ec2.CreateInternetGatewayOutput](t)(l.a.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway.InternetGatewayId
	must[*ec2.AttachInternetGatewayOutput](t)(l.a.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw, VpcId: vpc.VpcId}))
	rtb := must[*ec2.CreateRouteTableOutput](t)(l.a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.VpcId})).RouteTable.RouteTableId
	for i := range 50 { // the local route does not count
		must[*ec2.CreateRouteOutput](t)(l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rtb, GatewayId: igw, DestinationCidrBlock: sdkaws.String(fmt.Sprintf("192.168.%d.0/24", i))}))
	}
	_, err := l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rtb, GatewayId: igw, DestinationCidrBlock: sdkaws.String("192.168.99.0/24")})
	wantAPIErrorMessage(t, err, "RouteLimitExceeded", "the maximum number of routes (50) has been reached for route table "+*rtb)

	sg := must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc.VpcId, GroupName: sdkaws.String("g"), Description: sdkaws.String("d")})).GroupId
	var perms []types.IpPermission
	for i := range 60 {
		perms = append(perms, types.IpPermission{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(int32(1000 + i)), ToPort: sdkaws.Int32(int32(1000 + i)),
			IpRanges: []types.IpRange{{CidrIp: sdkaws.String("10.0.0.0/8")}}})
	}
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg, IpPermissions: perms}))
	_, err = l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg, IpPermissions: []types.IpPermission{{
		IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(22), ToPort: sdkaws.Int32(22), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("10.0.0.0/8")}}}}})
	wantAPIErrorMessage(t, err, "RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")

	for range 5 {
		e := must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc}))
		must[*ec2.CreateNatGatewayOutput](t)(l.a.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: sub.SubnetId, AllocationId: e.AllocationId}))
	}
	e := must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc}))
	_, err = l.a.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: sub.SubnetId, AllocationId: e.AllocationId})
	wantAPIErrorMessage(t, err, "NatGatewayLimitExceeded", "The maximum number of NAT gateways has been reached.")
}

// TestTagRestrictions: key 128 and value 256 characters at most, and no
// aws: prefix, in CreateTags, DeleteTags and TagSpecification.
func TestTagRestrictions(t *testing.T) {
	l := newLab(t)
	vpc := *mkVpc(t, l.a, "10.0.0.0/16", "v").VpcId
	tag := func(k, v string) []types.Tag { return []types.Tag{{Key: &k, Value: &v}} }
	create := func(k, v string) error {
		_, err := l.a.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc}, Tags: tag(k, v)})
		return err
	}
	if err := create(strings.Repeat("k", 128), strings.Repeat("é", 256)); err != nil {
		t.Fatalf("128-character key, 256-character value: %v", err)
	}
	wantAPIErrorMessage(t, create(strings.Repeat("k", 129), "v"), "InvalidParameterValue",
		"Value ( "+strings.Repeat("k", 100)+"… (129 bytes) ) for parameter key is invalid. The tag key is 129 characters long; a tag key is at most 128 characters.")
	wantAPIErrorMessage(t, create("k", strings.Repeat("v", 257)), "InvalidParameterValue",
		"Value ( "+strings.Repeat("v", 100)+"… (257 bytes) ) for parameter value is invalid. The tag value is 257 characters long; a tag value is at most 256 characters.")
	wantAPIErrorMessage(t, create("aws:cloudformation:stack-name", "s"), "InvalidParameterValue",
		"Value ( aws:cloudformation:stack-name ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use")
	wantAPIErrorMessage(t, create("AWS:x", "s"), "InvalidParameterValue",
		"Value ( AWS:x ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use")
	_, err := l.a.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{vpc}, Tags: []types.Tag{{Key: sdkaws.String("aws:x")}}})
	wantAPIErrorMessage(t, err, "InvalidParameterValue", "Value ( aws:x ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use")
	_, err = l.a.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.1.0.0/16"), TagSpecifications: []types.TagSpecification{{
		ResourceType: types.ResourceTypeVpc, Tags: tag("aws:x", "y")}}})
	wantAPIErrorMessage(t, err, "InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use")
}

// TestClientTokenAndDryRunValues: a ClientToken is at most 64 ASCII
// characters; DryRun is true or false.
func TestClientTokenAndDryRunValues(t *testing.T) {
	l := newLab(t)
	ok := strings.Repeat("t", 64)
	must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc, TagSpecifications: nil}))
	if _, err := l.a.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{ClientToken: &ok, SubnetId: sdkaws.String("subnet-0123456789abcdef0"), AllocationId: sdkaws.String("eipalloc-0123456789abcdef0")}); err == nil {
		t.Fatal("NAT gateway in a subnet that does not exist")
	} else {
		wantAPIError(t, err, "InvalidSubnetID.NotFound") // a 64-character token passes
	}
	long := strings.Repeat("t", 65)
	_, err := l.a.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{ClientToken: &long, SubnetId: sdkaws.String("subnet-0123456789abcdef0"), AllocationId: sdkaws.String("eipalloc-0123456789abcdef0")})
	wantAPIErrorMessage(t, err, "InvalidParameterValue", "Value ("+long+") for parameter clientToken is invalid. A client token is at most 64 ASCII characters.")

	for _, v := range []string{"maybe", "1", "yes"} {
		code, body := signedPost(t, l, "Action=DescribeVpcs&Version=2016-11-15&DryRun="+v, "Action=DescribeVpcs&Version=2016-11-15&DryRun="+v, time.Now())
		want := "<Code>InvalidParameterValue</Code><Message>Value (" + v + ") for parameter DryRun is invalid. Expected a boolean.</Message>"
		if code != 400 || !strings.Contains(body, want) {
			t.Errorf("DryRun=%s: HTTP %d %s", v, code, body)
		}
	}
	code, body := signedPost(t, l, "Action=DescribeVpcs&Version=2016-11-15&DryRun=TRUE", "Action=DescribeVpcs&Version=2016-11-15&DryRun=TRUE", time.Now())
	if code != 412 || !strings.Contains(body, "<Code>DryRunOperation</Code>") {
		t.Errorf("DryRun=TRUE: HTTP %d %s", code, body)
	}
}

// TestMalformedIDs: an ID not shaped like one of its kind is malformed,
// not missing; a well-formed one that does not exist is missing.
func TestMalformedIDs(t *testing.T) {
	l := newLab(t)
	_, err := l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-zzz"}})
	wantAPIErrorMessage(t, err, "InvalidVpcID.Malformed", `Invalid id: "vpc-zzz"`)
	_, err = l.a.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: sdkaws.String("foo")})
	wantAPIErrorMessage(t, err, "InvalidVpcID.Malformed", `Invalid id: "foo"`)
	_, err = l.a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: sdkaws.String("vpc-0123456789ABCDEF0"), CidrBlock: sdkaws.String("10.0.0.0/24")})
	wantAPIErrorMessage(t, err, "InvalidVpcID.Malformed", `Invalid id: "vpc-0123456789ABCDEF0"`)
	_, err = l.a.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-1"}})
	wantAPIErrorMessage(t, err, "InvalidSubnetID.Malformed", `Invalid id: "subnet-1"`)
	_, err = l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"vpc-0123456789abcdef0"}})
	wantAPIErrorMessage(t, err, "InvalidGroupId.Malformed", `Invalid id: "vpc-0123456789abcdef0"`)
	_, err = l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{"rtb-"}})
	wantAPIErrorMessage(t, err, "InvalidRouteTableID.Malformed", `Invalid id: "rtb-"`)
	huge := "vpc-" + strings.Repeat("z", 1<<20)
	_, err = l.a.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &huge})
	wantAPIErrorMessage(t, err, "InvalidVpcID.Malformed", `Invalid id: "vpc-`+strings.Repeat("z", 96)+`… (1048580 bytes)"`)
	// Internet gateways, network ACLs and NAT gateways, with the codes the
	// errors page gives them.
	_, err = l.a.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{"igw-x"}})
	wantAPIErrorMessage(t, err, "InvalidInternetGatewayId.Malformed", `Invalid id: "igw-x"`)
	_, err = l.a.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: sdkaws.String("acl")})
	wantAPIErrorMessage(t, err, "InvalidNetworkAclId.Malformed", `Invalid id: "acl"`)
	_, err = l.a.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: sdkaws.String("nat-123")})
	wantAPIErrorMessage(t, err, "NatGatewayMalformed", `Invalid id: "nat-123"`)
	// Well formed, long and short: not found.
	for _, id := range []string{"vpc-0123456789abcdef0", "vpc-0123abcd"} {
		_, err = l.a.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &id})
		wantAPIError(t, err, "InvalidVpcID.NotFound")
	}
}
