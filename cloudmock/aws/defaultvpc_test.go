package aws_test

import (
	"encoding/json"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestDefaultVPCAsAWSMakesIt reads a new account's default VPC as code
// written against AWS finds it: 172.31.0.0/16 marked default, a /20
// default subnet per zone with public IPs on launch, an attached internet
// gateway and the main table's route to it, the default group, and the
// account attribute naming it.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html#default-vpc-components
func TestDefaultVPCAsAWSMakesIt(t *testing.T) {
	l := newLab(t)
	c := regionClient(l, "eu-west-1")
	vpcs := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "true")}})).Vpcs
	if len(vpcs) != 1 || sdkaws.ToString(vpcs[0].CidrBlock) != "172.31.0.0/16" || !sdkaws.ToBool(vpcs[0].IsDefault) {
		t.Fatalf("default VPCs %+v", vpcs)
	}
	vpc := sdkaws.ToString(vpcs[0].VpcId)
	subs := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("default-for-az", "true")}})).Subnets
	want := map[string]string{"eu-west-1a": "172.31.0.0/20", "eu-west-1b": "172.31.16.0/20", "eu-west-1c": "172.31.32.0/20"}
	if len(subs) != len(want) {
		t.Fatalf("%d default subnets, want %d", len(subs), len(want))
	}
	for _, s := range subs {
		if want[sdkaws.ToString(s.AvailabilityZone)] != sdkaws.ToString(s.CidrBlock) || !sdkaws.ToBool(s.MapPublicIpOnLaunch) ||
			!sdkaws.ToBool(s.DefaultForAz) || sdkaws.ToString(s.VpcId) != vpc || sdkaws.ToInt32(s.AvailableIpAddressCount) != 4091 {
			t.Errorf("default subnet %s: zone %s CIDR %s public %v default %v available %d", sdkaws.ToString(s.SubnetId), sdkaws.ToString(s.AvailabilityZone),
				sdkaws.ToString(s.CidrBlock), sdkaws.ToBool(s.MapPublicIpOnLaunch), sdkaws.ToBool(s.DefaultForAz), sdkaws.ToInt32(s.AvailableIpAddressCount))
		}
	}
	igws := must[*ec2.DescribeInternetGatewaysOutput](t)(c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", vpc)}})).InternetGateways
	if len(igws) != 1 {
		t.Fatalf("%d internet gateways attached to the default VPC, want 1", len(igws))
	}
	main := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", vpc), filter("association.main", "true")}})).RouteTables
	if len(main) != 1 || !hasRoute(main[0], "0.0.0.0/0", sdkaws.ToString(igws[0].InternetGatewayId)) {
		t.Fatalf("main route table of the default VPC: %+v, want 0.0.0.0/0 via %s", main, sdkaws.ToString(igws[0].InternetGatewayId))
	}
	sgs := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", vpc), filter("group-name", "default")}})).SecurityGroups
	acls := must[*ec2.DescribeNetworkAclsOutput](t)(c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("vpc-id", vpc), filter("default", "true")}})).NetworkAcls
	if len(sgs) != 1 || len(acls) != 1 {
		t.Fatalf("default VPC: %d default groups, %d default ACLs; want 1 and 1", len(sgs), len(acls))
	}
	attrs := must[*ec2.DescribeAccountAttributesOutput](t)(c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{
		AttributeNames: []types.AccountAttributeName{types.AccountAttributeNameDefaultVpc}})).AccountAttributes
	if len(attrs) != 1 || sdkaws.ToString(attrs[0].AttributeName) != "default-vpc" || sdkaws.ToString(attrs[0].AttributeValues[0].AttributeValue) != vpc {
		t.Fatalf("account attributes %+v, want default-vpc %s", attrs, vpc)
	}
	all := must[*ec2.DescribeAccountAttributesOutput](t)(c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{})).AccountAttributes
	got := map[string]string{}
	for _, a := range all {
		got[sdkaws.ToString(a.AttributeName)] = sdkaws.ToString(a.AttributeValues[0].AttributeValue)
	}
	for name, v := range map[string]string{"supported-platforms": "VPC", "default-vpc": vpc, "max-instances": "20",
		"vpc-max-security-groups-per-interface": "5", "max-elastic-ips": "5", "vpc-max-elastic-ips": "5"} {
		if got[name] != v {
			t.Errorf("account attribute %s = %q, want %q", name, got[name], v)
		}
	}
}

