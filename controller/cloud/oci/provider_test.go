package oci_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// wantPlan is what mcnlab plan prints for desired() in an empty tenancy:
// the Core Services operations in the order Apply calls them.
var wantPlan = []string{
	"core CreateVcn transit-vpc cidrBlocks=[10.10.0.0/16] compartmentId=" + tenancy,
	"core CreateVcn spoke-vpc cidrBlocks=[10.1.0.0/16] compartmentId=" + tenancy,
	"core CreateInternetGateway spoke-vpc vcnId=<spoke-vpc>",
	"core CreateInternetGateway transit-vpc vcnId=<transit-vpc>",
	"core CreateSecurityList spoke-vpc/base vcnId=<spoke-vpc>",
	"core CreateSecurityList transit-vpc/base vcnId=<transit-vpc>",
	"core CreateNetworkSecurityGroup transit-vpc/gateways vcnId=<transit-vpc>",
	"core CreateNetworkSecurityGroup spoke-vpc/gateways vcnId=<spoke-vpc>",
	"core CreateNetworkSecurityGroup spoke-vpc/app1 vcnId=<spoke-vpc>",
	"core AddNetworkSecurityGroupSecurityRules transit-vpc/gateways <transit-vpc/gateways> securityRules=[egress all to 0.0.0.0/0; ingress 17 from 0.0.0.0/0 ports 51820-51827; ingress all from 10.0.0.0/8]",
	"core AddNetworkSecurityGroupSecurityRules spoke-vpc/gateways <spoke-vpc/gateways> securityRules=[egress all to 0.0.0.0/0; ingress all from 10.0.0.0/8]",
	"core AddNetworkSecurityGroupSecurityRules spoke-vpc/app1 <spoke-vpc/app1> securityRules=[egress all to 0.0.0.0/0; ingress 1 from 10.10.0.0/16]",
	"core CreateRouteTable transit-vpc/gw vcnId=<transit-vpc> routeRules=[0.0.0.0/0-><transit-vpc>]",
	"core CreateRouteTable spoke-vpc/gw vcnId=<spoke-vpc> routeRules=[0.0.0.0/0-><spoke-vpc>]",
	"core CreateRouteTable spoke-vpc/app vcnId=<spoke-vpc> routeRules=[]",
	"core CreateSubnet transit-vpc/gw cidrBlock=10.10.1.0/24 vcnId=<transit-vpc> routeTableId=<transit-vpc/gw> securityListIds=[<transit-vpc/base>]",
	"core CreateSubnet spoke-vpc/gw cidrBlock=10.1.0.0/24 vcnId=<spoke-vpc> routeTableId=<spoke-vpc/gw> securityListIds=[<spoke-vpc/base>]",
	"core CreateSubnet spoke-vpc/app cidrBlock=10.1.1.0/24 vcnId=<spoke-vpc> routeTableId=<spoke-vpc/app> securityListIds=[<spoke-vpc/base>]",
	"core LaunchInstance transit-1 shape=VM.Standard2.1 imageId=ocid1.image.oc1..mcnlabgateway subnetId=<transit-vpc/gw> skipSourceDestCheck=true nsgIds=[<transit-vpc/gateways>] privateIp=10.10.1.10",
	"core LaunchInstance spoke-1 shape=VM.Standard2.1 imageId=ocid1.image.oc1..mcnlabgateway subnetId=<spoke-vpc/gw> skipSourceDestCheck=true nsgIds=[<spoke-vpc/gateways>] privateIp=10.1.0.10",
	"core LaunchInstance app1 shape=VM.Standard2.1 imageId=ocid1.image.oc1..oraclelinux9 subnetId=<spoke-vpc/app> skipSourceDestCheck=false nsgIds=[<spoke-vpc/app1>] privateIp=10.1.1.10",
	"core CreatePublicIp transit-1 lifetime=RESERVED privateIpId=<transit-1>/primary",
	"core CreatePublicIp spoke-1 lifetime=RESERVED privateIpId=<spoke-1>/primary",
}

// TestPlanListsCoreCalls: plan of an empty tenancy lists every Core
// Services call apply will make, in order, and makes none itself.
func TestPlanListsCoreCalls(t *testing.T) {
	e := newEnv(t)
	calls, err := e.p.Plan(context.Background(), desired())
	if err != nil {
		t.Fatal(err)
	}
	if got := callStrings(calls); !slices.Equal(got, wantPlan) {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantPlan, "\n"))
	}
	if w := e.wire.writes(); len(w) != 0 {
		t.Errorf("plan wrote to Core Services: %v", w)
	}
}

