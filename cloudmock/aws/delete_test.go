package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestTeardown deletes a hub-and-spoke build in dependency order, as a
// destroy would, checking that deletes out of order are refused.
func TestTeardown(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "spoke")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	peer := mkVpc(t, l.a, "10.9.0.0/16", "peer")
	pcx := must[*ec2.CreateVpcPeeringConnectionOutput](t)(l.a.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: vpc.VpcId, PeerVpcId: peer.VpcId})).VpcPeeringConnection
	tgw := must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	att := must[*ec2.CreateTransitGatewayVpcAttachmentOutput](t)(l.a.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: tgw.TransitGatewayId, VpcId: vpc.VpcId, SubnetIds: []string{*sub.SubnetId}})).TransitGatewayVpcAttachment
	cgw := must[*ec2.CreateCustomerGatewayOutput](t)(l.a.CreateCustomerGateway(ctx, &ec2.CreateCustomerGatewayInput{Type: types.GatewayTypeIpsec1, BgpAsn: sdkaws.Int32(65010), IpAddress: sdkaws.String("198.51.100.10")})).CustomerGateway
	vpn := must[*ec2.CreateVpnConnectionOutput](t)(l.a.CreateVpnConnection(ctx, &ec2.CreateVpnConnectionInput{Type: sdkaws.String("ipsec.1"), CustomerGatewayId: cgw.CustomerGatewayId, TransitGatewayId: tgw.TransitGatewayId})).VpnConnection
	eip := must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
	nat := must[*ec2.CreateNatGatewayOutput](t)(l.a.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: sub.SubnetId, AllocationId: eip.AllocationId})).NatGateway

	_, err := l.a.DeleteTransitGateway(ctx, &ec2.DeleteTransitGatewayInput{TransitGatewayId: tgw.TransitGatewayId})
	wantAPIError(t, err, "IncorrectState")
	_, err = l.a.DeleteCustomerGateway(ctx, &ec2.DeleteCustomerGatewayInput{CustomerGatewayId: cgw.CustomerGatewayId})
	wantAPIError(t, err, "IncorrectState")
	_, err = l.a.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: eip.AllocationId})
	wantAPIError(t, err, "InvalidIPAddress.InUse")
	_, err = l.a.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc.VpcId})
	wantAPIError(t, err, "DependencyViolation")

	must[*ec2.DeleteVpnConnectionOutput](t)(l.a.DeleteVpnConnection(ctx, &ec2.DeleteVpnConnectionInput{VpnConnectionId: vpn.VpnConnectionId}))
	must[*ec2.DeleteCustomerGatewayOutput](t)(l.a.DeleteCustomerGateway(ctx, &ec2.DeleteCustomerGatewayInput{CustomerGatewayId: cgw.CustomerGatewayId}))
	must[*ec2.DeleteTransitGatewayVpcAttachmentOutput](t)(l.a.DeleteTransitGatewayVpcAttachment(ctx, &ec2.DeleteTransitGatewayVpcAttachmentInput{TransitGatewayAttachmentId: att.TransitGatewayAttachmentId}))
	must[*ec2.DeleteTransitGatewayOutput](t)(l.a.DeleteTransitGateway(ctx, &ec2.DeleteTransitGatewayInput{TransitGatewayId: tgw.TransitGatewayId}))
	must[*ec2.DeleteNatGatewayOutput](t)(l.a.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: nat.NatGatewayId}))
	must[*ec2.ReleaseAddressOutput](t)(l.a.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: eip.AllocationId}))
	must[*ec2.DeleteVpcPeeringConnectionOutput](t)(l.a.DeleteVpcPeeringConnection(ctx, &ec2.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: pcx.VpcPeeringConnectionId}))
	must[*ec2.DeleteSubnetOutput](t)(l.a.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sub.SubnetId}))
	must[*ec2.DeleteVpcOutput](t)(l.a.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc.VpcId}))
	must[*ec2.DeleteVpcOutput](t)(l.a.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: peer.VpcId}))

	if n := len(must[*ec2.DescribeTransitGatewaysOutput](t)(l.a.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{})).TransitGateways); n != 0 {
		t.Fatalf("%d transit gateways left", n)
	}
	if n := len(must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "false")}})).Vpcs); n != 0 {
		t.Fatalf("%d VPCs left besides the default one", n)
	}
	if n := len(l.cloud.Tags(credA.AccountID)); n != 0 {
		t.Fatalf("%d tags left on deleted objects", n)
	}
}
