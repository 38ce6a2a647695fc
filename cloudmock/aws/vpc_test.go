package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestVpcLifecycle(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "prod")
	if sdkaws.ToString(vpc.CidrBlock) != "10.0.0.0/16" || vpc.State != types.VpcStateAvailable || sdkaws.ToString(vpc.OwnerId) != credA.AccountID {
		t.Fatalf("CreateVpc returned %+v", vpc)
	}
	if len(vpc.Tags) != 1 || *vpc.Tags[0].Key != "Name" || *vpc.Tags[0].Value != "prod" {
		t.Fatalf("tags = %+v, want Name=prod", vpc.Tags)
	}
	mkVpc(t, l.a, "10.1.0.0/16", "dev")

	got := must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:Name", "pro*")}}))
	if len(got.Vpcs) != 1 || *got.Vpcs[0].VpcId != *vpc.VpcId {
		t.Fatalf("filter tag:Name=pro* gave %d VPCs", len(got.Vpcs))
	}
	got = must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{*vpc.VpcId}}))
	if len(got.Vpcs) != 1 {
		t.Fatalf("by ID gave %d VPCs", len(got.Vpcs))
	}
	_, err := l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-0123456789abcdef0"}})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
	_, err = l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("no-such-filter", "x")}})
	wantAPIError(t, err, "InvalidParameterValue")

	_, err = l.a.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.0.0.0/8")})
	wantAPIError(t, err, "InvalidVpc.Range")
	_, err = l.a.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.0.0.0/29")})
	wantAPIError(t, err, "InvalidVpc.Range")
	_, err = l.a.CreateVpc(ctx, &ec2.CreateVpcInput{})
	wantAPIError(t, err, "MissingParameter")

	assoc := must[*ec2.AssociateVpcCidrBlockOutput](t)(l.a.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.2.0.0/16")}))
	if sdkaws.ToString(assoc.CidrBlockAssociation.CidrBlock) != "10.2.0.0/16" {
		t.Fatalf("associate returned %+v", assoc.CidrBlockAssociation)
	}
	_, err = l.a.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.0.128.0/17")})
	wantAPIError(t, err, "InvalidVpc.Range")
	got = must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("cidr-block-association.cidr-block", "10.2.0.0/16")}}))
	if len(got.Vpcs) != 1 || len(got.Vpcs[0].CidrBlockAssociationSet) != 2 {
		t.Fatalf("secondary CIDR not visible: %+v", got.Vpcs)
	}

	_, err = l.a.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: vpc.VpcId, EnableDnsHostnames: &types.AttributeBooleanValue{Value: sdkaws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}

	// Each VPC comes with a main route table, default NACL and default security group.
	rts := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId), filter("association.main", "true")}}))
	if len(rts.RouteTables) != 1 {
		t.Fatalf("main route tables = %d, want 1", len(rts.RouteTables))
	}
	routes := rts.RouteTables[0].Routes
	if len(routes) != 2 || sdkaws.ToString(routes[0].GatewayId) != "local" || routes[0].Origin != types.RouteOriginCreateRouteTable || routes[0].State != types.RouteStateActive {
		t.Fatalf("main table routes = %+v, want the two local routes", routes)
	}
	acls := must[*ec2.DescribeNetworkAclsOutput](t)(l.a.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId), filter("default", "true")}}))
	if len(acls.NetworkAcls) != 1 || len(acls.NetworkAcls[0].Entries) != 4 {
		t.Fatalf("default NACL = %+v", acls.NetworkAcls)
	}
	sgs := must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId), filter("group-name", "default")}}))
	if len(sgs.SecurityGroups) != 1 {
		t.Fatalf("default security groups = %d", len(sgs.SecurityGroups))
	}

	mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	_, err = l.a.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc.VpcId})
	wantAPIError(t, err, "DependencyViolation")
}

func TestDeleteVpc(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	if _, err := l.a.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc.VpcId}); err != nil {
		t.Fatal(err)
	}
	_, err := l.a.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc.VpcId})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
	rts := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}}))
	if len(rts.RouteTables) != 0 {
		t.Fatalf("%d route tables left after DeleteVpc", len(rts.RouteTables))
	}
}

func TestSubnets(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	s := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	if sdkaws.ToInt32(s.AvailableIpAddressCount) != 251 || sdkaws.ToString(s.AvailabilityZone) != "us-east-1a" || sdkaws.ToString(s.VpcId) != *vpc.VpcId {
		t.Fatalf("CreateSubnet returned %+v", s)
	}
	_, err := l.a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.0.1.0/25")})
	wantAPIError(t, err, "InvalidSubnet.Conflict")
	_, err = l.a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.9.0.0/24")})
	wantAPIError(t, err, "InvalidSubnet.Range")
	_, err = l.a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.0.2.0/29")})
	wantAPIError(t, err, "InvalidSubnet.Range")
	_, err = l.a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: sdkaws.String("vpc-0123456789abcdef0"), CidrBlock: sdkaws.String("10.0.2.0/24")})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
	_, err = l.a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.0.3.0/24"), AvailabilityZone: sdkaws.String("eu-west-1a")})
	wantAPIError(t, err, "InvalidParameterValue")
	for i := range 6 {
		mkSubnet(t, l.a, *vpc.VpcId, "10.0."+string(rune('4'+i))+"0.0/24")
	}
	// Pagination: 7 subnets and the default VPC's 3, pages of 5.
	p := ec2.NewDescribeSubnetsPaginator(l.a, &ec2.DescribeSubnetsInput{MaxResults: sdkaws.Int32(5)})
	total, pages := 0, 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total += len(out.Subnets)
		pages++
	}
	if total != 10 || pages != 2 {
		t.Fatalf("paginated %d subnets in %d pages, want 10 in 2", total, pages)
	}
	got := must[*ec2.DescribeSubnetsOutput](t)(l.a.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("cidr-block", "10.0.1.0/24")}}))
	if len(got.Subnets) != 1 || *got.Subnets[0].SubnetId != *s.SubnetId {
		t.Fatalf("cidr-block filter gave %d subnets", len(got.Subnets))
	}
	if _, err := l.a.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s.SubnetId}); err != nil {
		t.Fatal(err)
	}
	_, err = l.a.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s.SubnetId})
	wantAPIError(t, err, "InvalidSubnetID.NotFound")
}
