package oci

import (
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

// TestSubnetSecurityListSDK: the SDK makes a security list with a
// stateless ingress rule and a stateful egress rule, a regional subnet on
// the VCN's defaults and an AD-specific one that prohibits public IPs
// using the new list; it updates the list's rules and the subnet's lists
// (ETag checked), finds a list in use refused deletion (409 Conflict),
// and deletes everything (the VCN last).
func TestSubnetSecurityListSDK(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	v := newVcn(t, l, c, "spoke", "10.0.0.0/16")
	cidr := func(s string) *string { return common.String(s) }
	sl, err := c.CreateSecurityList(ctx(t), core.CreateSecurityListRequest{CreateSecurityListDetails: core.CreateSecurityListDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, DisplayName: common.String("web"),
		IngressSecurityRules: []core.IngressSecurityRule{{Protocol: common.String("6"), Source: cidr("192.168.0.0/24"), IsStateless: common.Bool(true),
			TcpOptions: &core.TcpOptions{DestinationPortRange: &core.PortRange{Min: common.Int(443), Max: common.Int(443)}}}},
		EgressSecurityRules: []core.EgressSecurityRule{{Protocol: common.String("all"), Destination: cidr("0.0.0.0/0")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	in := sl.IngressSecurityRules
	if len(in) != 1 || !*in[0].IsStateless || *in[0].TcpOptions.DestinationPortRange.Max != 443 || *sl.EgressSecurityRules[0].IsStateless {
		t.Fatalf("security list rules %+v %+v", in, sl.EgressSecurityRules)
	}
	if _, err := c.GetSecurityList(ctx(t), core.GetSecurityListRequest{SecurityListId: sl.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("AVAILABLE")}}); err != nil {
		t.Fatal(err)
	}
	regional, err := c.CreateSubnet(ctx(t), core.CreateSubnetRequest{CreateSubnetDetails: core.CreateSubnetDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, CidrBlock: cidr("10.0.1.0/24"), DnsLabel: common.String("web")}})
	if err != nil {
		t.Fatal(err)
	}
	if regional.AvailabilityDomain != nil || *regional.RouteTableId != *v.DefaultRouteTableId || !slices.Equal(regional.SecurityListIds, []string{*v.DefaultSecurityListId}) ||
		*regional.VirtualRouterIp != "10.0.1.1" || *regional.SubnetDomainName != "web.spoke.oraclevcn.com" || regional.LifecycleState != core.SubnetLifecycleStateProvisioning {
		t.Fatalf("regional subnet %+v", regional.Subnet)
	}
	ad, err := c.CreateSubnet(ctx(t), core.CreateSubnetRequest{CreateSubnetDetails: core.CreateSubnetDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, CidrBlock: cidr("10.0.2.0/24"), AvailabilityDomain: common.String("mcnl:PHX-AD-2"),
		ProhibitPublicIpOnVnic: common.Bool(true), SecurityListIds: []string{*sl.Id}}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.GetSubnet(ctx(t), core.GetSubnetRequest{SubnetId: ad.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("AVAILABLE")}})
	if err != nil || *g.AvailabilityDomain != "mcnl:PHX-AD-2" || !*g.ProhibitPublicIpOnVnic || !slices.Equal(g.SecurityListIds, []string{*sl.Id}) || g.LifecycleState != core.SubnetLifecycleStateAvailable {
		t.Fatalf("AD subnet: %v %+v", err, g.Subnet)
	}
	_, err = c.CreateSubnet(ctx(t), core.CreateSubnetRequest{CreateSubnetDetails: core.CreateSubnetDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, CidrBlock: cidr("10.0.3.0/24"), AvailabilityDomain: common.String("mcnl:IAD-AD-1")}})
	serviceError(t, err, 400, "InvalidParameter")
	_, err = c.CreateSubnet(ctx(t), core.CreateSubnetRequest{CreateSubnetDetails: core.CreateSubnetDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, CidrBlock: cidr("10.0.1.128/25")}})
	serviceError(t, err, 409, "Conflict")
	subs, err := c.ListSubnets(ctx(t), core.ListSubnetsRequest{CompartmentId: common.String(tenancy1), VcnId: v.Id})
	if err != nil || len(subs.Items) != 2 {
		t.Fatalf("list subnets: %v %d", err, len(subs.Items))
	}

	gl, _ := c.GetSecurityList(ctx(t), core.GetSecurityListRequest{SecurityListId: sl.Id})
	ul, err := c.UpdateSecurityList(ctx(t), core.UpdateSecurityListRequest{SecurityListId: sl.Id, IfMatch: gl.Etag,
		UpdateSecurityListDetails: core.UpdateSecurityListDetails{IngressSecurityRules: []core.IngressSecurityRule{
			{Protocol: common.String("1"), Source: cidr("0.0.0.0/0"), IcmpOptions: &core.IcmpOptions{Type: common.Int(8)}},
			{Protocol: common.String("17"), Source: cidr("10.0.0.0/8"), IsStateless: common.Bool(true), UdpOptions: &core.UdpOptions{DestinationPortRange: &core.PortRange{Min: common.Int(53), Max: common.Int(53)}}}}}})
	if err != nil || len(ul.IngressSecurityRules) != 2 || len(ul.EgressSecurityRules) != 1 {
		t.Fatalf("update list: %v %+v", err, ul.SecurityList)
	}
	rs := allTCPEgress(t, l, c, sl.Id)
	if !slices.ContainsFunc(rs.Rules, func(r model.Rule) bool { return r.Protocol == "udp" && r.Stateless && r.FromPort == 53 }) {
		t.Fatalf("model rules %+v", rs.Rules)
	}
	_, err = c.UpdateSecurityList(ctx(t), core.UpdateSecurityListRequest{SecurityListId: sl.Id, IfMatch: gl.Etag,
		UpdateSecurityListDetails: core.UpdateSecurityListDetails{DisplayName: common.String("x")}})
	serviceError(t, err, 412, "NoEtagMatch")
	_, err = c.DeleteSecurityList(ctx(t), core.DeleteSecurityListRequest{SecurityListId: sl.Id})
	serviceError(t, err, 409, "Conflict")

	us, err := c.UpdateSubnet(ctx(t), core.UpdateSubnetRequest{SubnetId: ad.Id, UpdateSubnetDetails: core.UpdateSubnetDetails{
		SecurityListIds: []string{*v.DefaultSecurityListId, *sl.Id}, DisplayName: common.String("db")}})
	if err != nil || len(us.SecurityListIds) != 2 || *us.DisplayName != "db" {
		t.Fatalf("update subnet: %v %+v", err, us.Subnet)
	}
	_, err = c.UpdateSubnet(ctx(t), core.UpdateSubnetRequest{SubnetId: ad.Id, UpdateSubnetDetails: core.UpdateSubnetDetails{SecurityListIds: []string{*v.DefaultSecurityListId}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []*string{regional.Id, ad.Id} {
		if _, err := c.DeleteSubnet(ctx(t), core.DeleteSubnetRequest{SubnetId: id}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DeleteVcn(ctx(t), core.DeleteVcnRequest{VcnId: v.Id})
	serviceError(t, err, 409, "Conflict") // the security list is still there
	if _, err := c.DeleteSecurityList(ctx(t), core.DeleteSecurityListRequest{SecurityListId: sl.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteSecurityList(ctx(t), core.DeleteSecurityListRequest{SecurityListId: v.DefaultSecurityListId})
	if se, ok := common.IsServiceError(err); !ok || se.GetHTTPStatusCode() != 409 {
		t.Fatalf("deleting the default security list: %v", err)
	}
	if _, err := c.DeleteVcn(ctx(t), core.DeleteVcnRequest{VcnId: v.Id}); err != nil {
		t.Fatal(err)
	}
}

// TestRouteTableGatewaySDK: the SDK makes an internet gateway (one per
// VCN: a second is 409 Conflict), a route table whose rule sends
// 0.0.0.0/0 to it, a subnet using the table; the gateway cannot be
// deleted while the rule targets it (409 Conflict), nor the table while
// the subnet uses it; updating the rules and the gateway, then deleting
// all, works.
func TestRouteTableGatewaySDK(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	v := newVcn(t, l, c, "edge", "10.0.0.0/16")
	ig, err := c.CreateInternetGateway(ctx(t), core.CreateInternetGatewayRequest{CreateInternetGatewayDetails: core.CreateInternetGatewayDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, IsEnabled: common.Bool(true), DisplayName: common.String("igw")}})
	if err != nil || !*ig.IsEnabled || *ig.VcnId != *v.Id {
		t.Fatalf("internet gateway: %v %+v", err, ig.InternetGateway)
	}
	if k, _ := model.OCIKind(*ig.Id); k != model.KindInternetGateway {
		t.Fatalf("gateway OCID %s", *ig.Id)
	}
	_, err = c.CreateInternetGateway(ctx(t), core.CreateInternetGatewayRequest{CreateInternetGatewayDetails: core.CreateInternetGatewayDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, IsEnabled: common.Bool(true)}})
	serviceError(t, err, 409, "Conflict")
	if _, err := c.GetInternetGateway(ctx(t), core.GetInternetGatewayRequest{IgId: ig.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("AVAILABLE")}}); err != nil {
		t.Fatal(err)
	}
	rt, err := c.CreateRouteTable(ctx(t), core.CreateRouteTableRequest{CreateRouteTableDetails: core.CreateRouteTableDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, DisplayName: common.String("public"),
		RouteRules: []core.RouteRule{{Destination: common.String("0.0.0.0/0"), DestinationType: core.RouteRuleDestinationTypeCidrBlock, NetworkEntityId: ig.Id}}}})
	if err != nil || len(rt.RouteRules) != 1 || *rt.RouteRules[0].NetworkEntityId != *ig.Id {
		t.Fatalf("route table: %v %+v", err, rt.RouteTable)
	}
	_, err = c.CreateRouteTable(ctx(t), core.CreateRouteTableRequest{CreateRouteTableDetails: core.CreateRouteTableDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id,
		RouteRules: []core.RouteRule{{Destination: common.String("0.0.0.0/0"), NetworkEntityId: common.String("ocid1.drg.oc1.us-phoenix-1.nothere")}}}})
	serviceError(t, err, 400, "InvalidParameter")
	sn, err := c.CreateSubnet(ctx(t), core.CreateSubnetRequest{CreateSubnetDetails: core.CreateSubnetDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, CidrBlock: common.String("10.0.0.0/24"), RouteTableId: rt.Id}})
	if err != nil || *sn.RouteTableId != *rt.Id {
		t.Fatalf("subnet on the table: %v %+v", err, sn.Subnet)
	}
	mrt, _ := l.cloud.RouteTableForSubnet(tenancy1, *sn.Id)
	if mrt.ID != *rt.Id || !slices.ContainsFunc(mrt.Routes, func(r model.Route) bool { return r.Target.Kind == model.TargetInternetGateway && r.Target.ID == *ig.Id }) {
		t.Fatalf("the model routes the subnet by %s %+v", mrt.ID, mrt.Routes)
	}
	_, err = c.DeleteInternetGateway(ctx(t), core.DeleteInternetGatewayRequest{IgId: ig.Id})
	serviceError(t, err, 409, "Conflict")
	_, err = c.DeleteRouteTable(ctx(t), core.DeleteRouteTableRequest{RtId: rt.Id})
	serviceError(t, err, 409, "Conflict")
	_, err = c.DeleteRouteTable(ctx(t), core.DeleteRouteTableRequest{RtId: v.DefaultRouteTableId})
	serviceError(t, err, 409, "IncorrectState")

	ur, err := c.UpdateRouteTable(ctx(t), core.UpdateRouteTableRequest{RtId: rt.Id, UpdateRouteTableDetails: core.UpdateRouteTableDetails{
		RouteRules: []core.RouteRule{{Destination: common.String("198.51.100.0/24"), NetworkEntityId: ig.Id}}}})
	if err != nil || len(ur.RouteRules) != 1 || *ur.RouteRules[0].Destination != "198.51.100.0/24" {
		t.Fatalf("update table: %v %+v", err, ur.RouteTable)
	}
	ui, err := c.UpdateInternetGateway(ctx(t), core.UpdateInternetGatewayRequest{IgId: ig.Id, UpdateInternetGatewayDetails: core.UpdateInternetGatewayDetails{IsEnabled: common.Bool(false)}})
	if err != nil || *ui.IsEnabled {
		t.Fatalf("disable gateway: %v %+v", err, ui.InternetGateway)
	}
	gws, err := c.ListInternetGateways(ctx(t), core.ListInternetGatewaysRequest{CompartmentId: common.String(tenancy1), VcnId: v.Id})
	tabs, err2 := c.ListRouteTables(ctx(t), core.ListRouteTablesRequest{CompartmentId: common.String(tenancy1), VcnId: v.Id})
	if err != nil || err2 != nil || len(gws.Items) != 1 || len(tabs.Items) != 2 {
		t.Fatalf("lists: %v %v %d gateways %d tables", err, err2, len(gws.Items), len(tabs.Items))
	}
	if _, err := c.UpdateSubnet(ctx(t), core.UpdateSubnetRequest{SubnetId: sn.Id, UpdateSubnetDetails: core.UpdateSubnetDetails{RouteTableId: v.DefaultRouteTableId}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRouteTable(ctx(t), core.DeleteRouteTableRequest{RtId: rt.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteInternetGateway(ctx(t), core.DeleteInternetGatewayRequest{IgId: ig.Id}); err != nil {
		t.Fatal(err)
	}
	d, err := c.GetInternetGateway(ctx(t), core.GetInternetGatewayRequest{IgId: ig.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("TERMINATED")}})
	if err != nil || d.LifecycleState != core.InternetGatewayLifecycleStateTerminated {
		t.Fatalf("gateway after delete: %v %s", err, d.LifecycleState)
	}
	if _, err := c.DeleteSubnet(ctx(t), core.DeleteSubnetRequest{SubnetId: sn.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteVcn(ctx(t), core.DeleteVcnRequest{VcnId: v.Id}); err != nil {
		t.Fatal(err)
	}
}

// allTCPEgress makes a list's egress one TCP rule without options: all
// ports, shown without tcpOptions and held as 1-65535 in the model.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/TcpOptions — no destination port range is all ports
func allTCPEgress(t *testing.T, l *lab, c core.VirtualNetworkClient, id *string) model.RuleSet {
	t.Helper()
	all, err := c.UpdateSecurityList(ctx(t), core.UpdateSecurityListRequest{SecurityListId: id, UpdateSecurityListDetails: core.UpdateSecurityListDetails{
		EgressSecurityRules: []core.EgressSecurityRule{{Protocol: common.String("6"), Destination: common.String("0.0.0.0/0")}}}})
	if err != nil || all.EgressSecurityRules[0].TcpOptions != nil {
		t.Fatalf("a TCP rule without options (all ports): %v %+v", err, all.EgressSecurityRules)
	}
	rs, _ := l.cloud.RuleSet(tenancy1, model.FlavorSecurityList, *id)
	if !slices.ContainsFunc(rs.Rules, func(r model.Rule) bool { return r.Direction == model.Egress && r.FromPort == 1 && r.ToPort == 65535 }) {
		t.Fatalf("all TCP ports in the model: %+v", rs.Rules)
	}
	return rs
}