func hasRoute(rt types.RouteTable, dst, gw string) bool {
	for _, r := range rt.Routes {
		if sdkaws.ToString(r.DestinationCidrBlock) == dst && sdkaws.ToString(r.GatewayId) == gw && r.State == types.RouteStateActive {
			return true
		}
	}
	return false
}

// TestLaunchIntoDefaultVPC runs what code written against AWS does
// without naming a network: a security group without VpcId, instances
// without SubnetId (the first zone's default subnet, or the one of the
// Placement zone); then, the default VPC deleted, the same calls get
// VPCIdNotSpecified, and CreateDefaultVpc brings one back (a second is
// DefaultVpcAlreadyExists).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — SubnetId: the default subnet when omitted
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html — VpcId: the default VPC when omitted
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateDefaultVpc.html
func TestLaunchIntoDefaultVPC(t *testing.T) {
	l := newLab(t)
	sg := must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("web"), Description: sdkaws.String("web")}))
	vpcs := must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "true")}})).Vpcs
	if len(vpcs) != 1 {
		t.Fatalf("%d default VPCs", len(vpcs))
	}
	vpc := sdkaws.ToString(vpcs[0].VpcId)
	g := must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*sg.GroupId}})).SecurityGroups[0]
	if sdkaws.ToString(g.VpcId) != vpc {
		t.Fatalf("group without VpcId is in %s, want the default VPC %s", sdkaws.ToString(g.VpcId), vpc)
	}
	run := must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
		SecurityGroupIds: []string{*sg.GroupId}}))
	i := run.Instances[0]
	if sdkaws.ToString(i.VpcId) != vpc || sdkaws.ToString(i.Placement.AvailabilityZone) != "us-east-1a" || !strings.HasPrefix(sdkaws.ToString(i.PrivateIpAddress), "172.31.") {
		t.Fatalf("instance without SubnetId: VPC %s zone %s address %s; want the default VPC's us-east-1a subnet", sdkaws.ToString(i.VpcId),
			sdkaws.ToString(i.Placement.AvailabilityZone), sdkaws.ToString(i.PrivateIpAddress))
	}
	run = must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
		Placement: &types.Placement{AvailabilityZone: sdkaws.String("us-east-1b")}}))
	if ip := sdkaws.ToString(run.Instances[0].PrivateIpAddress); !strings.HasPrefix(ip, "172.31.16.") || sdkaws.ToString(run.Instances[0].Placement.AvailabilityZone) != "us-east-1b" {
		t.Fatalf("instance placed in us-east-1b: address %s zone %s", ip, sdkaws.ToString(run.Instances[0].Placement.AvailabilityZone))
	}
	_, err := l.a.CreateDefaultVpc(ctx, &ec2.CreateDefaultVpcInput{})
	wantAPIErrorMessage(t, err, "DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region.")

	// Delete the default VPC as a user must: instances, group, subnets, gateway, VPC.
	ids := []string{*i.InstanceId, *run.Instances[0].InstanceId}
	must[*ec2.TerminateInstancesOutput](t)(l.a.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}))
	must[*ec2.DeleteSecurityGroupOutput](t)(l.a.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId}))
	deleteVPC(t, l.a, vpc)
	attrs := must[*ec2.DescribeAccountAttributesOutput](t)(l.a.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{
		AttributeNames: []types.AccountAttributeName{types.AccountAttributeNameDefaultVpc}})).AccountAttributes
	if v := sdkaws.ToString(attrs[0].AttributeValues[0].AttributeValue); v != "none" {
		t.Fatalf("default-vpc after deleting it: %s, want none", v)
	}
	_, err = l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1)})
	wantAPIErrorMessage(t, err, "VPCIdNotSpecified", "No default VPC for this user")
	_, err = l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("web"), Description: sdkaws.String("web")})
	wantAPIErrorMessage(t, err, "VPCIdNotSpecified", "No default VPC for this user")

	again := must[*ec2.CreateDefaultVpcOutput](t)(l.a.CreateDefaultVpc(ctx, &ec2.CreateDefaultVpcInput{})).Vpc
	if !sdkaws.ToBool(again.IsDefault) || sdkaws.ToString(again.CidrBlock) != "172.31.0.0/16" || sdkaws.ToString(again.VpcId) == vpc {
		t.Fatalf("CreateDefaultVpc = %+v", again)
	}
	subs := must[*ec2.DescribeSubnetsOutput](t)(l.a.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", *again.VpcId), filter("default-for-az", "true")}})).Subnets
	if len(subs) != 3 {
		t.Fatalf("the new default VPC has %d default subnets, want 3", len(subs))
	}
}

