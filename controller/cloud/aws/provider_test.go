package aws_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/aws"
)

// labPlan is the plan of lab() against an empty account.
var labPlan = []string{
	"ec2 CreateVpc prod-vpc CidrBlock=10.1.0.0/16",
	"ec2 CreateSubnet prod-vpc/app VpcId=<prod-vpc> CidrBlock=10.1.1.0/24 AvailabilityZone=us-east-1a",
	"ec2 CreateSubnet prod-vpc/gw VpcId=<prod-vpc> CidrBlock=10.1.2.0/24 AvailabilityZone=us-east-1b",
	"ec2 CreateRouteTable prod-vpc/app VpcId=<prod-vpc>",
	"ec2 AssociateRouteTable prod-vpc/app RouteTableId=<prod-vpc/app> SubnetId=<prod-vpc/app>",
	"ec2 CreateRouteTable prod-vpc/gw VpcId=<prod-vpc>",
	"ec2 AssociateRouteTable prod-vpc/gw RouteTableId=<prod-vpc/gw> SubnetId=<prod-vpc/gw>",
	"ec2 CreateInternetGateway prod-vpc",
	"ec2 AttachInternetGateway prod-vpc InternetGatewayId=<prod-vpc> VpcId=<prod-vpc>",
	"ec2 CreateVpnGateway prod-vpc Type=ipsec.1",
	"ec2 AttachVpnGateway prod-vpc VpnGatewayId=<prod-vpc> VpcId=<prod-vpc>",
	"ec2 CreateSecurityGroup web GroupName=web VpcId=<prod-vpc>",
	"ec2 AuthorizeSecurityGroupIngress web GroupId=<web> IpPermissions=[icmp/-1 from 10.0.0.0/8; tcp/443 from 0.0.0.0/0]",
	"ec2 RunInstances gw1 ImageId=ami-mcnlab-gateway InstanceType=t3.micro SubnetId=<prod-vpc/gw> PrivateIpAddress=10.1.2.10 SecurityGroupIds=<web>",
	"ec2 RunInstances app1 ImageId=ami-mcnlab-workload InstanceType=t3.micro SubnetId=<prod-vpc/app> SecurityGroupIds=<web>",
	"ec2 ModifyInstanceAttribute gw1 InstanceId=<gw1> SourceDestCheck=false",
	"ec2 AllocateAddress gw1 Domain=vpc",
	"ec2 AssociateAddress gw1 AllocationId=<gw1> InstanceId=<gw1>",
	"ec2 CreateRoute prod-vpc/gw RouteTableId=<prod-vpc/gw> DestinationCidrBlock=0.0.0.0/0 GatewayId=<prod-vpc>",
	"ec2 CreateRoute prod-vpc/app RouteTableId=<prod-vpc/app> DestinationCidrBlock=192.168.0.0/16 GatewayId=<prod-vpc>",
}

