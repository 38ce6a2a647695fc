package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestPeeringAcrossAccounts(t *testing.T) {
	l := newLab(t)
	a := mkVpc(t, l.a, "10.0.0.0/16", "a")
	b := mkVpc(t, l.b, "10.1.0.0/16", "b")
	p := must[*ec2.CreateVpcPeeringConnectionOutput](t)(l.a.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: a.VpcId, PeerVpcId: b.VpcId, PeerOwnerId: sdkaws.String(credB.AccountID)})).VpcPeeringConnection
	if p.Status.Code != types.VpcPeeringConnectionStateReasonCodePendingAcceptance || sdkaws.ToString(p.AccepterVpcInfo.CidrBlock) != "10.1.0.0/16" {
		t.Fatalf("peering = status %s accepter %+v", p.Status.Code, p.AccepterVpcInfo)
	}
	_, err := l.a.AcceptVpcPeeringConnection(ctx, &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: p.VpcPeeringConnectionId})
	wantAPIError(t, err, "OperationNotPermitted") // the requester cannot accept
	acc := must[*ec2.AcceptVpcPeeringConnectionOutput](t)(l.b.AcceptVpcPeeringConnection(ctx, &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: p.VpcPeeringConnectionId})).VpcPeeringConnection
	if acc.Status.Code != types.VpcPeeringConnectionStateReasonCodeActive {
		t.Fatalf("after accept: %s", acc.Status.Code)
	}
	rt := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *a.VpcId)}})).RouteTables[0]
	must[*ec2.CreateRouteOutput](t)(l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("10.1.0.0/16"), VpcPeeringConnectionId: p.VpcPeeringConnectionId}))
	got := must[*ec2.DescribeVpcPeeringConnectionsOutput](t)(l.b.DescribeVpcPeeringConnections(ctx, &ec2.DescribeVpcPeeringConnectionsInput{Filters: []types.Filter{filter("status-code", "active")}}))
	if len(got.VpcPeeringConnections) != 1 {
		t.Fatalf("B sees %d active peerings", len(got.VpcPeeringConnections))
	}
	o := mkVpc(t, l.a, "10.0.0.0/20", "overlap")
	_, err = l.a.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: a.VpcId, PeerVpcId: o.VpcId})
	wantAPIError(t, err, "InvalidParameterValue")
}

