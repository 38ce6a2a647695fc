package gcp_test

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/gcp"
)

// wantPlan is what mcnlab plan prints for desired() in an empty project:
// the Compute Engine methods in the order Apply calls them.
var wantPlan = []string{
	"compute networks.insert transit-vpc name=vpc-transit-vpc-7f5821cafc autoCreateSubnetworks=false routingMode=GLOBAL",
	"compute networks.insert spoke-vpc name=vpc-spoke-vpc-3ab55c3e99 autoCreateSubnetworks=false routingMode=GLOBAL",
	"compute subnetworks.insert transit-vpc/gw region=us-central1 name=sn-transit-vpc-gw-b6d202c0ba network=<transit-vpc> ipCidrRange=10.10.1.0/24",
	"compute subnetworks.insert spoke-vpc/gw region=europe-west1 name=sn-spoke-vpc-gw-f468b40add network=<spoke-vpc> ipCidrRange=10.1.0.0/24",
	"compute subnetworks.insert spoke-vpc/app region=europe-west1 name=sn-spoke-vpc-app-e754396184 network=<spoke-vpc> ipCidrRange=10.1.1.0/24",
	"compute firewalls.insert spoke-vpc/app1#1 name=fw-spoke-vpc-app1-1-e17f4e41c5 network=<spoke-vpc> rule=allow icmp from 10.10.0.0/16 to tag sg-spoke-vpc-app1-df72660ba7",
	"compute firewalls.insert spoke-vpc/gateways#1 name=fw-spoke-vpc-gateways-1-79b2b053de network=<spoke-vpc> rule=allow all from 10.0.0.0/8 to tag sg-spoke-vpc-gateways-b2e1725ca7",
	"compute firewalls.insert transit-vpc/gateways#1 name=fw-transit-vpc-gateways-1-718c2d2148 network=<transit-vpc> rule=allow udp:51820-51827 from 0.0.0.0/0 to tag sg-transit-vpc-gateways-d5b8e1319c",
	"compute firewalls.insert transit-vpc/gateways#2 name=fw-transit-vpc-gateways-2-e9a26a7b6a network=<transit-vpc> rule=allow all from 10.0.0.0/8 to tag sg-transit-vpc-gateways-d5b8e1319c",
	"compute routes.insert spoke-vpc/gw name=rs-spoke-vpc-gw-0-0-0-0-0-edc525c642 network=<spoke-vpc> route=0.0.0.0/0 priority 1000 tag sn-spoke-vpc-gw-f468b40add via global/gateways/default-internet-gateway",
	"compute routes.insert transit-vpc/gw name=rs-transit-vpc-gw-0-0-0-0-0-94e4a45549 network=<transit-vpc> route=0.0.0.0/0 priority 1000 tag sn-transit-vpc-gw-b6d202c0ba via global/gateways/default-internet-gateway",
	"compute addresses.insert transit-1 region=us-central1 name=ip-transit-1-f36a4894e1 addressType=EXTERNAL",
	"compute addresses.insert spoke-1 region=europe-west1 name=ip-spoke-1-0cb5e611df addressType=EXTERNAL",
	"compute instances.insert transit-1 zone=us-central1-b name=vm-transit-1-ba9cd7f06a machineType=e2-small sourceImage=projects/mcnlab/global/images/gateway subnetwork=<transit-vpc/gw> networkIP=10.10.1.10 natIP=<transit-1> canIpForward=true tags=sg-transit-vpc-gateways-d5b8e1319c,sn-transit-vpc-gw-b6d202c0ba",
	"compute instances.insert spoke-1 zone=europe-west1-b name=vm-spoke-1-dcfa5a742f machineType=e2-small sourceImage=projects/mcnlab/global/images/gateway subnetwork=<spoke-vpc/gw> networkIP=10.1.0.10 natIP=<spoke-1> canIpForward=true tags=sg-spoke-vpc-gateways-b2e1725ca7,sn-spoke-vpc-gw-f468b40add",
	"compute instances.insert app1 zone=europe-west1-b name=vm-app1-44f7fb904c machineType=e2-small sourceImage=projects/debian-cloud/global/images/family/debian-12 subnetwork=<spoke-vpc/app> networkIP=10.1.1.10 canIpForward=false tags=sg-spoke-vpc-app1-df72660ba7,sn-spoke-vpc-app-e754396184",
}