// TestPlanEmptyAccount: against an empty account the plan lists every
// create in dependency order and makes no call but Describe calls.
func TestPlanEmptyAccount(t *testing.T) {
	e := newEnv(t)
	calls, err := e.p.Plan(ctx, lab())
	if err != nil {
		t.Fatal(err)
	}
	if got := strs(calls); !slices.Equal(got, labPlan) {
		t.Fatalf("plan:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(labPlan, "\n  "))
	}
	if m := mutating(e.wire.take()); len(m) > 0 {
		t.Errorf("plan made calls %v", m)
	}
	out, err := e.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html — the account's default VPC is there before any plan
	if len(out.Vpcs) != 1 || !sdkaws.ToBool(out.Vpcs[0].IsDefault) {
		t.Errorf("after plan the account has VPCs %+v, want its default VPC only", out.Vpcs)
	}
}

// TestApplyIdempotent: apply makes exactly the planned calls; a second
// apply makes none and returns the same inventory, as does Observe.
func TestApplyIdempotent(t *testing.T) {
	e := newEnv(t)
	inv, calls := e.apply(t, lab())
	if got := strs(calls); !slices.Equal(got, labPlan) {
		t.Fatalf("apply made:\n  %s\nwant the plan:\n  %s", strings.Join(got, "\n  "), strings.Join(labPlan, "\n  "))
	}
	if len(inv.VPCs) != 1 || len(inv.Subnets) != 2 || len(inv.RouteTables) != 2 || len(inv.Groups) != 1 || len(inv.Instances) != 2 {
		t.Fatalf("inventory %+v", inv)
	}
	gw := inv.Instances["gw1"]
	if !strings.HasPrefix(gw.ID, "i-") || !strings.HasPrefix(gw.Interface, "eni-") || gw.PrivateIP != netip.MustParseAddr("10.1.2.10") || !gw.PublicIP.IsValid() {
		t.Errorf("gw1 = %+v, want an instance, its interface, 10.1.2.10 and an elastic IP", gw)
	}
	if app := inv.Instances["app1"]; !app.PrivateIP.IsValid() || app.PublicIP.IsValid() {
		t.Errorf("app1 = %+v, want a private IP and no elastic IP", app)
	}

	inv2, calls2 := e.apply(t, lab())
	if len(calls2) != 0 {
		t.Fatalf("second apply made calls %v", strs(calls2))
	}
	if !reflect.DeepEqual(inv, inv2) {
		t.Errorf("second apply's inventory\n  %+v\nwant\n  %+v", inv2, inv)
	}
	obs, err := e.p.Observe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(inv, obs) {
		t.Errorf("Observe\n  %+v\nwant\n  %+v", obs, inv)
	}

	// What was made is what d says, and tagged.
	vpcs, err := e.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{inv.VPCs["prod-vpc"]}})
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, tg := range vpcs.Vpcs[0].Tags {
		tags[*tg.Key] = *tg.Value
	}
	if want := map[string]string{"Name": "prod-vpc", aws.TagKey: "prod-vpc", aws.TagOwner: owner}; !reflect.DeepEqual(tags, want) {
		t.Errorf("VPC tags %v, want %v", tags, want)
	}
	insts, err := e.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{gw.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if i := insts.Reservations[0].Instances[0]; sdkaws.ToBool(i.SourceDestCheck) || i.InstanceType != "t3.micro" {
		t.Errorf("gw1 has source/dest check %v and type %s, want off and t3.micro", sdkaws.ToBool(i.SourceDestCheck), i.InstanceType)
	}
	want := map[string]string{"0.0.0.0/0": "igw-"}
	if got := staticRoutes(t, e, inv.RouteTables["prod-vpc/gw"]); !reflect.DeepEqual(got, want) {
		t.Errorf("routes of prod-vpc/gw %v, want %v", got, want)
	}
}

// staticRoutes maps a table's non-local routes to their target's ID prefix.
func staticRoutes(t *testing.T, e *env, table string) map[string]string {
	t.Helper()
	out, err := e.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{table}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range out.RouteTables[0].Routes {
		tgt := sdkaws.ToString(r.GatewayId) + sdkaws.ToString(r.NetworkInterfaceId) + sdkaws.ToString(r.InstanceId)
		if tgt == "local" {
			continue
		}
		if i := strings.IndexByte(tgt, '-'); i >= 0 {
			tgt = tgt[:i+1]
		}
		got[*r.DestinationCidrBlock] = tgt
	}
	return got
}

