package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestRemainingActions covers the actions the scenario tests do not reach.
func TestRemainingActions(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.0.0/24")
	must[*ec2.ModifySubnetAttributeOutput](t)(l.a.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: sub.SubnetId, MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: sdkaws.Bool(true)}}))
	subs := must[*ec2.DescribeSubnetsOutput](t)(l.a.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("map-public-ip-on-launch", "true"), filter("vpc-id", *vpc.VpcId)}}))
	if len(subs.Subnets) != 1 || !sdkaws.ToBool(subs.Subnets[0].MapPublicIpOnLaunch) {
		t.Fatalf("public subnets = %+v", subs.Subnets)
	}

	eip := must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
	addrs := must[*ec2.DescribeAddressesOutput](t)(l.a.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}}))
	if len(addrs.Addresses) != 1 || *addrs.Addresses[0].PublicIp != *eip.PublicIp {
		t.Fatalf("addresses = %+v", addrs.Addresses)
	}
	nat := must[*ec2.CreateNatGatewayOutput](t)(l.a.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: sub.SubnetId, AllocationId: eip.AllocationId})).NatGateway
	nats := must[*ec2.DescribeNatGatewaysOutput](t)(l.a.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{Filter: []types.Filter{filter("vpc-id", *vpc.VpcId)}}))
	if len(nats.NatGateways) != 1 || *nats.NatGateways[0].NatGatewayId != *nat.NatGatewayId {
		t.Fatalf("NAT gateways = %+v", nats.NatGateways)
	}
	_, err := l.a.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{"nat-0123456789abcdef0"}})
	wantAPIError(t, err, "NatGatewayNotFound")

	vgw := must[*ec2.CreateVpnGatewayOutput](t)(l.a.CreateVpnGateway(ctx, &ec2.CreateVpnGatewayInput{Type: types.GatewayTypeIpsec1})).VpnGateway
	must[*ec2.AttachVpnGatewayOutput](t)(l.a.AttachVpnGateway(ctx, &ec2.AttachVpnGatewayInput{VpnGatewayId: vgw.VpnGatewayId, VpcId: vpc.VpcId}))
	vgws := must[*ec2.DescribeVpnGatewaysOutput](t)(l.a.DescribeVpnGateways(ctx, &ec2.DescribeVpnGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", *vpc.VpcId)}}))
	if len(vgws.VpnGateways) != 1 || vgws.VpnGateways[0].VpcAttachments[0].State != types.AttachmentStatusAttached {
		t.Fatalf("VPN gateways = %+v", vgws.VpnGateways)
	}
	_, err = l.a.DeleteVpnGateway(ctx, &ec2.DeleteVpnGatewayInput{VpnGatewayId: vgw.VpnGatewayId})
	wantAPIError(t, err, "IncorrectState")
	must[*ec2.DetachVpnGatewayOutput](t)(l.a.DetachVpnGateway(ctx, &ec2.DetachVpnGatewayInput{VpnGatewayId: vgw.VpnGatewayId, VpcId: vpc.VpcId}))
	must[*ec2.DeleteVpnGatewayOutput](t)(l.a.DeleteVpnGateway(ctx, &ec2.DeleteVpnGatewayInput{VpnGatewayId: vgw.VpnGatewayId}))

	must[*ec2.CreateCustomerGatewayOutput](t)(l.a.CreateCustomerGateway(ctx, &ec2.CreateCustomerGatewayInput{Type: types.GatewayTypeIpsec1, BgpAsn: sdkaws.Int32(65020), IpAddress: sdkaws.String("198.51.100.20")}))
	cgws := must[*ec2.DescribeCustomerGatewaysOutput](t)(l.a.DescribeCustomerGateways(ctx, &ec2.DescribeCustomerGatewaysInput{Filters: []types.Filter{filter("bgp-asn", "65020")}}))
	if len(cgws.CustomerGateways) != 1 {
		t.Fatalf("customer gateways = %+v", cgws.CustomerGateways)
	}

	tgw := must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	rt := tgw.Options.AssociationDefaultRouteTableId
	must[*ec2.CreateTransitGatewayRouteOutput](t)(l.a.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: rt, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), Blackhole: sdkaws.Bool(true)}))
	must[*ec2.DeleteTransitGatewayRouteOutput](t)(l.a.DeleteTransitGatewayRoute(ctx, &ec2.DeleteTransitGatewayRouteInput{TransitGatewayRouteTableId: rt, DestinationCidrBlock: sdkaws.String("0.0.0.0/0")}))
	_, err = l.a.DeleteTransitGatewayRoute(ctx, &ec2.DeleteTransitGatewayRouteInput{TransitGatewayRouteTableId: rt, DestinationCidrBlock: sdkaws.String("0.0.0.0/0")})
	wantAPIError(t, err, "InvalidRoute.NotFound")
}