// deleteVPC deletes a VPC with its subnets and internet gateways.
func deleteVPC(t *testing.T, c *ec2.Client, vpc string) {
	t.Helper()
	for _, s := range must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", vpc)}})).Subnets {
		must[*ec2.DeleteSubnetOutput](t)(c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s.SubnetId}))
	}
	for _, g := range must[*ec2.DescribeInternetGatewaysOutput](t)(c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", vpc)}})).InternetGateways {
		must[*ec2.DetachInternetGatewayOutput](t)(c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: g.InternetGatewayId, VpcId: &vpc}))
		must[*ec2.DeleteInternetGatewayOutput](t)(c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: g.InternetGatewayId}))
	}
	must[*ec2.DeleteVpcOutput](t)(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc}))
}

// TestDefaultVPCAWSCLI launches into the default VPC with the AWS CLI as
// a user does, naming no subnet, and reads the account's default VPC.
func TestDefaultVPCAWSCLI(t *testing.T) {
	l := newLab(t)
	run := awsCLI(t, l)
	out, err := run("describe-account-attributes", "--attribute-names", "default-vpc")
	var attrs struct {
		AccountAttributes []struct {
			AttributeName   string
			AttributeValues []struct{ AttributeValue string }
		}
	}
	if err != nil || json.Unmarshal([]byte(out), &attrs) != nil || len(attrs.AccountAttributes) != 1 || !strings.HasPrefix(attrs.AccountAttributes[0].AttributeValues[0].AttributeValue, "vpc-") {
		t.Fatalf("describe-account-attributes: %v\n%s", err, out)
	}
	vpc := attrs.AccountAttributes[0].AttributeValues[0].AttributeValue
	out, err = run("run-instances", "--image-id", "ami-12345678", "--count", "1")
	var launched struct {
		Instances []struct{ VpcId, SubnetId, PrivateIpAddress string }
	}
	if err != nil || json.Unmarshal([]byte(out), &launched) != nil || len(launched.Instances) != 1 || launched.Instances[0].VpcId != vpc {
		t.Fatalf("run-instances without a subnet: %v\n%s", err, out)
	}
	out, err = run("describe-vpcs", "--filters", "Name=is-default,Values=true")
	if err != nil || !strings.Contains(out, vpc) || !strings.Contains(out, `"IsDefault": true`) {
		t.Fatalf("describe-vpcs is-default: %v\n%s", err, out)
	}
	out, err = run("create-default-vpc")
	if err == nil || !strings.Contains(out, "DefaultVpcAlreadyExists") {
		t.Fatalf("create-default-vpc with one: %v\n%s", err, out)
	}
}
