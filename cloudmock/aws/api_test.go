package aws_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestWrongCredentialsRefused(t *testing.T) {
	l := newLab(t)
	for name, c := range map[string]*ec2.Client{
		"wrong secret":        client(l.url, credA.AccessKeyID, "not-the-secret"),
		"unknown key":         client(l.url, "AKIAZZZZZZZZZZZZZZZZ", "whatever"),
		"B's key, A's secret": client(l.url, credB.AccessKeyID, credA.SecretAccessKey),
	} {
		_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		t.Run(name, func(t *testing.T) { wantAPIError(t, err, "AuthFailure") })
	}
	// An unsigned request is refused too.
	resp, err := http.PostForm(l.url, url.Values{"Action": {"DescribeVpcs"}, "Version": {"2016-11-15"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned request: HTTP %d, want 401", resp.StatusCode)
	}
}

func TestAccountsIsolated(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "a-only")
	// B sees its own default VPC only.
	got := must[*ec2.DescribeVpcsOutput](t)(l.b.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}))
	if len(got.Vpcs) != 1 || !sdkaws.ToBool(got.Vpcs[0].IsDefault) || *got.Vpcs[0].OwnerId != credB.AccountID {
		t.Fatalf("account B sees VPCs %+v, want its default VPC only", got.Vpcs)
	}
	_, err := l.b.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{*vpc.VpcId}})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
	_, err = l.b.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc.VpcId})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
	_, err = l.b.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.0.1.0/24")})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
	_, err = l.b.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*vpc.VpcId}, Tags: []types.Tag{{Key: sdkaws.String("k"), Value: sdkaws.String("v")}}})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
	// B can use the same CIDR in its own VPC.
	mkVpc(t, l.b, "10.0.0.0/16", "b")
	if n := len(must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})).Vpcs); n != 2 {
		t.Fatalf("account A sees %d VPCs, want 2 (its default and its own)", n)
	}
}

func TestDryRun(t *testing.T) {
	l := newLab(t)
	_, err := l.a.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.0.0.0/16"), DryRun: sdkaws.Bool(true)})
	wantAPIError(t, err, "DryRunOperation")
	if n := len(must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "false")}})).Vpcs); n != 0 {
		t.Fatalf("dry run created %d VPCs", n)
	}
	_, err = client(l.url, credA.AccessKeyID, "bad").CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.0.0.0/16"), DryRun: sdkaws.Bool(true)})
	wantAPIError(t, err, "AuthFailure")
}

func TestClientTokenIdempotency(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	in := &ec2.CreateRouteTableInput{VpcId: vpc.VpcId, ClientToken: sdkaws.String("tok-1")}
	r1 := must[*ec2.CreateRouteTableOutput](t)(l.a.CreateRouteTable(ctx, in))
	r2 := must[*ec2.CreateRouteTableOutput](t)(l.a.CreateRouteTable(ctx, in))
	if *r1.RouteTable.RouteTableId != *r2.RouteTable.RouteTableId {
		t.Fatalf("same token made two tables: %s, %s", *r1.RouteTable.RouteTableId, *r2.RouteTable.RouteTableId)
	}
	other := mkVpc(t, l.a, "10.1.0.0/16", "y")
	_, err := l.a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: other.VpcId, ClientToken: sdkaws.String("tok-1")})
	wantAPIError(t, err, "IdempotentParameterMismatch")
	if n := len(must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{})).RouteTables); n != 4 {
		t.Fatalf("%d route tables, want 4 (the default VPC's main, two main + one)", n)
	}
}

func TestTags(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	must[*ec2.CreateTagsOutput](t)(l.a.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*vpc.VpcId, *sub.SubnetId},
		Tags: []types.Tag{{Key: sdkaws.String("env"), Value: sdkaws.String("prod")}}}))
	got := must[*ec2.DescribeSubnetsOutput](t)(l.a.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("tag-key", "env")}}))
	if len(got.Subnets) != 1 {
		t.Fatalf("tag-key filter: %d subnets", len(got.Subnets))
	}
	tags := must[*ec2.DescribeTagsOutput](t)(l.a.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{filter("key", "env")}}))
	if len(tags.Tags) != 2 {
		t.Fatalf("DescribeTags env: %d, want 2", len(tags.Tags))
	}
	types_ := map[types.ResourceType]bool{}
	for _, tg := range tags.Tags {
		types_[tg.ResourceType] = true
	}
	if !types_[types.ResourceTypeVpc] || !types_[types.ResourceTypeSubnet] {
		t.Fatalf("resource types %v", types_)
	}
	must[*ec2.DeleteTagsOutput](t)(l.a.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{*vpc.VpcId}, Tags: []types.Tag{{Key: sdkaws.String("env"), Value: sdkaws.String("dev")}}}))
	if n := len(must[*ec2.DescribeTagsOutput](t)(l.a.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-id", *vpc.VpcId)}})).Tags); n != 2 {
		t.Fatalf("delete with non-matching value removed a tag: %d left, want 2", n)
	}
	must[*ec2.DeleteTagsOutput](t)(l.a.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{*vpc.VpcId}, Tags: []types.Tag{{Key: sdkaws.String("env")}}}))
	left := must[*ec2.DescribeTagsOutput](t)(l.a.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-id", *vpc.VpcId)}})).Tags
	if len(left) != 1 || *left[0].Key != "Name" {
		t.Fatalf("tags left = %+v, want only Name", left)
	}
	_, err := l.a.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"subnet-0123456789abcdef0"}, Tags: []types.Tag{{Key: sdkaws.String("k"), Value: sdkaws.String("v")}}})
	wantAPIError(t, err, "InvalidSubnetID.NotFound")
}

func TestUnknownActionAndErrorShape(t *testing.T) {
	l := newLab(t)
	// An action this mock does not implement is InvalidAction, as EC2 answers for unknown actions.
	_, err := l.a.DescribeCapacityReservations(ctx, &ec2.DescribeCapacityReservationsInput{})
	wantAPIError(t, err, "InvalidAction")
	_, err = l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: sdkaws.Int32(2)})
	wantAPIError(t, err, "InvalidParameterValue")
	if !strings.Contains(err.Error(), "between 5 and 1000") {
		t.Fatalf("message = %v", err)
	}
}
