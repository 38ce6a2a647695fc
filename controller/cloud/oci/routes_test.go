package oci_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// routeRules reads a subnet's route table as a user does: destination ->
// target OCID.
func (e *env) routeRules(t *testing.T, table string) map[string]string {
	t.Helper()
	rt, err := e.vn(t).GetRouteTable(context.Background(), core.GetRouteTableRequest{RtId: &table})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rt.RouteRules {
		out[get(r.Destination)] = get(r.NetworkEntityId)
	}
	return out
}

// primaryIP is the OCID of an instance's primary private IP, as a user
// finds it.
func (e *env) primaryIP(t *testing.T, vnic string) string {
	t.Helper()
	r, err := e.vn(t).ListPrivateIps(context.Background(), core.ListPrivateIpsRequest{VnicId: &vnic})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.Items {
		if p.IsPrimary != nil && *p.IsPrimary {
			return get(p.Id)
		}
	}
	t.Fatalf("vnic %s has no primary private IP", vnic)
	return ""
}

// TestSyncRoutes: a subnet's learned routes are rules of its route table
// whose target is the gateway VNIC's primary private IP; a second sync
// makes no call; a route that moves to another gateway points at its
// private IP; an empty want removes them, leaving the rule to the
// internet gateway alone; an Apply in between keeps them.
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
	table := inv.RouteTables["spoke-vpc/app"]
	gw1, gw2 := e.primaryIP(t, inv.Instances["spoke-1"].Interface), e.primaryIP(t, inv.Instances["spoke-2"].Interface)
	want := map[netip.Prefix]string{pfx("10.10.0.0/16"): "spoke-1", pfx("10.20.0.0/16"): "spoke-1"}
	calls, err := e.p.SyncRoutes(ctx, "spoke-vpc/app", want)
	if err != nil || len(calls) != 1 || calls[0].Action != "UpdateRouteTable" {
		t.Fatalf("sync: %v, %v", callStrings(calls), err)
	}
	if got := e.routeRules(t, table); len(got) != 2 || got["10.10.0.0/16"] != gw1 || got["10.20.0.0/16"] != gw1 {
		t.Errorf("rules after sync: %v, want both to %s", got, gw1)
	}
	if calls, err := e.p.SyncRoutes(ctx, "spoke-vpc/app", want); err != nil || len(calls) != 0 {
		t.Errorf("second sync: %v, %v", callStrings(calls), err)
	}
	if _, made, err := e.p.Apply(ctx, d); err != nil || len(made) != 0 {
		t.Errorf("apply after sync: %v, %v", callStrings(made), err)
	}
	want[pfx("10.20.0.0/16")] = "spoke-2"
	if _, err := e.p.SyncRoutes(ctx, "spoke-vpc/app", want); err != nil {
		t.Fatal(err)
	}
	if got := e.routeRules(t, table); got["10.20.0.0/16"] != gw2 || got["10.10.0.0/16"] != gw1 {
		t.Errorf("rules after the move: %v", got)
	}
	gwTable := inv.RouteTables["spoke-vpc/gw"]
	if _, err := e.p.SyncRoutes(ctx, "spoke-vpc/gw", map[netip.Prefix]string{pfx("10.10.0.0/16"): "spoke-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.SyncRoutes(ctx, "spoke-vpc/gw", nil); err != nil {
		t.Fatal(err)
	}
	if got := e.routeRules(t, gwTable); len(got) != 1 || !strings.HasPrefix(got["0.0.0.0/0"], "ocid1.internetgateway.") {
		t.Errorf("spoke-vpc/gw's rules after an empty sync: %v, want the internet gateway's only", got)
	}
	if _, err := e.p.SyncRoutes(ctx, "spoke-vpc/gw", map[netip.Prefix]string{pfx("0.0.0.0/0"): "spoke-1"}); err == nil ||
		!strings.Contains(err.Error(), "has a rule to ocid1.internetgateway.") {
		t.Errorf("a learned route over the static one: %v, want the clash named", err)
	}
}

// TestSyncRoutesNeedsSkipSourceDestCheck: Core Services refuses a route
// rule to the private IP of a VNIC that checks sources and destinations
// (a workload), with 400 InvalidParameter.
func TestSyncRoutesNeedsSkipSourceDestCheck(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	_, err := e.p.SyncRoutes(ctx, "spoke-vpc/gw", map[netip.Prefix]string{pfx("10.30.0.0/16"): "app1"})
	var se common.ServiceError
	if !errors.As(err, &se) || se.GetHTTPStatusCode() != 400 || se.GetCode() != "InvalidParameter" || !strings.Contains(se.GetMessage(), "skipSourceDestCheck") {
		t.Errorf("route to app1: %v, want 400 InvalidParameter naming skipSourceDestCheck", err)
	}
}

