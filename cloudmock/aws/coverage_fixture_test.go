package aws_test

import (
	"net/url"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// nonEC2 names actions the handler registers that are not EC2's own (none
// yet: STS, Direct Connect and GuardDuty are served beside it, not as
// EC2 actions).
var nonEC2 = map[string]bool{}

// coverageFixture gives account A at least one object of every kind an
// implemented Describe lists, so that TestCoverageTable can probe each
// Describe's filters: a VPC peered with another, a subnet, an internet and
// a NAT gateway, an egress-only internet gateway, a route table with a gateway endpoint, a security group, a subnet CIDR
// reservation, an instance with its
// interface and an elastic IP, a transit gateway with a route table and a
// VPC attachment, a VPN gateway, a customer gateway and a VPN connection, a launch
// template and a flow log.
// It returns the parameters each Describe that needs one (a route table
// to search, say) is probed with.
func coverageFixture(t *testing.T, l *lab) map[string]url.Values {
	t.Helper()
	c := l.a
	vpc := mkVpc(t, c, "10.0.0.0/16", "coverage")
	peer := mkVpc(t, c, "10.1.0.0/16", "coverage-peer")
	sub := mkSubnet(t, c, *vpc.VpcId, "10.0.1.0/24")
	igw := must[*ec2.CreateInternetGatewayOutput](t)(c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway
	must[*ec2.AttachInternetGatewayOutput](t)(c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId}))
	must[*ec2.CreateEgressOnlyInternetGatewayOutput](t)(c.CreateEgressOnlyInternetGateway(ctx, &ec2.CreateEgressOnlyInternetGatewayInput{VpcId: vpc.VpcId}))
	rt := must[*ec2.CreateRouteTableOutput](t)(c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.VpcId})).RouteTable
	must[*ec2.CreateRouteOutput](t)(c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), GatewayId: igw.InternetGatewayId}))
	must[*ec2.CreateVpcEndpointOutput](t)(c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: vpc.VpcId, ServiceName: sdkaws.String("com.amazonaws.us-east-1.s3"), RouteTableIds: []string{*rt.RouteTableId}}))
	must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("coverage"), Description: sdkaws.String("coverage"), VpcId: vpc.VpcId}))
	run := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: sub.SubnetId}))
	eip := must[*ec2.AllocateAddressOutput](t)(c.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
	must[*ec2.AssociateAddressOutput](t)(c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: run.Instances[0].InstanceId}))
	natIP := must[*ec2.AllocateAddressOutput](t)(c.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
	must[*ec2.CreateNatGatewayOutput](t)(c.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: sub.SubnetId, AllocationId: natIP.AllocationId}))
	must[*ec2.CreateVpcPeeringConnectionOutput](t)(c.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: vpc.VpcId, PeerVpcId: peer.VpcId}))
	tgw := must[*ec2.CreateTransitGatewayOutput](t)(c.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	tgwRT := must[*ec2.CreateTransitGatewayRouteTableOutput](t)(c.CreateTransitGatewayRouteTable(ctx, &ec2.CreateTransitGatewayRouteTableInput{TransitGatewayId: tgw.TransitGatewayId})).TransitGatewayRouteTable
	att := must[*ec2.CreateTransitGatewayVpcAttachmentOutput](t)(c.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: tgw.TransitGatewayId, VpcId: vpc.VpcId, SubnetIds: []string{*sub.SubnetId}})).TransitGatewayVpcAttachment
	must[*ec2.EnableTransitGatewayRouteTablePropagationOutput](t)(c.EnableTransitGatewayRouteTablePropagation(ctx, &ec2.EnableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: tgwRT.TransitGatewayRouteTableId, TransitGatewayAttachmentId: att.TransitGatewayAttachmentId}))
	tgw2 := must[*ec2.CreateTransitGatewayOutput](t)(c.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	must[*ec2.CreateTransitGatewayPeeringAttachmentOutput](t)(c.CreateTransitGatewayPeeringAttachment(ctx, &ec2.CreateTransitGatewayPeeringAttachmentInput{TransitGatewayId: tgw.TransitGatewayId,
		PeerTransitGatewayId: tgw2.TransitGatewayId, PeerAccountId: sdkaws.String(credA.AccountID), PeerRegion: sdkaws.String("us-east-1")}))
	vgw := must[*ec2.CreateVpnGatewayOutput](t)(c.CreateVpnGateway(ctx, &ec2.CreateVpnGatewayInput{Type: types.GatewayTypeIpsec1})).VpnGateway
	must[*ec2.AttachVpnGatewayOutput](t)(c.AttachVpnGateway(ctx, &ec2.AttachVpnGatewayInput{VpnGatewayId: vgw.VpnGatewayId, VpcId: peer.VpcId}))
	cgw := must[*ec2.CreateCustomerGatewayOutput](t)(c.CreateCustomerGateway(ctx, &ec2.CreateCustomerGatewayInput{Type: types.GatewayTypeIpsec1, BgpAsn: sdkaws.Int32(65010), IpAddress: sdkaws.String("198.51.100.10")})).CustomerGateway
	must[*ec2.CreateVpnConnectionOutput](t)(c.CreateVpnConnection(ctx, &ec2.CreateVpnConnectionInput{Type: sdkaws.String("ipsec.1"), CustomerGatewayId: cgw.CustomerGatewayId, VpnGatewayId: vgw.VpnGatewayId}))
	must[*ec2.CreateLaunchTemplateOutput](t)(c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdkaws.String("coverage"),
		LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: sdkaws.String("ami-1")}}))
	must[*ec2.CreateFlowLogsOutput](t)(c.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{ResourceType: types.FlowLogsResourceTypeVpc,
		ResourceIds: []string{*vpc.VpcId}, TrafficType: types.TrafficTypeAll, LogGroupName: sdkaws.String("coverage"),
		DeliverLogsPermissionArn: sdkaws.String("arn:aws:iam::111111111111:role/flow-logs")}))
	must[*ec2.CreateSubnetCidrReservationOutput](t)(c.CreateSubnetCidrReservation(ctx, &ec2.CreateSubnetCidrReservationInput{SubnetId: sub.SubnetId,
		Cidr: sdkaws.String("10.0.1.240/28"), ReservationType: types.SubnetCidrReservationTypeExplicit}))
	tgwRTParam := url.Values{"TransitGatewayRouteTableId": {*tgwRT.TransitGatewayRouteTableId}}
	// The attachment is associated with the default route table, as AWS does.
	defRT := url.Values{"TransitGatewayRouteTableId": {sdkaws.ToString(tgw.Options.AssociationDefaultRouteTableId)}}
	return map[string]url.Values{
		"GetTransitGatewayRouteTableAssociations": defRT,
		"GetTransitGatewayRouteTablePropagations": tgwRTParam,
		// SearchTransitGatewayRoutes requires a filter; the probe's is the one.
		"SearchTransitGatewayRoutes": tgwRTParam,
		// A template's versions are listed by naming the template.
		"DescribeLaunchTemplateVersions": {"LaunchTemplateName": {"coverage"}},
		// A subnet's reservations are listed by naming the subnet.
		"GetSubnetCidrReservations": {"SubnetId": {*sub.SubnetId}},
	}
}
