package gcp_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// userRules adds, through the Compute Engine library as a user of the
// project would, to network (a path): an ingress deny of tcp/22 at 900;
// an ingress allow of tcp/5432 from the instances tagged "db-client"
// (source tags) to those tagged "db" at 800; an ingress allow of every
// protocol for a service account nobody runs as; an egress deny of
// tcp/5432 to 10.10.0.0/16 at 1000 (a deny beats the allow of the same
// priority); an egress allow of tcp/5432 at 1000; and two routes to
// 10.200.0.0/24, priority 500 and 200, and one to 10.201.0.0/24 for a tag
// nobody has.
func userRules(t *testing.T, svc *compute.Service, network string) {
	t.Helper()
	ctx := context.Background()
	link := "https://www.googleapis.com/compute/v1/" + network
	fws := []*compute.Firewall{
		{Name: "deny-ssh", Network: link, Direction: "INGRESS", Priority: 900, SourceRanges: []string{"0.0.0.0/0"},
			Denied: []*compute.FirewallDenied{{IPProtocol: "tcp", Ports: []string{"22"}}}},
		{Name: "db-from-clients", Network: link, Direction: "INGRESS", Priority: 800, SourceTags: []string{"db-client"}, TargetTags: []string{"db"},
			Allowed: []*compute.FirewallAllowed{{IPProtocol: "tcp", Ports: []string{"5432"}}}},
		{Name: "all-for-robot", Network: link, Direction: "INGRESS", Priority: 100, SourceRanges: []string{"0.0.0.0/0"},
			TargetServiceAccounts: []string{"robot@proj-lab1.iam.gserviceaccount.com"}, Allowed: []*compute.FirewallAllowed{{IPProtocol: "all"}}},
		{Name: "no-pg-to-transit", Network: link, Direction: "EGRESS", Priority: 1000, DestinationRanges: []string{"10.10.0.0/16"},
			Denied: []*compute.FirewallDenied{{IPProtocol: "tcp", Ports: []string{"5432"}}}},
		{Name: "pg-out", Network: link, Direction: "EGRESS", Priority: 1000, DestinationRanges: []string{"0.0.0.0/0"},
			Allowed: []*compute.FirewallAllowed{{IPProtocol: "tcp", Ports: []string{"5432"}}}},
	}
	for _, f := range fws {
		f.ForceSendFields = []string{"Priority"}
		if _, err := svc.Firewalls.Insert(project, f).Context(ctx).Do(); err != nil {
			t.Fatalf("insert firewall %s: %v", f.Name, err)
		}
	}
	for _, r := range []*compute.Route{
		{Name: "via-internet-500", Network: link, DestRange: "10.200.0.0/24", Priority: 500, NextHopGateway: "global/gateways/default-internet-gateway"},
		{Name: "via-internet-200", Network: link, DestRange: "10.200.0.0/24", Priority: 200, NextHopGateway: "global/gateways/default-internet-gateway"},
		{Name: "tagged", Network: link, DestRange: "10.201.0.0/24", Priority: 100, Tags: []string{"nobody"}, NextHopGateway: "global/gateways/default-internet-gateway"},
	} {
		r.ForceSendFields = []string{"Priority"}
		if _, err := svc.Routes.Insert(project, r).Context(ctx).Do(); err != nil {
			t.Fatalf("insert route %s: %v", r.Name, err)
		}
	}
}

