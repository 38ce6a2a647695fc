package gcp_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"regexp"
	"slices"
	"testing"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

const project = "proj1"

// newService serves a cloud with one GCP project and returns a Compute
// client of the official Go library pointed at it, as cloud-clients.md
// says: the endpoint includes /compute/v1/, a static bearer token.
func newService(t *testing.T) (*compute.Service, *model.Cloud, string) {
	t.Helper()
	c := model.New()
	c.AddAccount(model.Account{ID: project, Provider: model.ProviderGCP})
	c.AddAccount(model.Account{ID: "other", Provider: model.ProviderGCP})
	srv := httptest.NewServer(gcp.New(c, gcp.Config{Tokens: map[string]string{"tok-1": project, "tok-2": "other"}}))
	t.Cleanup(srv.Close)
	svc, err := compute.NewService(context.Background(), option.WithEndpoint(srv.URL+"/compute/v1/"), option.WithHTTPClient(authClient(srv, "tok-1")))
	if err != nil {
		t.Fatal(err)
	}
	return svc, c, srv.URL
}

// wait waits for an operation as the library's users do.
func wait(t *testing.T, svc *compute.Service, op *compute.Operation) *compute.Operation {
	t.Helper()
	for op.Status != "DONE" {
		var err error
		if op, err = svc.GlobalOperations.Wait(project, op.Name).Do(); err != nil {
			t.Fatal(err)
		}
	}
	return op
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantReason(t *testing.T, err error, code int, reason string) {
	t.Helper()
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != code || len(ge.Errors) == 0 || ge.Errors[0].Reason != reason {
		t.Fatalf("error %v, want HTTP %d %s", err, code, reason)
	}
}

// TestNetworksSubnetsLibrary: the Go library makes, reads, lists, patches
// and deletes networks and subnets, and gets GCP's errors.
func TestNetworksSubnetsLibrary(t *testing.T) {
	svc, _, _ := newService(t)
	op := must[*compute.Operation](t)(svc.Networks.Insert(project, &compute.Network{Name: "net1", AutoCreateSubnetworks: false,
		ForceSendFields: []string{"AutoCreateSubnetworks"}, RoutingConfig: &compute.NetworkRoutingConfig{RoutingMode: "GLOBAL"}}).Do())
	if op = wait(t, svc, op); op.Error != nil || op.OperationType != "insert" {
		t.Fatalf("insert operation %+v", op)
	}
	n := must[*compute.Network](t)(svc.Networks.Get(project, "net1").Do())
	if n.RoutingConfig.RoutingMode != "GLOBAL" || n.Mtu != 1460 || n.AutoCreateSubnetworks || n.SelfLink != op.TargetLink {
		t.Fatalf("network %+v", n)
	}
	_, err := svc.Networks.Insert(project, &compute.Network{Name: "net1", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do()
	wantReason(t, err, 409, "alreadyExists")
	_, err = svc.Networks.Insert(project, &compute.Network{Name: "Bad_Name", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do()
	wantReason(t, err, 400, "invalid")
	_, err = svc.Networks.Get(project, "nope").Do()
	wantReason(t, err, 404, "notFound")

	// Subnets in two regions; the client sends back the network's selfLink.
	for _, sn := range []struct{ region, name, cidr string }{{"us-central1", "a", "10.1.0.0/24"}, {"europe-west1", "b", "10.2.0.0/24"}} {
		op := must[*compute.Operation](t)(svc.Subnetworks.Insert(project, sn.region, &compute.Subnetwork{Name: sn.name, Network: n.SelfLink, IpCidrRange: sn.cidr}).Do())
		if op.Error != nil || op.Region == "" {
			t.Fatalf("subnet operation %+v", op)
		}
	}
	_, err = svc.Subnetworks.Insert(project, "us-east1", &compute.Subnetwork{Name: "c", Network: "global/networks/net1", IpCidrRange: "10.1.0.128/25"}).Do()
	wantReason(t, err, 400, "invalid")
	sub := must[*compute.Subnetwork](t)(svc.Subnetworks.Get(project, "us-central1", "a").Do())
	if sub.GatewayAddress != "10.1.0.1" || sub.Network != n.SelfLink {
		t.Fatalf("subnet %+v", sub)
	}
	n = must[*compute.Network](t)(svc.Networks.Get(project, "net1").Do())
	if len(n.Subnetworks) != 2 {
		t.Fatalf("network subnetworks %v", n.Subnetworks)
	}
	// A network in use fails inside its delete operation.
	op = must[*compute.Operation](t)(svc.Networks.Delete(project, "net1").Do())
	if op.Error == nil || op.Error.Errors[0].Code != "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE" || op.HttpErrorStatusCode != 400 {
		t.Fatalf("delete in use: %+v", op)
	}
	must[*compute.Operation](t)(svc.Networks.Patch(project, "net1", &compute.Network{Mtu: 1500}).Do())
	if n = must[*compute.Network](t)(svc.Networks.Get(project, "net1").Do()); n.Mtu != 1500 {
		t.Fatalf("patched MTU %d", n.Mtu)
	}
	for _, sn := range []struct{ region, name string }{{"us-central1", "a"}, {"europe-west1", "b"}} {
		if op := must[*compute.Operation](t)(svc.Subnetworks.Delete(project, sn.region, sn.name).Do()); op.Error != nil {
			t.Fatalf("delete subnet: %+v", op.Error)
		}
	}
	if op := must[*compute.Operation](t)(svc.Networks.Delete(project, "net1").Do()); op.Error != nil {
		t.Fatalf("delete network: %+v", op.Error)
	}
	if l := must[*compute.NetworkList](t)(svc.Networks.List(project).Do()); len(l.Items) != 0 {
		t.Fatalf("networks after delete: %d", len(l.Items))
	}
}

// TestAutoModeAndPaging: an auto-mode network has a subnet per region;
// lists page with maxResults and nextPageToken; the aggregated list keys
// subnets by region.
func TestAutoModeAndPaging(t *testing.T) {
	svc, _, _ := newService(t)
	must[*compute.Operation](t)(svc.Networks.Insert(project, &compute.Network{Name: "auto", AutoCreateSubnetworks: true}).Do())
	var names []string
	call := svc.Subnetworks.List(project, "us-central1").MaxResults(1)
	if err := call.Pages(context.Background(), func(l *compute.SubnetworkList) error {
		for _, s := range l.Items {
			names = append(names, s.Name+"="+s.IpCidrRange)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"auto=10.128.0.0/20"}) {
		t.Fatalf("us-central1 subnets %v", names)
	}
	agg := must[*compute.SubnetworkAggregatedList](t)(svc.Subnetworks.AggregatedList(project).Do())
	if len(agg.Items) != 24 || agg.Items["regions/europe-west1"].Subnetworks[0].IpCidrRange != "10.132.0.0/20" {
		t.Fatalf("aggregated: %d regions", len(agg.Items))
	}
	_, err := svc.Subnetworks.Delete(project, "us-central1", "auto").Do()
	wantReason(t, err, 400, "invalid")
	routes := must[*compute.RouteList](t)(svc.Routes.List(project).Do())
	defaults := 0
	for _, r := range routes.Items {
		if r.DestRange == "0.0.0.0/0" && r.Priority == 1000 && r.NextHopGateway != "" {
			defaults++
		}
		// GCP names the routes it makes default-route- and 16 hex digits.
		if !regexp.MustCompile(`^default-route-[0-9a-f]{16}$`).MatchString(r.Name) {
			t.Errorf("generated route name %q", r.Name)
		}
	}
	if defaults != 1 || len(routes.Items) != 25 {
		t.Fatalf("routes: %d, default routes %d", len(routes.Items), defaults)
	}
	if op := must[*compute.Operation](t)(svc.Networks.Delete(project, "auto").Do()); op.Error != nil {
		t.Fatalf("delete auto network: %+v", op.Error)
	}
}

// TestFirewallsAndRoutes: firewall rules with priorities, tags and
// defaults; static routes with tags and next hops; their errors; a tag's
// table goes with its last route, so that the network can be deleted.
func TestFirewallsAndRoutes(t *testing.T) {
	svc, cloud, _ := newService(t)
	must[*compute.Operation](t)(svc.Networks.Insert(project, &compute.Network{Name: "net1", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do())
	must[*compute.Operation](t)(svc.Subnetworks.Insert(project, "us-central1", &compute.Subnetwork{Name: "a", Network: "global/networks/net1", IpCidrRange: "10.1.0.0/24"}).Do())
	must[*compute.Operation](t)(svc.Firewalls.Insert(project, &compute.Firewall{Name: "allow-ssh", Network: "projects/proj1/global/networks/net1",
		Allowed: []*compute.FirewallAllowed{{IPProtocol: "tcp", Ports: []string{"22", "8000-8080"}}}, TargetTags: []string{"bastion"}, SourceRanges: []string{"198.51.100.0/24"}}).Do())
	must[*compute.Operation](t)(svc.Firewalls.Insert(project, &compute.Firewall{Name: "deny-all", Network: "global/networks/net1", Priority: 900,
		Denied: []*compute.FirewallDenied{{IPProtocol: "all"}}}).Do())
	fw := must[*compute.Firewall](t)(svc.Firewalls.Get(project, "allow-ssh").Do())
	if fw.Priority != 1000 || fw.Direction != "INGRESS" || fw.Allowed[0].Ports[1] != "8000-8080" || fw.TargetTags[0] != "bastion" {
		t.Fatalf("firewall %+v", fw)
	}
	deny := must[*compute.Firewall](t)(svc.Firewalls.Get(project, "deny-all").Do())
	if deny.SourceRanges[0] != "0.0.0.0/0" {
		t.Fatalf("deny-all sources %v", deny.SourceRanges)
	}
	sets := cloud.RuleSets(project, model.FlavorFirewall)
	rules := 0
	for _, s := range sets {
		rules += len(s.Rules)
	}
	if len(sets) != 2 || rules != 3 {
		t.Fatalf("model: %d firewall sets, %d rules", len(sets), rules)
	}
	_, err := svc.Firewalls.Insert(project, &compute.Firewall{Name: "both", Network: "global/networks/net1",
		Allowed: []*compute.FirewallAllowed{{IPProtocol: "tcp"}}, Denied: []*compute.FirewallDenied{{IPProtocol: "udp"}}}).Do()
	wantReason(t, err, 400, "invalid")
	_, err = svc.Firewalls.Insert(project, &compute.Firewall{Name: "ports", Network: "global/networks/net1",
		Allowed: []*compute.FirewallAllowed{{IPProtocol: "icmp", Ports: []string{"22"}}}}).Do()
	wantReason(t, err, 400, "invalid")
	must[*compute.Operation](t)(svc.Firewalls.Patch(project, "allow-ssh", &compute.Firewall{Disabled: true}).Do())
	if fw = must[*compute.Firewall](t)(svc.Firewalls.Get(project, "allow-ssh").Do()); !fw.Disabled || fw.TargetTags[0] != "bastion" {
		t.Fatalf("patched firewall %+v", fw)
	}
	// A network with firewall rules cannot be deleted.
	if op := must[*compute.Operation](t)(svc.Networks.Delete(project, "net1").Do()); op.Error == nil {
		t.Fatal("network with firewall rules deleted")
	}

	must[*compute.Operation](t)(svc.Routes.Insert(project, &compute.Route{Name: "to-fw", Network: "global/networks/net1", DestRange: "0.0.0.0/0",
		Priority: 800, NextHopIp: "10.1.0.9", Tags: []string{"web"}}).Do())
	_, err = svc.Routes.Insert(project, &compute.Route{Name: "to-fw", Network: "global/networks/net1", DestRange: "10.9.0.0/16", NextHopIp: "10.1.0.9"}).Do()
	wantReason(t, err, 409, "alreadyExists")
	_, err = svc.Routes.Insert(project, &compute.Route{Name: "two-hops", Network: "global/networks/net1", DestRange: "10.9.0.0/16", NextHopIp: "10.1.0.9",
		NextHopGateway: "global/gateways/default-internet-gateway"}).Do()
	wantReason(t, err, 400, "invalid")
	r := must[*compute.Route](t)(svc.Routes.Get(project, "to-fw").Do())
	if r.Priority != 800 || r.Tags[0] != "web" || r.RouteType != "STATIC" {
		t.Fatalf("route %+v", r)
	}
	tagged := 0
	for _, rt := range cloud.RouteTables(project) {
		for _, a := range rt.Associations {
			if slices.Equal(a.Tags, []string{"web"}) && slices.ContainsFunc(rt.Routes, func(x model.Route) bool { return x.Name == "to-fw" }) {
				tagged++
			}
		}
	}
	if tagged != 1 {
		t.Fatal("the tagged route is not in a table for tag web")
	}
	for _, l := range must[*compute.RouteList](t)(svc.Routes.List(project).Do()).Items {
		if l.RouteType == "SUBNET" {
			_, err := svc.Routes.Delete(project, l.Name).Do()
			wantReason(t, err, 400, "invalid")
		}
	}
	if op := must[*compute.Operation](t)(svc.Routes.Delete(project, "to-fw").Do()); op.Error != nil {
		t.Fatal(op.Error)
	}
	// The table of tag web went with its last route: it would keep the
	// network from being deleted.
	for _, rt := range cloud.RouteTables(project) {
		for _, a := range rt.Associations {
			if slices.Contains(a.Tags, "web") {
				t.Fatalf("table %s of tag web outlives its last route", rt.ID)
			}
		}
	}
}

// TestProjectsIsolated: a token for another project is refused.
func TestProjectsIsolated(t *testing.T) {
	svc, _, url := newService(t)
	_, err := svc.Networks.List("other").Do()
	wantReason(t, err, 403, "forbidden")
	other, err := compute.NewService(context.Background(), option.WithEndpoint(url+"/compute/v1/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Networks.List(project).Do()
	wantReason(t, err, 401, "required")
}