// TestApplyPaginates: with a small page size, observing follows NextToken,
// so that objects past the first page are found again.
func TestApplyPaginates(t *testing.T) {
	e := newEnv(t, aws.WithPageSize(5))
	d := cloud.Desired{Owner: owner, VPCs: []cloud.VPC{{Key: "big", CIDR: pfx("10.2.0.0/16")}}}
	for n := range 7 {
		d.VPCs[0].Subnets = append(d.VPCs[0].Subnets, cloud.Subnet{Key: fmt.Sprintf("big/s%d", n), CIDR: pfx(fmt.Sprintf("10.2.%d.0/24", n))})
	}
	inv, _ := e.apply(t, d)
	if len(inv.Subnets) != 7 || len(inv.RouteTables) != 7 {
		t.Fatalf("inventory has %d subnets and %d tables, want 7", len(inv.Subnets), len(inv.RouteTables))
	}
	e.wire.take()
	inv2, calls := e.apply(t, d)
	if len(calls) != 0 || !reflect.DeepEqual(inv, inv2) {
		t.Fatalf("second apply made %v, inventory %v", strs(calls), inv2)
	}
	pages := 0
	for _, a := range e.wire.take() {
		if a == "DescribeSubnets" {
			pages++
		}
	}
	if pages != 2 {
		t.Errorf("observing 7 subnets 5 a page took %d DescribeSubnets, want 2", pages)
	}
}

// TestApplyChange: one more subnet and rule make only their calls; a
// removed rule only its revocation.
func TestApplyChange(t *testing.T) {
	e := newEnv(t)
	e.apply(t, lab())
	d := lab()
	d.VPCs[0].Subnets = append(d.VPCs[0].Subnets, cloud.Subnet{Key: "prod-vpc/db", CIDR: pfx("10.1.3.0/24")})
	d.SecurityGroups[0].Ingress = append(d.SecurityGroups[0].Ingress, cloud.Rule{Protocol: cloud.ProtocolUDP, FromPort: 53, ToPort: 53, Source: pfx("10.0.0.0/8")})
	plan, err := e.p.Plan(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	inv, calls := e.apply(t, d)
	if !slices.Equal(strs(plan), strs(calls)) {
		t.Errorf("apply made %v, plan said %v", strs(calls), strs(plan))
	}
	wantCalls(t, "adding a subnet and a rule", calls,
		"CreateSubnet prod-vpc/db", "CreateRouteTable prod-vpc/db", "AssociateRouteTable prod-vpc/db", "AuthorizeSecurityGroupIngress web")
	if c := calls[3].Detail; !strings.HasSuffix(c, "IpPermissions=[udp/53 from 10.0.0.0/8]") {
		t.Errorf("authorize detail %q, want only the new rule", c)
	}
	if inv.Subnets["prod-vpc/db"] == "" || inv.RouteTables["prod-vpc/db"] == "" {
		t.Errorf("inventory lacks the new subnet or its table: %+v", inv)
	}

	d.SecurityGroups[0].Ingress = d.SecurityGroups[0].Ingress[1:]
	_, calls = e.apply(t, d)
	wantCalls(t, "removing a rule", calls, "RevokeSecurityGroupIngress web")
	g, err := e.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{inv.Groups["web"]}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.SecurityGroups[0].IpPermissions); n != 2 {
		t.Errorf("group has %d permissions, want 2", n)
	}
	if _, calls := e.apply(t, d); len(calls) != 0 {
		t.Errorf("apply after the change made %v", strs(calls))
	}
}

// TestApplyRemoveInstance: removing an instance terminates it and releases
// its elastic IP, and nothing else.
func TestApplyRemoveInstance(t *testing.T) {
	e := newEnv(t)
	inv, _ := e.apply(t, lab())
	d := lab()
	d.Instances = d.Instances[1:]
	inv2, calls := e.apply(t, d)
	wantCalls(t, "removing gw1", calls, "TerminateInstances gw1", "ReleaseAddress gw1")
	if _, ok := inv2.Instances["gw1"]; ok || inv2.Instances["app1"] != inv.Instances["app1"] {
		t.Errorf("inventory after removing gw1: %+v", inv2.Instances)
	}
	addrs, err := e.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(addrs.Addresses) != 0 {
		t.Errorf("%d addresses left, want none", len(addrs.Addresses))
	}
}