// TestPlanListsComputeCalls: plan of an empty project lists every
// Compute Engine call apply will make, in order, and makes none itself.
func TestPlanListsComputeCalls(t *testing.T) {
	e := newEnv(t)
	calls, err := e.p.Plan(context.Background(), desired())
	if err != nil {
		t.Fatal(err)
	}
	if got := callStrings(calls); !slices.Equal(got, wantPlan) {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantPlan, "\n"))
	}
	if w := e.wire.writes(); len(w) != 0 {
		t.Errorf("plan wrote to Compute Engine: %v", w)
	}
}

// TestSecondApplyMakesNoCalls: apply makes what plan listed, one write
// per call; a second apply and a plan then find nothing to do and send no
// write; what the library reads back is what was asked (a gateway
// forwards and holds its reserved address, tags for its subnet and group).
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
	svc := e.service(t)
	gw := inv.Instances["spoke-1"]
	vm, err := svc.Instances.Get(project, "europe-west1-b", gw.ID[strings.LastIndex(gw.ID, "/")+1:]).Do()
	if err != nil {
		t.Fatal(err)
	}
	nic := vm.NetworkInterfaces[0]
	if !vm.CanIpForward || nic.NetworkIP != "10.1.0.10" || len(nic.AccessConfigs) != 1 || nic.AccessConfigs[0].NatIP != gw.PublicIP.String() ||
		!strings.HasSuffix(nic.Subnetwork, inv.Subnets["spoke-vpc/gw"]) || !slices.Contains(vm.Tags.Items, strings.TrimPrefix(inv.RouteTables["spoke-vpc/gw"], "tag:")) {
		t.Errorf("spoke-1 reads back as %+v, nic %+v; inventory %+v", vm, nic, gw)
	}
	if app := inv.Instances["app1"]; app.PublicIP.IsValid() || app.PrivateIP != ip("10.1.1.10") {
		t.Errorf("app1 in the inventory: %+v", app)
	}
}

// TestApplyChangesAndDeletes: a changed rule is updated in place, a
// security group added to an instance sets its tags, and a subnet with
// its workload gone deletes the instance, the rule and the subnet, in
// that order.
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
	_, made, err := e.p.Apply(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, c := range made {
		actions = append(actions, c.Action+" "+c.Object)
	}
	want := []string{"instances.delete app1", "subnetworks.delete spoke-vpc/app", "firewalls.update transit-vpc/gateways#2", "instances.setTags spoke-1"}
	if !slices.Equal(actions, want) {
		t.Errorf("calls %v, want %v", actions, want)
	}
	if _, made, err := e.p.Apply(ctx, d); err != nil || len(made) != 0 {
		t.Errorf("apply again: %v, %v", callStrings(made), err)
	}
	fws, err := e.service(t).Firewalls.List(project).Do()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fws.Items {
		if strings.HasPrefix(f.Name, "fw-transit-vpc-gateways-2-") && !slices.Equal(f.SourceRanges, []string{"10.0.0.0/9"}) {
			t.Errorf("updated rule reads back %v", f.SourceRanges)
		}
	}
}