func TestTransitGateway(t *testing.T) {
	l := newLab(t)
	tgw := must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{Description: sdkaws.String("hub"),
		Options: &types.TransitGatewayRequestOptions{AmazonSideAsn: sdkaws.Int64(64600)}})).TransitGateway
	defRT := sdkaws.ToString(tgw.Options.AssociationDefaultRouteTableId)
	if sdkaws.ToInt64(tgw.Options.AmazonSideAsn) != 64600 || tgw.Options.DefaultRouteTableAssociation != types.DefaultRouteTableAssociationValueEnable || defRT == "" {
		t.Fatalf("transit gateway options = %+v", tgw.Options)
	}
	var atts []string
	for i, cidr := range []string{"10.0.0.0/16", "10.1.0.0/16"} {
		v := mkVpc(t, l.a, cidr, "spoke")
		s := mkSubnet(t, l.a, *v.VpcId, cidr[:len(cidr)-3]+"/24")
		att := must[*ec2.CreateTransitGatewayVpcAttachmentOutput](t)(l.a.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{
			TransitGatewayId: tgw.TransitGatewayId, VpcId: v.VpcId, SubnetIds: []string{*s.SubnetId},
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeTransitGatewayAttachment, Tags: []types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String("spoke")}}}}})).TransitGatewayVpcAttachment
		if att.State != types.TransitGatewayAttachmentStateAvailable || len(att.SubnetIds) != 1 || len(att.Tags) != 1 {
			t.Fatalf("attachment %d = %+v", i, att)
		}
		atts = append(atts, *att.TransitGatewayAttachmentId)
		if i == 0 {
			_, err := l.a.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: tgw.TransitGatewayId, VpcId: v.VpcId, SubnetIds: []string{*s.SubnetId}})
			wantAPIError(t, err, "DuplicateTransitGatewayAttachment")
			rt := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *v.VpcId)}})).RouteTables[0]
			must[*ec2.CreateRouteOutput](t)(l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("10.1.0.0/16"), TransitGatewayId: tgw.TransitGatewayId}))
		}
	}
	search := func(rt string, fs ...types.Filter) []types.TransitGatewayRoute {
		return must[*ec2.SearchTransitGatewayRoutesOutput](t)(l.a.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: &rt, Filters: fs})).Routes
	}
	routes := search(defRT, filter("type", "propagated"))
	if len(routes) != 2 || sdkaws.ToString(routes[0].DestinationCidrBlock) != "10.0.0.0/16" || *routes[0].TransitGatewayAttachments[0].TransitGatewayAttachmentId != atts[0] {
		t.Fatalf("propagated routes = %+v", routes)
	}
	_, err := l.a.AssociateTransitGatewayRouteTable(ctx, &ec2.AssociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: &defRT, TransitGatewayAttachmentId: &atts[0]})
	wantAPIError(t, err, "Resource.AlreadyAssociated")

	// Segmentation: a second table, the first spoke moved to it, only a static route there.
	seg := must[*ec2.CreateTransitGatewayRouteTableOutput](t)(l.a.CreateTransitGatewayRouteTable(ctx, &ec2.CreateTransitGatewayRouteTableInput{TransitGatewayId: tgw.TransitGatewayId})).TransitGatewayRouteTable
	must[*ec2.DisassociateTransitGatewayRouteTableOutput](t)(l.a.DisassociateTransitGatewayRouteTable(ctx, &ec2.DisassociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: &defRT, TransitGatewayAttachmentId: &atts[0]}))
	as := must[*ec2.AssociateTransitGatewayRouteTableOutput](t)(l.a.AssociateTransitGatewayRouteTable(ctx, &ec2.AssociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: seg.TransitGatewayRouteTableId, TransitGatewayAttachmentId: &atts[0]}))
	if as.Association.State != types.TransitGatewayAssociationStateAssociated || as.Association.ResourceType != types.TransitGatewayAttachmentResourceTypeVpc {
		t.Fatalf("association = %+v", as.Association)
	}
	pr := must[*ec2.EnableTransitGatewayRouteTablePropagationOutput](t)(l.a.EnableTransitGatewayRouteTablePropagation(ctx, &ec2.EnableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: seg.TransitGatewayRouteTableId, TransitGatewayAttachmentId: &atts[1]}))
	if pr.Propagation.State != types.TransitGatewayPropagationStateEnabled {
		t.Fatalf("propagation = %+v", pr.Propagation)
	}
	r := must[*ec2.CreateTransitGatewayRouteOutput](t)(l.a.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: seg.TransitGatewayRouteTableId,
		DestinationCidrBlock: sdkaws.String("10.1.0.0/16"), Blackhole: sdkaws.Bool(true)})).Route
	if r.State != types.TransitGatewayRouteStateBlackhole || r.Type != types.TransitGatewayRouteTypeStatic {
		t.Fatalf("static blackhole route = %+v", r)
	}
	_, err = l.a.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: seg.TransitGatewayRouteTableId, DestinationCidrBlock: sdkaws.String("10.1.0.0/16"), TransitGatewayAttachmentId: &atts[1]})
	wantAPIError(t, err, "RouteAlreadyExists")
	routes = search(*seg.TransitGatewayRouteTableId, filter("route-search.exact-match", "10.1.0.0/16"))
	if len(routes) != 1 || routes[0].State != types.TransitGatewayRouteStateBlackhole {
		t.Fatalf("static route should shadow the propagated one: %+v", routes)
	}
	rts := must[*ec2.DescribeTransitGatewayRouteTablesOutput](t)(l.a.DescribeTransitGatewayRouteTables(ctx, &ec2.DescribeTransitGatewayRouteTablesInput{Filters: []types.Filter{filter("transit-gateway-id", *tgw.TransitGatewayId)}}))
	if len(rts.TransitGatewayRouteTables) != 2 {
		t.Fatalf("%d TGW route tables, want 2", len(rts.TransitGatewayRouteTables))
	}
	vas := must[*ec2.DescribeTransitGatewayVpcAttachmentsOutput](t)(l.a.DescribeTransitGatewayVpcAttachments(ctx, &ec2.DescribeTransitGatewayVpcAttachmentsInput{Filters: []types.Filter{filter("tag:Name", "spoke")}}))
	if len(vas.TransitGatewayVpcAttachments) != 2 {
		t.Fatalf("%d attachments, want 2", len(vas.TransitGatewayVpcAttachments))
	}
	tgws := must[*ec2.DescribeTransitGatewaysOutput](t)(l.b.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{}))
	if len(tgws.TransitGateways) != 0 {
		t.Fatal("account B sees A's transit gateway")
	}
}

