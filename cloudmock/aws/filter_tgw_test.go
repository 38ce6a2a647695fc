package aws_test

import (
	"slices"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestTransitGatewayFilters: the CIDR searches of SearchTransitGatewayRoutes
// compare prefixes, options.* find gateways by their options, and the
// association and propagation lists filter by attachment.
func TestTransitGatewayFilters(t *testing.T) {
	l := newLab(t)
	tgw := must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{
		Options: &types.TransitGatewayRequestOptions{AmazonSideAsn: sdkaws.Int64(64601)}})).TransitGateway
	must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{
		Options: &types.TransitGatewayRequestOptions{DefaultRouteTablePropagation: types.DefaultRouteTablePropagationValueDisable}}))
	rt := sdkaws.ToString(tgw.Options.AssociationDefaultRouteTableId)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "v")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	att := must[*ec2.CreateTransitGatewayVpcAttachmentOutput](t)(l.a.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{
		TransitGatewayId: tgw.TransitGatewayId, VpcId: vpc.VpcId, SubnetIds: []string{*sub.SubnetId}})).TransitGatewayVpcAttachment
	for _, cidr := range []string{"10.8.0.0/16", "10.8.4.0/24", "10.8.4.128/25", "10.9.0.0/16"} {
		must[*ec2.CreateTransitGatewayRouteOutput](t)(l.a.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{
			TransitGatewayRouteTableId: &rt, DestinationCidrBlock: sdkaws.String(cidr), TransitGatewayAttachmentId: att.TransitGatewayAttachmentId}))
	}
	search := func(fs ...types.Filter) []string {
		routes := must[*ec2.SearchTransitGatewayRoutesOutput](t)(l.a.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: &rt, Filters: fs})).Routes
		var out []string
		for _, r := range routes {
			out = append(out, *r.DestinationCidrBlock)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		f    types.Filter
		want []string
	}{
		{filter("route-search.longest-prefix-match", "10.8.4.200/32"), []string{"10.8.4.128/25"}},
		{filter("route-search.longest-prefix-match", "10.8.9.0/24"), []string{"10.8.0.0/16"}},
		{filter("route-search.subnet-of-match", "10.8.0.0/16"), []string{"10.8.0.0/16", "10.8.4.0/24", "10.8.4.128/25"}},
		{filter("route-search.supernet-of-match", "10.8.4.0/24"), []string{"10.8.0.0/16", "10.8.4.0/24"}},
		{filter("attachment.resource-id", *vpc.VpcId), []string{"10.0.0.0/16", "10.8.0.0/16", "10.8.4.0/24", "10.8.4.128/25", "10.9.0.0/16"}},
	} {
		if got := search(filter("type", "static", "propagated"), tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("search %s=%s: %v, want %v", *tc.f.Name, tc.f.Values[0], got, tc.want)
		}
	}
	_, err := l.a.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: &rt, Filters: []types.Filter{filter("route-search.subnet-of-match", "10.8.0.0")}})
	wantAPIError(t, err, "InvalidParameterValue")

	gws := must[*ec2.DescribeTransitGatewaysOutput](t)(l.a.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{Filters: []types.Filter{
		filter("options.default-route-table-propagation", "enable"), filter("options.amazon-side-asn", "64601")}})).TransitGateways
	if len(gws) != 1 || *gws[0].TransitGatewayId != *tgw.TransitGatewayId {
		t.Errorf("options filters found %d gateways, want %s", len(gws), *tgw.TransitGatewayId)
	}
	as := must[*ec2.GetTransitGatewayRouteTableAssociationsOutput](t)(l.a.GetTransitGatewayRouteTableAssociations(ctx, &ec2.GetTransitGatewayRouteTableAssociationsInput{
		TransitGatewayRouteTableId: &rt, Filters: []types.Filter{filter("resource-type", "vpc"), filter("resource-id", *vpc.VpcId)}})).Associations
	if len(as) != 1 || *as[0].TransitGatewayAttachmentId != *att.TransitGatewayAttachmentId {
		t.Errorf("associations of %s by resource: %+v", *vpc.VpcId, as)
	}
	ps := must[*ec2.GetTransitGatewayRouteTablePropagationsOutput](t)(l.a.GetTransitGatewayRouteTablePropagations(ctx, &ec2.GetTransitGatewayRouteTablePropagationsInput{
		TransitGatewayRouteTableId: &rt, Filters: []types.Filter{filter("resource-type", "vpn")}})).TransitGatewayRouteTablePropagations
	if len(ps) != 0 {
		t.Errorf("VPN propagations: %+v, want none", ps)
	}
	_, err = l.a.GetTransitGatewayRouteTablePropagations(ctx, &ec2.GetTransitGatewayRouteTablePropagationsInput{TransitGatewayRouteTableId: &rt, Filters: []types.Filter{filter("state", "enabled")}})
	wantAPIError(t, err, "InvalidParameterValue")
}