// TestSyncRoutes: a subnet's learned routes are routes of its network
// scoped by its tag, next hop the gateway instance at priority 100; a
// second sync makes no call; a route that moves to another gateway is
// made anew and the old one deleted; an empty want deletes them, leaving
// the static route alone.
func TestSyncRoutes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := desired()
	d.Instances = append(d.Instances, cloud.Instance{Key: "spoke-2", VPC: "spoke-vpc", Subnet: "spoke-vpc/gw", PrivateIP: ip("10.1.0.11"),
		Image: cloud.ImageGateway, SecurityGroups: []string{"spoke-vpc/gateways"}, PublicIP: true})
	inv, _, err := e.p.Apply(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	dst := pfx("10.10.0.0/16")
	calls, err := e.p.SyncRoutes(ctx, "spoke-vpc/app", map[netip.Prefix]string{dst: "spoke-1"})
	if err != nil || len(calls) != 1 || calls[0].Action != "routes.insert" {
		t.Fatalf("sync: %v, %v", callStrings(calls), err)
	}
	tag := strings.TrimPrefix(inv.RouteTables["spoke-vpc/app"], "tag:")
	learned := func() []*compute.Route {
		var out []*compute.Route
		err := e.service(t).Routes.List(project).Pages(ctx, func(l *compute.RouteList) error {
			for _, r := range l.Items {
				if r.DestRange == dst.String() {
					out = append(out, r)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	rs := learned()
	if len(rs) != 1 || !strings.HasSuffix(rs[0].NextHopInstance, inv.Instances["spoke-1"].ID) || rs[0].Priority != 100 ||
		!slices.Equal(rs[0].Tags, []string{tag}) || !strings.HasSuffix(rs[0].Network, inv.VPCs["spoke-vpc"]) {
		t.Fatalf("learned routes %+v", rs)
	}
	if calls, err := e.p.SyncRoutes(ctx, "spoke-vpc/app", map[netip.Prefix]string{dst: "spoke-1"}); err != nil || len(calls) != 0 {
		t.Errorf("second sync: %v, %v", callStrings(calls), err)
	}
	calls, err = e.p.SyncRoutes(ctx, "spoke-vpc/app", map[netip.Prefix]string{dst: "spoke-2"})
	if err != nil || len(calls) != 2 || calls[0].Action != "routes.insert" || calls[1].Action != "routes.delete" {
		t.Fatalf("move: %v, %v", callStrings(calls), err)
	}
	if rs := learned(); len(rs) != 1 || !strings.HasSuffix(rs[0].NextHopInstance, inv.Instances["spoke-2"].ID) {
		t.Fatalf("after the move: %+v", rs)
	}
	if calls, err := e.p.SyncRoutes(ctx, "spoke-vpc/app", nil); err != nil || len(calls) != 1 || calls[0].Action != "routes.delete" {
		t.Fatalf("sync to none: %v, %v", callStrings(calls), err)
	}
	if rs := learned(); len(rs) != 0 {
		t.Errorf("left: %+v", rs)
	}
	if calls, err := e.p.Plan(ctx, d); err != nil || len(calls) != 0 {
		t.Errorf("plan after syncs: %v, %v (the static routes stay)", callStrings(calls), err)
	}
	if _, err := e.p.SyncRoutes(ctx, "nope/app", map[netip.Prefix]string{dst: "spoke-1"}); err == nil || !strings.Contains(err.Error(), "no subnetwork of owner lab1") {
		t.Errorf("unknown subnet: %v", err)
	}
}

// TestDestroyLeavesNothing: applying an empty desired state deletes every
// object of the owner, learned routes included, and leaves another
// owner's objects in the project alone.
func TestDestroyLeavesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other := e.provider(t, "lab2")
	od := cloud.Desired{Owner: "lab2", VPCs: []cloud.VPC{{Key: "transit-vpc", CIDR: pfx("10.20.0.0/16"), Region: region,
		Subnets: []cloud.Subnet{{Key: "transit-vpc/gw", CIDR: pfx("10.20.1.0/24")}}}}}
	if _, _, err := other.Apply(ctx, od); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.SyncRoutes(ctx, "spoke-vpc/app", map[netip.Prefix]string{pfx("10.10.0.0/16"): "spoke-1"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.p.Apply(ctx, cloud.Desired{Owner: owner}); err != nil {
		t.Fatal(err)
	}
	inv, err := e.p.Observe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(inv.VPCs) + len(inv.Subnets) + len(inv.Groups) + len(inv.Instances); n != 0 {
		t.Errorf("left: %+v", inv)
	}
	svc := e.service(t)
	nets, err := svc.Networks.List(project).Do()
	if err != nil || len(nets.Items) != 1 || !strings.Contains(nets.Items[0].Description, "mcnlab:owner=lab2") {
		t.Errorf("networks left: %+v, %v", nets, err)
	}
	addrs, err := svc.Addresses.AggregatedList(project).Do()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range addrs.Items {
		if len(l.Addresses) > 0 {
			t.Errorf("addresses left: %+v", l.Addresses)
		}
	}
	if calls, err := other.Plan(ctx, od); err != nil || len(calls) != 0 {
		t.Errorf("lab2's plan: %v, %v", callStrings(calls), err)
	}
}

// TestNameTakenByAnother: a key whose name another owner's object holds
// is an error naming it, not a takeover; keys of two owners get names of
// their own.
func TestNameTakenByAnother(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := desired()
	if _, _, err := e.provider(t, "lab2").Apply(ctx, cloud.Desired{Owner: "lab2", VPCs: d.VPCs[:1]}); err != nil {
		t.Fatal(err)
	}
	if calls, err := e.p.Plan(ctx, d); err != nil || len(calls) != len(wantPlan) {
		t.Fatalf("lab1's plan beside lab2's network of the same key: %d calls, %v", len(calls), err)
	}
	svc := e.service(t)
	op, err := svc.Networks.Insert(project, &compute.Network{Name: "vpc-transit-vpc-7f5821cafc", AutoCreateSubnetworks: false, ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do()
	if err != nil || op.Error != nil {
		t.Fatal(err, op)
	}
	_, err = e.p.Plan(ctx, d)
	if err == nil || !strings.Contains(err.Error(), "transit-vpc: networks vpc-transit-vpc-7f5821cafc of project proj-lab1 is not owner lab1's") {
		t.Errorf("plan with the name taken: %v", err)
	}
}

// TestValidate: what GCP's provider cannot make is refused before any
// call, naming the object.
func TestValidate(t *testing.T) {
	e := newEnv(t)
	d := desired()
	d.VPCs[0].PrivateLines = true
	d.VirtualInterfaces = []cloud.VirtualInterface{{Key: "dc1-vif", Connection: "dc1", VPC: "transit-vpc", VLAN: 100, ASN: 65100,
		CloudAddress: pfx("10.255.0.1/30"), CustomerAddress: pfx("10.255.0.2/30")}}
	d.Instances[2].Image = cloud.ImageVPN
	_, err := e.p.Plan(context.Background(), d)
	for _, want := range []string{"virtual interface dc1-vif: no CloudASN", "virtual interface dc1-vif: address 10.255.0.1/30 is not in a /29 of 169.254.0.0/16",
		"instance app1: no image for role vpn"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	if w := e.wire.writes(); len(w) != 0 {
		t.Errorf("wrote: %v", w)
	}
}

// TestCredentials: credentials lab need the lab's Compute Engine endpoint
// and a token it takes; env needs the project; others are refused.
func TestCredentials(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bad := e.ep
	bad.Credentials.Secret = "wrong"
	p, err := cloud.New(ctx, gcp.Name, cloud.Config{Owner: owner, Region: region, Credentials: "lab", Endpoint: &bad})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Observe(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("observe with a wrong token: %v", err)
	}
	noPath := e.ep
	noPath.URL = strings.TrimSuffix(noPath.URL, "compute/v1/")
	for _, c := range []struct {
		cfg  cloud.Config
		want string
	}{
		{cloud.Config{Owner: owner, Credentials: "lab"}, "credentials lab need the lab's emulated GCP"},
		{cloud.Config{Owner: owner, Credentials: "lab", Endpoint: &noPath}, "want the Compute Engine endpoint, ending in /compute/v1/"},
		{cloud.Config{Owner: owner, Credentials: "profile:x"}, `credentials "profile:x": want lab or env`},
	} {
		if _, err := cloud.New(ctx, gcp.Name, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
	t.Setenv(gcp.ProjectEnv, "")
	if _, err := cloud.New(ctx, gcp.Name, cloud.Config{Owner: owner, Credentials: "env"}); err == nil || !strings.Contains(err.Error(), "set GOOGLE_CLOUD_PROJECT") {
		t.Errorf("env without a project: %v", err)
	}
}