// TestApplyReplace: immutable differences delete and recreate, and the
// plan says so; an elastic IP stays and moves to the new instance.
func TestApplyReplace(t *testing.T) {
	e := newEnv(t)
	inv, _ := e.apply(t, lab())
	d := lab()
	d.Instances[0].Image = cloud.ImageWorkload
	plan, err := e.p.Plan(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	wantCalls(t, "plan of a new image", plan, "TerminateInstances gw1", "RunInstances gw1", "ModifyInstanceAttribute gw1", "AssociateAddress gw1")
	if !strings.Contains(plan[0].Detail, "replace: ImageId ami-mcnlab-gateway -> ami-mcnlab-workload") {
		t.Errorf("termination detail %q does not say it replaces", plan[0].Detail)
	}
	inv2, calls := e.apply(t, d)
	if !slices.Equal(strs(plan), strs(calls)) {
		t.Errorf("apply made %v, plan said %v", strs(calls), strs(plan))
	}
	old, now := inv.Instances["gw1"], inv2.Instances["gw1"]
	if now.ID == old.ID || now.PublicIP != old.PublicIP || now.PrivateIP != old.PrivateIP {
		t.Errorf("gw1 was %+v, now %+v: want a new instance with the same addresses", old, now)
	}

	d.VPCs[0].Subnets[0].CIDR = pfx("10.1.5.0/24")
	plan, err = e.p.Plan(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	// app1 lives in prod-vpc/app, so it goes and comes back with it.
	wantCalls(t, "plan of a new subnet CIDR", plan,
		"TerminateInstances app1", "DisassociateRouteTable prod-vpc/app", "DeleteRouteTable prod-vpc/app", "DeleteSubnet prod-vpc/app",
		"CreateSubnet prod-vpc/app", "CreateRouteTable prod-vpc/app", "AssociateRouteTable prod-vpc/app",
		"RunInstances app1", "CreateRoute prod-vpc/app")
	if _, calls := e.apply(t, d); !slices.Equal(strs(plan), strs(calls)) {
		t.Errorf("apply made %v, plan said %v", strs(calls), strs(plan))
	}
	if _, calls := e.apply(t, d); len(calls) != 0 {
		t.Errorf("apply after replacing made %v", strs(calls))
	}
}

// TestSyncRoutes: learned routes are created, replaced and deleted to
// match, static and local routes are left alone, and an unchanged set
// costs one DescribeRouteTables and no call.
func TestSyncRoutes(t *testing.T) {
	e := newEnv(t)
	inv, _ := e.apply(t, lab())
	gw, app := inv.Instances["gw1"], inv.Instances["app1"]
	table := inv.RouteTables["prod-vpc/app"]
	sync := func(want map[netip.Prefix]string) []cloud.Call {
		t.Helper()
		calls, err := e.p.SyncRoutes(ctx, "prod-vpc/app", want)
		if err != nil {
			t.Fatal(err)
		}
		return calls
	}

	calls := sync(map[netip.Prefix]string{pfx("10.9.0.0/16"): "gw1", pfx("10.8.0.0/16"): "gw1"})
	wantCalls(t, "first sync", calls, "CreateRoute prod-vpc/app", "CreateRoute prod-vpc/app")
	want := map[string]string{"10.8.0.0/16": "eni-", "10.9.0.0/16": "eni-", "192.168.0.0/16": "vgw-"}
	if got := staticRoutes(t, e, table); !reflect.DeepEqual(got, want) {
		t.Errorf("routes %v, want %v", got, want)
	}

	calls = sync(map[netip.Prefix]string{pfx("10.9.0.0/16"): "app1"})
	wantCalls(t, "second sync", calls, "DeleteRoute prod-vpc/app", "ReplaceRoute prod-vpc/app")
	if !strings.Contains(calls[1].Detail, "NetworkInterfaceId="+app.Interface) || !strings.Contains(calls[0].Detail, "10.8.0.0/16") {
		t.Errorf("calls %v, want 10.8.0.0/16 deleted and 10.9.0.0/16 to %s", strs(calls), app.Interface)
	}

	e.wire.take()
	if calls := sync(map[netip.Prefix]string{pfx("10.9.0.0/16"): "app1"}); len(calls) != 0 {
		t.Errorf("sync with nothing to change made %v", strs(calls))
	}
	if got := e.wire.take(); !slices.Equal(got, []string{"DescribeRouteTables"}) {
		t.Errorf("sync with nothing to change sent %v, want one DescribeRouteTables", got)
	}

	// A learned route on a static route's destination is refused; the
	// static route stays.
	if _, err := e.p.SyncRoutes(ctx, "prod-vpc/app", map[netip.Prefix]string{pfx("10.9.0.0/16"): "app1", pfx("192.168.0.0/16"): "gw1"}); err == nil ||
		!strings.Contains(err.Error(), "192.168.0.0/16") {
		t.Errorf("sync over a static route: error %v, want one naming 192.168.0.0/16", err)
	}
	want = map[string]string{"10.9.0.0/16": "eni-", "192.168.0.0/16": "vgw-"}
	if got := staticRoutes(t, e, table); !reflect.DeepEqual(got, want) {
		t.Errorf("routes %v, want %v", got, want)
	}

	// Apply leaves learned routes alone.
	if _, calls := e.apply(t, lab()); len(calls) != 0 {
		t.Errorf("apply after sync made %v", strs(calls))
	}

	// A fresh provider (a restarted controller) finds the interfaces once.
	fresh := aws.New(e.cfg, owner)
	e.wire.take()
	calls, err := fresh.SyncRoutes(ctx, "prod-vpc/app", map[netip.Prefix]string{pfx("10.9.0.0/16"): "gw1"})
	if err != nil {
		t.Fatal(err)
	}
	wantCalls(t, "sync from a fresh provider", calls, "ReplaceRoute prod-vpc/app")
	if !strings.Contains(calls[0].Detail, gw.Interface) {
		t.Errorf("replace %v, want target %s", strs(calls), gw.Interface)
	}
	if got := e.wire.take(); !slices.Equal(got, []string{"DescribeRouteTables", "DescribeInstances", "ReplaceRoute"}) {
		t.Errorf("fresh sync sent %v", got)
	}
	if _, err := fresh.SyncRoutes(ctx, "prod-vpc/app", map[netip.Prefix]string{pfx("10.9.0.0/16"): "nosuch"}); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("sync to an unknown instance: error %v, want one naming it", err)
	}
}

// TestForeignObjectsUntouched: objects without the owner tag, made by
// another client in the same account, are neither adopted nor changed nor
// deleted, even when they carry the same names and keys.
func TestForeignObjectsUntouched(t *testing.T) {
	e := newEnv(t)
	tagged := func(rt types.ResourceType, tags ...string) []types.TagSpecification {
		spec := types.TagSpecification{ResourceType: rt}
		for i := 0; i < len(tags); i += 2 {
			spec.Tags = append(spec.Tags, types.Tag{Key: sdkaws.String(tags[i]), Value: sdkaws.String(tags[i+1])})
		}
		return []types.TagSpecification{spec}
	}
	mine := tagged(types.ResourceTypeVpc, "Name", "prod-vpc", aws.TagKey, "prod-vpc")
	theirs := tagged(types.ResourceTypeVpc, "Name", "prod-vpc", aws.TagKey, "prod-vpc", aws.TagOwner, "other-lab")
	var foreign []string
	for _, tags := range [][]types.TagSpecification{mine, theirs} {
		v, err := e.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.1.0.0/16"), TagSpecifications: tags})
		if err != nil {
			t.Fatal(err)
		}
		foreign = append(foreign, *v.Vpc.VpcId)
	}
	// The account's default VPC is foreign too: the controller leaves it be.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html — every account has a default VPC in each Region
	def, err := e.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: sdkaws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(def.Vpcs) != 1 {
		t.Fatalf("default VPC: %v %+v", err, def)
	}
	foreign = append(foreign, *def.Vpcs[0].VpcId)
	sub, err := e.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &foreign[0], CidrBlock: sdkaws.String("10.1.1.0/24"),
		TagSpecifications: tagged(types.ResourceTypeSubnet, aws.TagKey, "prod-vpc/app")})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := e.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: &foreign[0], GroupName: sdkaws.String("web"),
		Description: sdkaws.String("theirs"), TagSpecifications: tagged(types.ResourceTypeSecurityGroup, aws.TagKey, "web")})
	if err != nil {
		t.Fatal(err)
	}
	run, err := e.ec2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
		SubnetId: sub.Subnet.SubnetId, TagSpecifications: tagged(types.ResourceTypeInstance, aws.TagKey, "gw1", aws.TagOwner, "other-lab")})
	if err != nil {
		t.Fatal(err)
	}

	plan, err := e.p.Plan(ctx, lab())
	if err != nil {
		t.Fatal(err)
	}
	if got := strs(plan); !slices.Equal(got, labPlan) {
		t.Errorf("plan beside foreign objects:\n  %s\nwant the empty account's", strings.Join(got, "\n  "))
	}
	inv, _ := e.apply(t, lab())
	if slices.Contains(foreign, inv.VPCs["prod-vpc"]) || inv.Groups["web"] == *sg.GroupId || inv.Instances["gw1"].ID == *run.Instances[0].InstanceId {
		t.Errorf("apply adopted a foreign object: %+v", inv)
	}
	_, calls := e.apply(t, cloud.Desired{Owner: owner})
	for _, c := range calls {
		for _, id := range append(slices.Clone(foreign), *sub.Subnet.SubnetId, *sg.GroupId, *run.Instances[0].InstanceId) {
			if strings.Contains(c.Detail, id) {
				t.Errorf("call %s touches foreign %s", c, id)
			}
		}
	}
	vpcs, err := e.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, v := range vpcs.Vpcs {
		left = append(left, *v.VpcId)
	}
	slices.Sort(left)
	slices.Sort(foreign)
	if !slices.Equal(left, foreign) {
		t.Errorf("VPCs left %v, want only the foreign %v", left, foreign)
	}
	insts, err := e.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{*run.Instances[0].InstanceId}})
	if err != nil {
		t.Fatal(err)
	}
	if s := insts.Reservations[0].Instances[0].State.Name; s != types.InstanceStateNameRunning {
		t.Errorf("foreign instance is %s, want running", s)
	}
	if obs, err := e.p.Observe(ctx); err != nil || len(obs.VPCs)+len(obs.Subnets)+len(obs.Groups)+len(obs.Instances) != 0 {
		t.Errorf("after deleting everything Observe = %+v, %v; want nothing", obs, err)
	}
}