// TestSecondApplyMakesNoCalls: apply makes what plan listed, one write
// per call; a second apply and a plan then find nothing to do and send no
// write; what the SDK reads back is what was asked (a gateway's VNIC
// skips the source/destination check, is in its NSG and holds its
// reserved public IP; its subnet uses its own route table to the
// internet gateway and the VCN's base security list).
func TestSecondApplyMakesNoCalls(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	inv, made, err := e.p.Apply(ctx, desired())
	if err != nil {
		t.Fatal(err)
	}
	if got := callStrings(made); !slices.Equal(got, wantPlan) {
		t.Errorf("apply made:\n%s\nwant the plan's calls", strings.Join(got, "\n"))
	}
	if w := e.wire.writes(); len(w) != len(wantPlan) {
		t.Errorf("apply sent %d writes for %d calls: %v", len(w), len(wantPlan), w)
	}
	_, made, err = e.p.Apply(ctx, desired())
	if err != nil || len(made) != 0 {
		t.Fatalf("second apply: %v, calls %v; want none", err, callStrings(made))
	}
	if calls, err := e.p.Plan(ctx, desired()); err != nil || len(calls) != 0 {
		t.Errorf("plan after apply: %v, %v; want none", callStrings(calls), err)
	}
	if w := e.wire.writes(); len(w) != 0 {
		t.Errorf("second apply wrote: %v", w)
	}
	vn := e.vn(t)
	gw := inv.Instances["spoke-1"]
	v, err := vn.GetVnic(ctx, core.GetVnicRequest{VnicId: &gw.Interface})
	if err != nil {
		t.Fatal(err)
	}
	if v.SkipSourceDestCheck == nil || !*v.SkipSourceDestCheck || get(v.PrivateIp) != "10.1.0.10" || get(v.PublicIp) != gw.PublicIP.String() ||
		get(v.SubnetId) != inv.Subnets["spoke-vpc/gw"] || !slices.Equal(v.NsgIds, []string{inv.Groups["spoke-vpc/gateways"]}) {
		t.Errorf("spoke-1's VNIC reads back as %+v; inventory %+v", v.Vnic, gw)
	}
	sn, err := vn.GetSubnet(ctx, core.GetSubnetRequest{SubnetId: sp(inv.Subnets["spoke-vpc/gw"])})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := vn.GetRouteTable(ctx, core.GetRouteTableRequest{RtId: sn.RouteTableId})
	if err != nil {
		t.Fatal(err)
	}
	if get(sn.RouteTableId) != inv.RouteTables["spoke-vpc/gw"] || len(rt.RouteRules) != 1 || get(rt.RouteRules[0].Destination) != "0.0.0.0/0" ||
		!strings.HasPrefix(get(rt.RouteRules[0].NetworkEntityId), "ocid1.internetgateway.") {
		t.Errorf("spoke-vpc/gw's route table %s reads back %+v", get(sn.RouteTableId), rt.RouteRules)
	}
	if app := inv.Instances["app1"]; app.PublicIP.IsValid() || app.PrivateIP != ip("10.1.1.10") {
		t.Errorf("app1 in the inventory: %+v", app)
	}
}

// sp is a pointer to s, as SDK requests take their IDs.
func sp(s string) *string { return &s }

// TestApplyChangesAndDeletes: a changed rule is removed and its
// replacement added, a security group added to an instance updates its
// VNIC, and a subnet with its workload gone terminates the instance and
// deletes the subnet and its route table, in that order.
func TestApplyChangesAndDeletes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	d := desired()
	d.SecurityGroups[0].Ingress[1].Source = pfx("10.0.0.0/9")
	d.Instances[1].SecurityGroups = append(d.Instances[1].SecurityGroups, "spoke-vpc/app1")
	d.Instances = d.Instances[:2]
	d.VPCs[1].Subnets = d.VPCs[1].Subnets[:1]
	inv, made, err := e.p.Apply(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, c := range made {
		actions = append(actions, c.Action+" "+c.Object)
	}
	want := []string{"TerminateInstance app1", "DeleteSubnet spoke-vpc/app", "DeleteRouteTable spoke-vpc/app",
		"RemoveNetworkSecurityGroupSecurityRules transit-vpc/gateways", "AddNetworkSecurityGroupSecurityRules transit-vpc/gateways", "UpdateVnic spoke-1"}
	if !slices.Equal(actions, want) {
		t.Errorf("calls %v, want %v", actions, want)
	}
	if _, made, err := e.p.Apply(ctx, d); err != nil || len(made) != 0 {
		t.Errorf("apply again: %v, %v", callStrings(made), err)
	}
	rules, err := e.vn(t).ListNetworkSecurityGroupSecurityRules(ctx, core.ListNetworkSecurityGroupSecurityRulesRequest{
		NetworkSecurityGroupId: sp(inv.Groups["transit-vpc/gateways"]), Direction: core.ListNetworkSecurityGroupSecurityRulesDirectionIngress})
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, r := range rules.Items {
		sources = append(sources, get(r.Source))
	}
	slices.Sort(sources)
	if !slices.Equal(sources, []string{"0.0.0.0/0", "10.0.0.0/9"}) {
		t.Errorf("transit NSG's ingress sources %v, want 0.0.0.0/0 and 10.0.0.0/9", sources)
	}
}

// TestDestroyLeavesNothing: applying an empty desired state deletes every
// object of the owner (public IPs, instances, subnets, route tables,
// security lists, gateways, NSGs, VCNs) and none of another owner's.
func TestDestroyLeavesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other := e.provider(t, "lab2")
	od := cloud.Desired{Owner: "lab2", VPCs: []cloud.VPC{{Key: "x", CIDR: pfx("10.99.0.0/16"), Region: region,
		Subnets: []cloud.Subnet{{Key: "x/a", CIDR: pfx("10.99.1.0/24")}}}}}
	if _, _, err := other.Apply(ctx, od); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.p.Apply(ctx, cloud.Desired{Owner: owner}); err != nil {
		t.Fatal(err)
	}
	inv, err := e.p.Observe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(inv.VPCs) + len(inv.Subnets) + len(inv.RouteTables) + len(inv.Groups) + len(inv.Instances); n != 0 {
		t.Errorf("after destroy the owner still has %+v", inv)
	}
	pubs, err := e.vn(t).ListPublicIps(ctx, core.ListPublicIpsRequest{Scope: core.ListPublicIpsScopeRegion, CompartmentId: sp(tenancy)})
	if err != nil || len(pubs.Items) != 0 {
		t.Errorf("public IPs left: %v %v", pubs.Items, err)
	}
	oinv, err := other.Observe(ctx)
	if err != nil || len(oinv.VPCs) != 1 || len(oinv.Subnets) != 1 {
		t.Errorf("lab2's objects after lab1's destroy: %+v, %v", oinv, err)
	}
}