// TestValidate: what OCI cannot take is refused before any call: a
// sixth NSG on a VNIC, a VCN of /8, a virtual interface with a /27 or
// another cloud ASN than Oracle's, a VCN of another region.
func TestValidate(t *testing.T) {
	e := newEnv(t)
	d := desired()
	d.VPCs[0].CIDR = pfx("10.0.0.0/8")
	d.VPCs[0].Subnets[0].CIDR = pfx("10.10.1.0/24")
	d.VPCs[1].PrivateLines = true
	d.VirtualInterfaces = []cloud.VirtualInterface{{Key: "dc1-vif", Connection: "dc1", VPC: "spoke-vpc", VLAN: 100, ASN: 65100,
		CloudAddress: pfx("169.254.0.1/27"), CustomerAddress: pfx("169.254.0.2/27"), CloudASN: 64512}}
	d.VPCs = append(d.VPCs, cloud.VPC{Key: "far", CIDR: pfx("10.50.0.0/16"), Region: "eu-frankfurt-1"})
	for i := range 5 {
		g := cloud.SecurityGroup{Key: "spoke-vpc/x" + string(rune('a'+i)), VPC: "spoke-vpc"}
		d.SecurityGroups = append(d.SecurityGroups, g)
		d.Instances[2].SecurityGroups = append(d.Instances[2].SecurityGroups, g.Key)
	}
	_, err := e.p.Plan(context.Background(), d)
	for _, want := range []string{"/8", "virtual interface dc1-vif: CloudASN 64512, but Oracle's side of FastConnect is AS 31898",
		"virtual interface dc1-vif: address 169.254.0.1/27 is not in an IPv4 /28 to /31", "region eu-frankfurt-1", "6 security groups"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("plan: %v; want it to name %q", err, want)
		}
	}
	if w := e.wire.writes(); len(w) != 0 {
		t.Errorf("a refused plan wrote %v", w)
	}
}

// TestCredentials: a provider signing with a key the user did not upload
// gets 401 NotAuthenticated; a lab endpoint without a key is refused
// before any call.
func TestCredentials(t *testing.T) {
	e := newEnv(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	bad := e.ep
	bad.Credentials.Secret = keyPEM(other)
	p, err := cloud.New(context.Background(), "oci", cloud.Config{Owner: owner, Region: region, Endpoint: &bad})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Observe(context.Background())
	var se common.ServiceError
	if !errors.As(err, &se) || se.GetHTTPStatusCode() != 401 || se.GetCode() != "NotAuthenticated" {
		t.Errorf("observe with another key: %v, want 401 NotAuthenticated", err)
	}
	none := e.ep
	none.Credentials = cloud.Credentials{}
	if _, err := cloud.New(context.Background(), "oci", cloud.Config{Owner: owner, Region: region, Endpoint: &none}); err == nil ||
		!slices.ContainsFunc([]string{"PEM private key"}, func(s string) bool { return strings.Contains(err.Error(), s) }) {
		t.Errorf("lab endpoint without a key: %v", err)
	}
}

// TestReadEnd: FlightPath's view of app1 read through the SDK: its VNIC's
// address and subnet, its NSG's stateful rules (ICMP from the transit,
// egress to anywhere) and the base security list's egress, and its
// subnet's table: the VCN's range local, a learned rule to spoke-1's VNIC.
func TestReadEnd(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	inv, _, err := e.p.Apply(ctx, desired())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.SyncRoutes(ctx, "spoke-vpc/app", map[netip.Prefix]string{pfx("10.10.0.0/16"): "spoke-1"}); err != nil {
		t.Fatal(err)
	}
	end, err := e.p.(cloud.PathReader).ReadEnd(ctx, "app1")
	if err != nil {
		t.Fatal(err)
	}
	if end.Address != ip("10.1.1.10") || end.SubnetCIDR != pfx("10.1.1.0/24") || end.ACL != nil || len(end.Groups) != 2 {
		t.Fatalf("end %+v", end)
	}
	nsg, list := end.Groups[0], end.Groups[1]
	if nsg.ID != inv.Groups["spoke-vpc/app1"] || len(nsg.Ingress) != 1 || nsg.Ingress[0].Protocol != cloud.ProtocolICMP || nsg.Ingress[0].Source != pfx("10.10.0.0/16") ||
		len(nsg.Egress) != 1 || nsg.Egress[0].Protocol != cloud.ProtocolAll {
		t.Errorf("NSG %+v", nsg)
	}
	if list.Name != "spoke-vpc/base" || len(list.Ingress) != 0 || len(list.Egress) != 1 {
		t.Errorf("security list %+v", list)
	}
	want := map[netip.Prefix]cloud.RouteState{
		pfx("10.1.0.0/16"):  {Destination: pfx("10.1.0.0/16"), Kind: cloud.RouteLocal, Target: "local"},
		pfx("10.10.0.0/16"): {Destination: pfx("10.10.0.0/16"), Kind: cloud.RouteInstance, Target: inv.Instances["spoke-1"].Interface},
	}
	if len(end.Table.Routes) != len(want) || end.Table.ID != inv.RouteTables["spoke-vpc/app"] {
		t.Errorf("table %+v", end.Table)
	}
	for _, r := range end.Table.Routes {
		if want[r.Destination] != r {
			t.Errorf("route %+v, want %+v", r, want[r.Destination])
		}
	}
	if _, err := e.p.(cloud.PathReader).ReadEnd(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "no such instance") {
		t.Errorf("ReadEnd of an unknown key: %v", err)
	}
}