// TestErrorsNameObject: validation and API errors name the object.
func TestErrorsNameObject(t *testing.T) {
	e := newEnv(t)
	d := lab()
	d.Instances[1].Subnet = "prod-vpc/nosuch"
	d.Routes = append(d.Routes, cloud.Route{Subnet: "prod-vpc/app", Destination: pfx("0.0.0.0/0"), Target: cloud.TargetInternet})
	d.VPCs[0].Internet = false
	_, err := e.p.Plan(ctx, d)
	for _, want := range []string{`instance app1: no subnet "prod-vpc/nosuch"`, "route prod-vpc/app 0.0.0.0/0: targets the internet but VPC prod-vpc has no way to it"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("plan error %v, want one with %q", err, want)
		}
	}

	inv, _ := e.apply(t, lab())
	// Another client takes the range the next subnet wants.
	if _, err := e.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: sdkaws.String(inv.VPCs["prod-vpc"]), CidrBlock: sdkaws.String("10.1.3.0/24")}); err != nil {
		t.Fatal(err)
	}
	d = lab()
	d.VPCs[0].Subnets = append(d.VPCs[0].Subnets, cloud.Subnet{Key: "prod-vpc/db", CIDR: pfx("10.1.3.0/24")})
	_, calls, err := e.p.Apply(ctx, d)
	var ae smithy.APIError
	if err == nil || !strings.HasPrefix(err.Error(), "create subnet prod-vpc/db: ") || !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSubnet.Conflict" {
		t.Errorf("apply error %v, want create subnet prod-vpc/db: ... InvalidSubnet.Conflict", err)
	}
	if len(calls) != 0 {
		t.Errorf("failed apply reports calls %v, want none", strs(calls))
	}

	other := aws.New(e.cfg, "someone-else")
	if _, err := other.Plan(ctx, lab()); err == nil || !strings.Contains(err.Error(), owner) {
		t.Errorf("plan of %s's state by another owner's provider: error %v", owner, err)
	}
}