func TestVPN(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	vgw := must[*ec2.CreateVpnGatewayOutput](t)(l.a.CreateVpnGateway(ctx, &ec2.CreateVpnGatewayInput{Type: types.GatewayTypeIpsec1, AmazonSideAsn: sdkaws.Int64(64513)})).VpnGateway
	must[*ec2.AttachVpnGatewayOutput](t)(l.a.AttachVpnGateway(ctx, &ec2.AttachVpnGatewayInput{VpnGatewayId: vgw.VpnGatewayId, VpcId: vpc.VpcId}))
	vgw2 := must[*ec2.CreateVpnGatewayOutput](t)(l.a.CreateVpnGateway(ctx, &ec2.CreateVpnGatewayInput{Type: types.GatewayTypeIpsec1})).VpnGateway
	_, err := l.a.AttachVpnGateway(ctx, &ec2.AttachVpnGatewayInput{VpnGatewayId: vgw2.VpnGatewayId, VpcId: vpc.VpcId})
	wantAPIError(t, err, "Resource.AlreadyAssociated")
	cgw := must[*ec2.CreateCustomerGatewayOutput](t)(l.a.CreateCustomerGateway(ctx, &ec2.CreateCustomerGatewayInput{Type: types.GatewayTypeIpsec1, BgpAsn: sdkaws.Int32(65010), IpAddress: sdkaws.String("198.51.100.10")})).CustomerGateway
	if sdkaws.ToString(cgw.BgpAsn) != "65010" || sdkaws.ToString(cgw.IpAddress) != "198.51.100.10" {
		t.Fatalf("customer gateway = %+v", cgw)
	}
	vpn := must[*ec2.CreateVpnConnectionOutput](t)(l.a.CreateVpnConnection(ctx, &ec2.CreateVpnConnectionInput{Type: sdkaws.String("ipsec.1"), CustomerGatewayId: cgw.CustomerGatewayId,
		VpnGatewayId: vgw.VpnGatewayId, Options: &types.VpnConnectionOptionsSpecification{StaticRoutesOnly: sdkaws.Bool(true)}})).VpnConnection
	if !sdkaws.ToBool(vpn.Options.StaticRoutesOnly) || sdkaws.ToString(vpn.VpnGatewayId) != *vgw.VpnGatewayId {
		t.Fatalf("VPN = %+v", vpn)
	}
	must[*ec2.CreateVpnConnectionRouteOutput](t)(l.a.CreateVpnConnectionRoute(ctx, &ec2.CreateVpnConnectionRouteInput{VpnConnectionId: vpn.VpnConnectionId, DestinationCidrBlock: sdkaws.String("192.168.0.0/16")}))
	got := must[*ec2.DescribeVpnConnectionsOutput](t)(l.a.DescribeVpnConnections(ctx, &ec2.DescribeVpnConnectionsInput{VpnConnectionIds: []string{*vpn.VpnConnectionId}})).VpnConnections[0]
	if len(got.Routes) != 1 || sdkaws.ToString(got.Routes[0].DestinationCidrBlock) != "192.168.0.0/16" {
		t.Fatalf("VPN routes = %+v", got.Routes)
	}
	rt := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}})).RouteTables[0]
	must[*ec2.CreateRouteOutput](t)(l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("192.168.0.0/16"), GatewayId: vgw.VpnGatewayId}))
	rt = must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}})).RouteTables[0]
	if rt.Routes[1].State != types.RouteStateActive || *rt.Routes[1].GatewayId != *vgw.VpnGatewayId {
		t.Fatalf("route via VGW = %+v", rt.Routes[1])
	}

	// A dynamic VPN to a transit gateway becomes a VPN attachment.
	tgw := must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	dyn := must[*ec2.CreateVpnConnectionOutput](t)(l.a.CreateVpnConnection(ctx, &ec2.CreateVpnConnectionInput{Type: sdkaws.String("ipsec.1"), CustomerGatewayId: cgw.CustomerGatewayId, TransitGatewayId: tgw.TransitGatewayId})).VpnConnection
	_, err = l.a.CreateVpnConnectionRoute(ctx, &ec2.CreateVpnConnectionRouteInput{VpnConnectionId: dyn.VpnConnectionId, DestinationCidrBlock: sdkaws.String("172.16.0.0/16")})
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = l.a.CreateVpnConnection(ctx, &ec2.CreateVpnConnectionInput{Type: sdkaws.String("ipsec.1"), CustomerGatewayId: sdkaws.String("cgw-0123456789abcdef0"), TransitGatewayId: tgw.TransitGatewayId})
	wantAPIError(t, err, "InvalidCustomerGatewayID.NotFound")
}

