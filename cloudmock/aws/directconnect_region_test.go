package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directconnect"
	dxtypes "github.com/aws/aws-sdk-go-v2/service/directconnect/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// dxRegionClient is account A's Direct Connect client signing for region.
func dxRegionClient(l *lab, region string) *directconnect.Client {
	return directconnect.New(directconnect.Options{Region: region, BaseEndpoint: sdkaws.String(l.url),
		Credentials: l.a.Options().Credentials, RetryMaxAttempts: 1})
}

// Direct Connect is regional: a line at a location of eu-west-1 is listed
// by eu-west-1's endpoint only and reports that region; a virtual
// interface on it lands on a VPN gateway of eu-west-1, is listed and
// deleted there only, and one to a VPN gateway of another region is
// refused (a private virtual interface to a virtual private gateway
// reaches a VPC of its own Region:
// https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html).
func TestDirectConnectRegions(t *testing.T) {
	l := newLab(t)
	conn, err := l.cloud.ProvisionDXConnectionAt(credA.AccountID, model.Place{Region: "eu-west-1"}, "dc-dub", nil)
	if err != nil {
		t.Fatal(err)
	}
	use, euw := dxRegionClient(l, "us-east-1"), dxRegionClient(l, "eu-west-1")
	vgw := func(region string) string {
		c := regionClient(l, region)
		vpc := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.0.0.0/16")})).Vpc.VpcId
		g := must[*ec2.CreateVpnGatewayOutput](t)(c.CreateVpnGateway(ctx, &ec2.CreateVpnGatewayInput{Type: "ipsec.1"})).VpnGateway.VpnGatewayId
		must[*ec2.AttachVpnGatewayOutput](t)(c.AttachVpnGateway(ctx, &ec2.AttachVpnGatewayInput{VpcId: vpc, VpnGatewayId: g}))
		return *g
	}
	vgwEU, vgwUS := vgw("eu-west-1"), vgw("us-east-1")

	if out := must[*directconnect.DescribeConnectionsOutput](t)(use.DescribeConnections(ctx, &directconnect.DescribeConnectionsInput{})); len(out.Connections) != 0 {
		t.Errorf("us-east-1 lists connections %+v, want none", out.Connections)
	}
	out := must[*directconnect.DescribeConnectionsOutput](t)(euw.DescribeConnections(ctx, &directconnect.DescribeConnectionsInput{}))
	if len(out.Connections) != 1 || sdkaws.ToString(out.Connections[0].Region) != "eu-west-1" {
		t.Fatalf("eu-west-1 lists connections %+v, want dc-dub in eu-west-1", out.Connections)
	}
	in := func(g string, vlan int32) *directconnect.CreatePrivateVirtualInterfaceInput {
		return &directconnect.CreatePrivateVirtualInterfaceInput{ConnectionId: &conn.ID, NewPrivateVirtualInterface: &dxtypes.NewPrivateVirtualInterface{
			VirtualInterfaceName: sdkaws.String("to-eu"), Vlan: vlan, Asn: 65010, VirtualGatewayId: &g}}
	}
	_, err = use.CreatePrivateVirtualInterface(ctx, in(vgwUS, 101))
	wantDXClientError(t, err) // the line is not in us-east-1
	_, err = euw.CreatePrivateVirtualInterface(ctx, in(vgwUS, 101))
	wantDXClientError(t, err) // the gateway is not in the line's region
	v := must[*directconnect.CreatePrivateVirtualInterfaceOutput](t)(euw.CreatePrivateVirtualInterface(ctx, in(vgwEU, 101)))
	if sdkaws.ToString(v.Region) != "eu-west-1" || v.VirtualInterfaceState != dxtypes.VirtualInterfaceStateAvailable {
		t.Errorf("virtual interface %s in %q, state %s; want eu-west-1, available", sdkaws.ToString(v.VirtualInterfaceId), sdkaws.ToString(v.Region), v.VirtualInterfaceState)
	}
	if got := must[*directconnect.DescribeVirtualInterfacesOutput](t)(use.DescribeVirtualInterfaces(ctx, &directconnect.DescribeVirtualInterfacesInput{})); len(got.VirtualInterfaces) != 0 {
		t.Errorf("us-east-1 lists virtual interfaces %+v, want none", got.VirtualInterfaces)
	}
	if got := must[*directconnect.DescribeVirtualInterfacesOutput](t)(euw.DescribeVirtualInterfaces(ctx, &directconnect.DescribeVirtualInterfacesInput{})); len(got.VirtualInterfaces) != 1 {
		t.Errorf("eu-west-1 lists virtual interfaces %+v, want one", got.VirtualInterfaces)
	}
	_, err = use.DeleteVirtualInterface(ctx, &directconnect.DeleteVirtualInterfaceInput{VirtualInterfaceId: v.VirtualInterfaceId})
	wantDXClientError(t, err)
	must[*directconnect.DeleteVirtualInterfaceOutput](t)(euw.DeleteVirtualInterface(ctx, &directconnect.DeleteVirtualInterfaceInput{VirtualInterfaceId: v.VirtualInterfaceId}))
}