// TestSyncRoutesStaleInterface: when an instance is replaced behind the
// provider's back (by another controller), its routes go blackhole and the
// next sync looks the instance up again and moves them to the new interface.
func TestSyncRoutesStaleInterface(t *testing.T) {
	e := newEnv(t)
	e.apply(t, lab())
	want := map[netip.Prefix]string{pfx("10.9.0.0/16"): "gw1"}
	if _, err := e.p.SyncRoutes(ctx, "prod-vpc/app", want); err != nil {
		t.Fatal(err)
	}
	d := lab()
	d.Instances[0].Image = cloud.ImageWorkload
	inv, _, err := aws.New(e.cfg, owner).Apply(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	e.wire.take()
	calls, err := e.p.SyncRoutes(ctx, "prod-vpc/app", want)
	if err != nil {
		t.Fatal(err)
	}
	wantCalls(t, "sync after gw1 was replaced", calls, "ReplaceRoute prod-vpc/app")
	if eni := inv.Instances["gw1"].Interface; !strings.Contains(calls[0].Detail, eni) {
		t.Errorf("replace %v, want the new interface %s", strs(calls), eni)
	}
	if got := e.wire.take(); !slices.Equal(got, []string{"DescribeRouteTables", "DescribeInstances", "ReplaceRoute"}) {
		t.Errorf("sync sent %v", got)
	}
}

// TestWithoutDirectConnect: kept off Direct Connect, the provider manages
// VPN gateways without one Direct Connect call, and refuses virtual
// interfaces.
func TestWithoutDirectConnect(t *testing.T) {
	srv := httptest.NewServer(cmaws.New(model.New(), cmaws.Config{Region: region, Credentials: []cmaws.Credential{cred}}))
	t.Cleanup(srv.Close)
	p := aws.New(config(srv.URL), owner, aws.WithoutDirectConnect())
	for range 2 {
		if _, _, err := p.Apply(ctx, lab()); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := p.Apply(ctx, cloud.Desired{}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Plan(ctx, withVIF(lab(), 101)); err == nil || !strings.Contains(err.Error(), "virtual interface dx-prod") {
		t.Errorf("plan with a virtual interface: error %v", err)
	}
	// Without the option, once a VPN gateway exists, the provider reads
	// the virtual interfaces that may land on it: a second apply finds
	// nothing to do.
	full := aws.New(config(srv.URL), owner)
	if _, _, err := full.Apply(ctx, lab()); err != nil {
		t.Fatal(err)
	}
	if _, calls, err := full.Apply(ctx, lab()); err != nil || len(calls) != 0 {
		t.Errorf("second apply with a VPN gateway: %v, %v; want no calls", strs(calls), err)
	}
}