func TestTransitGatewayAssociationsListed(t *testing.T) {
	l := newLab(t)
	tgw := must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	v := mkVpc(t, l.a, "10.0.0.0/16", "spoke")
	s := mkSubnet(t, l.a, *v.VpcId, "10.0.0.0/24")
	att := must[*ec2.CreateTransitGatewayVpcAttachmentOutput](t)(l.a.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{
		TransitGatewayId: tgw.TransitGatewayId, VpcId: v.VpcId, SubnetIds: []string{*s.SubnetId}})).TransitGatewayVpcAttachment
	rt := tgw.Options.AssociationDefaultRouteTableId
	as := must[*ec2.GetTransitGatewayRouteTableAssociationsOutput](t)(l.a.GetTransitGatewayRouteTableAssociations(ctx, &ec2.GetTransitGatewayRouteTableAssociationsInput{TransitGatewayRouteTableId: rt}))
	if len(as.Associations) != 1 || *as.Associations[0].TransitGatewayAttachmentId != *att.TransitGatewayAttachmentId || *as.Associations[0].ResourceId != *v.VpcId {
		t.Fatalf("associations = %+v", as.Associations)
	}
	ps := must[*ec2.GetTransitGatewayRouteTablePropagationsOutput](t)(l.a.GetTransitGatewayRouteTablePropagations(ctx, &ec2.GetTransitGatewayRouteTablePropagationsInput{TransitGatewayRouteTableId: rt}))
	if len(ps.TransitGatewayRouteTablePropagations) != 1 || ps.TransitGatewayRouteTablePropagations[0].State != types.TransitGatewayPropagationStateEnabled {
		t.Fatalf("propagations = %+v", ps.TransitGatewayRouteTablePropagations)
	}
}

func TestVgwRoutePropagation(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	vgw := must[*ec2.CreateVpnGatewayOutput](t)(l.a.CreateVpnGateway(ctx, &ec2.CreateVpnGatewayInput{Type: types.GatewayTypeIpsec1})).VpnGateway
	must[*ec2.AttachVpnGatewayOutput](t)(l.a.AttachVpnGateway(ctx, &ec2.AttachVpnGatewayInput{VpnGatewayId: vgw.VpnGatewayId, VpcId: vpc.VpcId}))
	cgw := must[*ec2.CreateCustomerGatewayOutput](t)(l.a.CreateCustomerGateway(ctx, &ec2.CreateCustomerGatewayInput{Type: types.GatewayTypeIpsec1, BgpAsn: sdkaws.Int32(65010), IpAddress: sdkaws.String("198.51.100.10")})).CustomerGateway
	vpn := must[*ec2.CreateVpnConnectionOutput](t)(l.a.CreateVpnConnection(ctx, &ec2.CreateVpnConnectionInput{Type: sdkaws.String("ipsec.1"), CustomerGatewayId: cgw.CustomerGatewayId,
		VpnGatewayId: vgw.VpnGatewayId, Options: &types.VpnConnectionOptionsSpecification{StaticRoutesOnly: sdkaws.Bool(true)}})).VpnConnection
	for _, p := range []string{"192.168.0.0/16", "172.16.0.0/12"} {
		must[*ec2.CreateVpnConnectionRouteOutput](t)(l.a.CreateVpnConnectionRoute(ctx, &ec2.CreateVpnConnectionRouteInput{VpnConnectionId: vpn.VpnConnectionId, DestinationCidrBlock: sdkaws.String(p)}))
	}
	rt := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}})).RouteTables[0]
	must[*ec2.EnableVgwRoutePropagationOutput](t)(l.a.EnableVgwRoutePropagation(ctx, &ec2.EnableVgwRoutePropagationInput{RouteTableId: rt.RouteTableId, GatewayId: vgw.VpnGatewayId}))
	// A static route for one of the prefixes wins over the propagated one.
	must[*ec2.CreateRouteOutput](t)(l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("172.16.0.0/12"), GatewayId: vgw.VpnGatewayId}))
	rt = must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}})).RouteTables[0]
	if len(rt.PropagatingVgws) != 1 || *rt.PropagatingVgws[0].GatewayId != *vgw.VpnGatewayId {
		t.Fatalf("propagating VGWs = %+v", rt.PropagatingVgws)
	}
	origins := map[string]types.RouteOrigin{}
	for _, r := range rt.Routes {
		origins[*r.DestinationCidrBlock] = r.Origin
	}
	if origins["192.168.0.0/16"] != types.RouteOriginEnableVgwRoutePropagation || origins["172.16.0.0/12"] != types.RouteOriginCreateRoute || len(rt.Routes) != 3 {
		t.Fatalf("routes = %v", origins)
	}
	_, err := l.a.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("192.168.0.0/16")})
	wantAPIError(t, err, "InvalidRoute.NotFound") // propagated routes go away by disabling propagation
	must[*ec2.DisableVgwRoutePropagationOutput](t)(l.a.DisableVgwRoutePropagation(ctx, &ec2.DisableVgwRoutePropagationInput{RouteTableId: rt.RouteTableId, GatewayId: vgw.VpnGatewayId}))
	rt = must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}})).RouteTables[0]
	if len(rt.Routes) != 2 {
		t.Fatalf("%d routes after disabling propagation, want local + static", len(rt.Routes))
	}
}
