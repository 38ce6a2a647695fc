package aws_test

import (
	"fmt"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// BenchmarkMixedCalls measures SDK calls per second through the handler:
// per iteration one VPC, two subnets, a route table, a tag and three
// Describe calls with filters.
func BenchmarkMixedCalls(b *testing.B) {
	l := newLab(b)
	igw := must[*ec2.CreateInternetGatewayOutput](b)(l.a.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway
	calls := 0
	b.ResetTimer()
	for i := range b.N {
		cidr := fmt.Sprintf("10.%d.%d.0/24", (i/256)%256, i%256)
		vpc := must[*ec2.CreateVpcOutput](b)(l.a.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String(cidr)})).Vpc
		for j := range 2 {
			must[*ec2.CreateSubnetOutput](b)(l.a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String(fmt.Sprintf("10.%d.%d.%d/25", (i/256)%256, i%256, j*128))}))
		}
		rt := must[*ec2.CreateRouteTableOutput](b)(l.a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.VpcId})).RouteTable
		if i == 0 {
			must[*ec2.AttachInternetGatewayOutput](b)(l.a.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId}))
			calls++
		}
		must[*ec2.CreateTagsOutput](b)(l.a.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*rt.RouteTableId}, Tags: []types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String(cidr)}}}))
		must[*ec2.DescribeVpcsOutput](b)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{*vpc.VpcId}}))
		must[*ec2.DescribeSubnetsOutput](b)(l.a.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}}))
		must[*ec2.DescribeRouteTablesOutput](b)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("tag:Name", cidr)}}))
		calls += 8
	}
	b.ReportMetric(float64(calls)/b.Elapsed().Seconds(), "calls/s")
}