// TestReadEnd reads a workload's end through the Compute Engine API as
// FlightPath lays it out: its address and subnetwork range; the firewall
// rules of its network that apply to it (the provider's and a user's, a
// rule for another target left out) with the implied rules, deciding by
// priority, a deny first among equals; its network's routes, the subnet
// routes local, the learned route to the spoke gateway's instance
// matching, a route of a higher priority number or for tags it lacks
// inactive.
// An unknown key is an error naming it.
func TestReadEnd(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := desired()
	inv, _, err := e.p.Apply(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.SyncRoutes(ctx, "spoke-vpc/app", map[netip.Prefix]string{pfx("10.100.0.0/24"): "spoke-1"}); err != nil {
		t.Fatal(err)
	}
	userRules(t, e.service(t), inv.VPCs["spoke-vpc"])
	pr := e.p.(cloud.PathReader)
	es, err := pr.ReadEnd(ctx, "app1")
	if err != nil {
		t.Fatal(err)
	}
	if es.Address != ip("10.1.1.10") || es.SubnetCIDR != pfx("10.1.1.0/24") || es.Instance != inv.Instances["app1"].ID ||
		!strings.Contains(es.Subnet, "/subnetworks/") || es.ACL != nil || len(es.Groups) != 0 || len(es.NSGs) != 1 {
		t.Fatalf("end of app1: %+v", es)
	}
	fw := es.NSGs[0]
	if fw.Level != cloud.NSGNetwork || cloud.NSGOrder(es.NSGs, true)[0].ID != fw.ID {
		t.Errorf("firewall %s at level %q, want %q", fw.ID, fw.Level, cloud.NSGNetwork)
	}
	transit := ip("10.10.1.10")
	for _, c := range []struct {
		inbound bool
		peer    netip.Addr
		proto   cloud.Protocol
		port    int32
		rule    string
		allow   bool
	}{
		{true, transit, cloud.ProtocolTCP, 22, "deny-ssh", false},
		{true, transit, cloud.ProtocolICMP, 0, "", true}, // the provider's rule for the group's ICMP from the transit
		{true, transit, cloud.ProtocolTCP, 80, "implied-deny-ingress", false},
		{true, transit, cloud.ProtocolTCP, 5432, "implied-deny-ingress", false}, // db-from-clients targets tag db
		{false, transit, cloud.ProtocolTCP, 5432, "no-pg-to-transit", false},
		{false, ip("10.200.0.9"), cloud.ProtocolTCP, 5432, "pg-out", true},
		{false, transit, cloud.ProtocolICMP, 0, "implied-allow-egress", true},
	} {
		pk := cloud.NSGPacket{Src: es.Address, Dst: c.peer, Protocol: c.proto, Port: c.port}
		if c.inbound {
			pk.Src, pk.Dst = c.peer, es.Address
		}
		r, ok := fw.Decide(c.inbound, pk)
		if !ok || r.Allow != c.allow || c.rule != "" && r.Name != c.rule || c.rule == "" && !strings.HasPrefix(r.Name, "fw-spoke-vpc-app1") {
			t.Errorf("inbound %v %s/%d with %s: decided by %+v (%v), want %q allow %v", c.inbound, c.proto, c.port, c.peer, r, ok, c.rule, c.allow)
		}
	}
	for _, n := range fw.Rules {
		if n.Name == "all-for-robot" || n.Name == "db-from-clients" {
			t.Errorf("rule %s applies to app1: %+v", n.Name, n)
		}
	}
	for dst, want := range map[string]string{
		"10.100.0.5": "10.100.0.0/24 instance " + inv.Instances["spoke-1"].ID,
		"10.1.0.7":   "10.1.0.0/24 local local",
		"10.200.0.1": "10.200.0.0/24 internet default-internet-gateway via-internet-200",
	} {
		r := es.Table.Lookup(ip(dst))
		if r == nil || !strings.HasPrefix(r.Destination.String()+" "+string(r.Kind)+" "+r.Target+" "+r.Source, want) {
			t.Errorf("route to %s: %+v, want %s", dst, r, want)
		}
	}
	// The route for tag nobody is listed, inactive: 10.201.0.1 takes the
	// network's default route to the internet.
	// GCP: https://cloud.google.com/vpc/docs/routes#routeselection — a route with tags applies only to instances with one of them
	if r := es.Table.Lookup(ip("10.201.0.1")); r == nil || r.Destination != pfx("0.0.0.0/0") || r.Kind != cloud.RouteInternet {
		t.Errorf("route to 10.201.0.1: %+v, want the default route (the 10.201.0.0/24 route is for tag nobody)", r)
	}
	var tagged, beaten bool
	for _, r := range es.Table.Routes {
		tagged = tagged || r.Destination == pfx("10.201.0.0/24") && r.Inactive && strings.Contains(r.Source, "for tags nobody")
		beaten = beaten || r.Destination == pfx("10.200.0.0/24") && r.Inactive && strings.Contains(r.Source, "via-internet-500, priority 500 beaten by via-internet-200")
	}
	if !tagged || !beaten {
		t.Errorf("routes %+v: want the tagged route and the priority-500 one listed inactive", es.Table.Routes)
	}
	if _, err := pr.ReadEnd(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "instance nope") || errors.Unwrap(err) == nil {
		t.Errorf("ReadEnd of an unknown key: %v, want a wrapped error naming it", err)
	}
}