// TestVPNAndPeeringFilters: the VPN connection's customer-gateway ASN and
// static routes, and the peered VPCs' CIDRs.
func TestVPNAndPeeringFilters(t *testing.T) {
	l := newLab(t)
	a, b := mkVpc(t, l.a, "10.0.0.0/16", "a"), mkVpc(t, l.a, "10.1.0.0/16", "b")
	must[*ec2.CreateVpcPeeringConnectionOutput](t)(l.a.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: a.VpcId, PeerVpcId: b.VpcId}))
	for _, tc := range []struct {
		f    types.Filter
		want int
	}{
		{filter("accepter-vpc-info.cidr-block", "10.1.0.0/16"), 1},
		{filter("requester-vpc-info.cidr-block", "10.1.0.0/16"), 0},
		{filter("status-message", "Pending Acceptance by *"), 1},
	} {
		if n := len(must[*ec2.DescribeVpcPeeringConnectionsOutput](t)(l.a.DescribeVpcPeeringConnections(ctx, &ec2.DescribeVpcPeeringConnectionsInput{Filters: []types.Filter{tc.f}})).VpcPeeringConnections); n != tc.want {
			t.Errorf("peerings %s=%s: %d, want %d", *tc.f.Name, tc.f.Values[0], n, tc.want)
		}
	}
	vgw := must[*ec2.CreateVpnGatewayOutput](t)(l.a.CreateVpnGateway(ctx, &ec2.CreateVpnGatewayInput{Type: types.GatewayTypeIpsec1})).VpnGateway
	cgw := must[*ec2.CreateCustomerGatewayOutput](t)(l.a.CreateCustomerGateway(ctx, &ec2.CreateCustomerGatewayInput{Type: types.GatewayTypeIpsec1, BgpAsn: sdkaws.Int32(65077), IpAddress: sdkaws.String("198.51.100.77")})).CustomerGateway
	vpn := must[*ec2.CreateVpnConnectionOutput](t)(l.a.CreateVpnConnection(ctx, &ec2.CreateVpnConnectionInput{Type: sdkaws.String("ipsec.1"), CustomerGatewayId: cgw.CustomerGatewayId,
		VpnGatewayId: vgw.VpnGatewayId, Options: &types.VpnConnectionOptionsSpecification{StaticRoutesOnly: sdkaws.Bool(true)}})).VpnConnection
	must[*ec2.CreateVpnConnectionRouteOutput](t)(l.a.CreateVpnConnectionRoute(ctx, &ec2.CreateVpnConnectionRouteInput{VpnConnectionId: vpn.VpnConnectionId, DestinationCidrBlock: sdkaws.String("192.168.50.0/24")}))
	for _, tc := range []struct {
		f    types.Filter
		want int
	}{
		{filter("bgp-asn", "65077"), 1},
		{filter("bgp-asn", "65000"), 0},
		{filter("route.destination-cidr-block", "192.168.50.0/24"), 1},
		{filter("type", "ipsec.1"), 1},
	} {
		if n := len(must[*ec2.DescribeVpnConnectionsOutput](t)(l.a.DescribeVpnConnections(ctx, &ec2.DescribeVpnConnectionsInput{Filters: []types.Filter{tc.f}})).VpnConnections); n != tc.want {
			t.Errorf("VPN connections %s=%s: %d, want %d", *tc.f.Name, tc.f.Values[0], n, tc.want)
		}
	}
	if n := len(must[*ec2.DescribeVpnGatewaysOutput](t)(l.a.DescribeVpnGateways(ctx, &ec2.DescribeVpnGatewaysInput{Filters: []types.Filter{filter("attachment.state", "attached")}})).VpnGateways); n != 0 {
		t.Errorf("%d VPN gateways attached, want 0 (none is)", n)
	}
}
