package aws_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/aws"
)

// TestIngressRouting: a VPC with IngressRouting gets a route table
// associated with its internet gateway (seen with the
// association.gateway-id filter), SyncRoutes sends a subnet to an
// instance there, a second Apply changes nothing, and without
// IngressRouting Apply removes the association and the table.
func TestIngressRouting(t *testing.T) {
	e := newEnv(t)
	d := lab()
	d.VPCs[0].IngressRouting = true
	inv, calls := e.apply(t, d)
	key := cloud.IngressTableKey("prod-vpc")
	var made []string
	for _, c := range calls {
		if c.Object == key {
			made = append(made, c.Action)
		}
	}
	if len(made) != 2 || made[0] != "CreateRouteTable" || made[1] != "AssociateRouteTable" {
		t.Fatalf("calls on %s = %v, want CreateRouteTable, AssociateRouteTable", key, made)
	}
	edge := func() []types.RouteTable {
		t.Helper()
		igws, err := e.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{
			{Name: sdkaws.String("tag:" + aws.TagKey), Values: []string{"prod-vpc"}}}})
		if err != nil || len(igws.InternetGateways) != 1 {
			t.Fatalf("internet gateways %v, %v", igws, err)
		}
		out, err := e.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{
			{Name: sdkaws.String("association.gateway-id"), Values: []string{*igws.InternetGateways[0].InternetGatewayId}}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.RouteTables
	}
	if got := edge(); len(got) != 1 || *got[0].RouteTableId != inv.RouteTables[key] {
		t.Fatalf("the internet gateway's tables = %+v, want %s", got, inv.RouteTables[key])
	}
	if _, err := e.p.SyncRoutes(ctx, key, map[netip.Prefix]string{pfx("10.1.1.0/24"): "gw1"}); err != nil {
		t.Fatal(err)
	}
	rs := edge()[0].Routes
	if len(rs) != 2 || sdkaws.ToString(rs[1].DestinationCidrBlock) != "10.1.1.0/24" || sdkaws.ToString(rs[1].NetworkInterfaceId) != inv.Instances["gw1"].Interface {
		t.Fatalf("ingress routes = %+v, want 10.1.1.0/24 to gw1's interface", rs)
	}
	if _, calls := e.apply(t, d); len(calls) != 0 {
		t.Fatalf("second apply made %v", strs(calls))
	}
	_, calls = e.apply(t, lab())
	wantCalls(t, "apply without ingress routing", calls, "DisassociateRouteTable "+key, "DeleteRouteTable "+key)
	if got := edge(); len(got) != 0 {
		t.Fatalf("after removal the internet gateway has tables %+v", got)
	}
}

// TestOwnACL: a subnet with OwnACL gets a network ACL of its own that
// allows all traffic both ways; a second Apply changes nothing; without
// OwnACL the subnet is back on the VPC's default ACL and the owned one is
// deleted.
func TestOwnACL(t *testing.T) {
	e := newEnv(t)
	d := lab()
	d.VPCs[0].Subnets[0].OwnACL = true
	inv, calls := e.apply(t, d)
	var made []string
	for _, c := range calls {
		if c.Object == "prod-vpc/app" && strings.Contains(c.Action, "NetworkAcl") {
			made = append(made, c.Action)
		}
	}
	if want := []string{"CreateNetworkAcl", "CreateNetworkAclEntry", "CreateNetworkAclEntry", "ReplaceNetworkAclAssociation"}; !slices.Equal(made, want) {
		t.Fatalf("network ACL calls for prod-vpc/app = %v, want %v", made, want)
	}
	aclOf := func() types.NetworkAcl {
		t.Helper()
		out, err := e.ec2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{
			{Name: sdkaws.String("association.subnet-id"), Values: []string{inv.Subnets["prod-vpc/app"]}}}})
		if err != nil || len(out.NetworkAcls) != 1 {
			t.Fatalf("network ACLs of prod-vpc/app: %v, %v", out, err)
		}
		return out.NetworkAcls[0]
	}
	a := aclOf()
	allows := 0
	for _, en := range a.Entries {
		if en.RuleAction == types.RuleActionAllow && sdkaws.ToInt32(en.RuleNumber) == 100 && sdkaws.ToString(en.CidrBlock) == "0.0.0.0/0" {
			allows++
		}
	}
	if sdkaws.ToBool(a.IsDefault) || allows != 2 {
		t.Fatalf("prod-vpc/app's network ACL = %+v; want its own, allowing all in and out", a)
	}
	if _, calls := e.apply(t, d); len(calls) != 0 {
		t.Fatalf("second apply made %v", strs(calls))
	}
	_, calls = e.apply(t, lab())
	wantCalls(t, "apply without OwnACL", calls, "ReplaceNetworkAclAssociation prod-vpc/app", "DeleteNetworkAcl prod-vpc/app")
	if a := aclOf(); !sdkaws.ToBool(a.IsDefault) {
		t.Fatalf("after removal prod-vpc/app's network ACL = %s, want the default", sdkaws.ToString(a.NetworkAclId))
	}
}
