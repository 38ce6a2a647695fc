package realize

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/option"

	cmgcp "github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

const gcpProject = "proj-lab"

// gcpLab is a realized lab with a GCP project whose Compute API the Go
// library drives: the front-end wrapped in InForce, so that a call's
// change is in the dataplane when the call returns.
type gcpLab struct {
	*lab
	svc *compute.Service
}

type gcpBearer struct{ next http.RoundTripper }

func (b gcpBearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer lab-token")
	return b.next.RoundTrip(r)
}

// newGCPLab makes a gcpLab, its options changed by opts.
func newGCPLab(t *testing.T, opts ...func(*Options)) gcpLab {
	t.Helper()
	return newGCPLabWith(t, cmgcp.Config{}, opts...)
}

// newGCPLabWith is newGCPLab with the front-end's configuration cfg (its
// token is the lab's).
func newGCPLabWith(t *testing.T, cfg cmgcp.Config, opts ...func(*Options)) gcpLab {
	t.Helper()
	cfg.Tokens = map[string]string{"lab-token": gcpProject}
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	c.AddAccount(model.Account{ID: gcpProject, Provider: model.ProviderGCP})
	l := newLabOn(t, c, func(o *Options) {
		for _, f := range opts {
			f(o)
		}
	})
	ts := httptest.NewServer(l.r.InForce(cmgcp.New(c, cfg)))
	t.Cleanup(ts.Close)
	svc, err := compute.NewService(context.Background(), option.WithEndpoint(ts.URL+"/compute/v1/"),
		option.WithHTTPClient(&http.Client{Transport: gcpBearer{ts.Client().Transport}}))
	l.ok(err)
	return gcpLab{lab: l, svc: svc}
}

// op fails the test on a call's error or its operation's.
func (g gcpLab) op(op *compute.Operation, err error) {
	g.t.Helper()
	g.ok(err)
	if op.Error != nil {
		g.t.Fatalf("operation %s: %+v", op.OperationType, op.Error.Errors[0])
	}
}

// instance makes an instance in a zone's subnet, with network tags and
// an ephemeral external IP when asked, and returns its model instance.
func (g gcpLab) instance(zone, subnet, name string, external bool, tags ...string) model.Instance {
	g.t.Helper()
	return g.instanceAs(zone, subnet, name, "", external, tags...)
}

// instanceAs is instance running as a service account (none when "").
func (g gcpLab) instanceAs(zone, subnet, name, account string, external bool, tags ...string) model.Instance {
	g.t.Helper()
	var sas []*compute.ServiceAccount
	if account != "" {
		sas = []*compute.ServiceAccount{{Email: account}}
	}
	nic := &compute.NetworkInterface{Subnetwork: "regions/" + zone[:len(zone)-2] + "/subnetworks/" + subnet}
	if external {
		nic.AccessConfigs = []*compute.AccessConfig{{Type: "ONE_TO_ONE_NAT"}}
	}
	g.op(g.svc.Instances.Insert(gcpProject, zone, &compute.Instance{Name: name, MachineType: "e2-micro", Tags: &compute.Tags{Items: tags}, ServiceAccounts: sas,
		NetworkInterfaces: []*compute.NetworkInterface{nic}}).Do())
	for _, i := range g.cloud.Instances(gcpProject) {
		if i.Name == name {
			return i
		}
	}
	g.t.Fatalf("instance %s is no model instance", name)
	return model.Instance{}
}

func (g gcpLab) firewall(fw *compute.Firewall) {
	g.t.Helper()
	fw.Network = "global/networks/vpc"
	g.op(g.svc.Firewalls.Insert(gcpProject, fw).Do())
}

// TestGCPVPCAndFirewalls: one VPC's subnets in two regions reach each
// other; the implied rules deny ingress and allow egress; an allow rule
// with a target tag opens only tagged instances; a deny at 900 beats an
// allow at 1000; a disabled rule is ignored; rules are stateful; an
// instance with an external IP reaches the internet; a rule with a target
// service account opens only the instances that run as it.
func TestGCPVPCAndFirewalls(t *testing.T) {
	g := newGCPLab(t)
	g.op(g.svc.Networks.Insert(gcpProject, &compute.Network{Name: "vpc", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do())
	g.op(g.svc.Subnetworks.Insert(gcpProject, "us-central1", &compute.Subnetwork{Name: "sc", Network: "global/networks/vpc", IpCidrRange: "10.10.1.0/24"}).Do())
	g.op(g.svc.Subnetworks.Insert(gcpProject, "europe-west1", &compute.Subnetwork{Name: "se", Network: "global/networks/vpc", IpCidrRange: "10.20.1.0/24"}).Do())
	a := g.instance("us-central1-a", "sc", "a", true)
	b := g.instance("europe-west1-b", "se", "b", false, "web")
	c := g.instance("europe-west1-b", "se", "c", false)
	g.sync()
	nsA, nsB, nsC := g.ns(a), g.ns(b), g.ns(c)

	// GCP: https://cloud.google.com/firewall/docs/firewalls#default_firewall_rules — the implied rules deny all ingress and allow all egress
	g.pingFails(nsA, b.PrivateIP)
	// GCP: https://cloud.google.com/vpc/docs/routes#subnet-routes — subnet routes of every region reach each other in one VPC
	g.firewall(&compute.Firewall{Name: "allow-icmp", SourceRanges: []string{"10.0.0.0/8"}, Allowed: []*compute.FirewallAllowed{{IPProtocol: "icmp"}}})
	g.pingOK(nsA, b.PrivateIP)
	g.pingOK(nsB, a.PrivateIP)

	// A target tag: tcp/80 opens on b (tag web), not on c.
	g.serve(nsB, netip.IPv4Unspecified(), 80)
	g.serve(nsC, netip.IPv4Unspecified(), 80)
	g.firewall(&compute.Firewall{Name: "allow-web", SourceRanges: []string{"10.0.0.0/8"}, TargetTags: []string{"web"},
		Allowed: []*compute.FirewallAllowed{{IPProtocol: "tcp", Ports: []string{"80"}}}})
	g.tcpOK(nsA, b.PrivateIP, 80)
	g.tcpFails(nsA, c.PrivateIP, 80)

	// Rules are stateful: a's replies from b:80 pass a's implied deny.
	// GCP: https://cloud.google.com/firewall/docs/firewalls#specifications — firewall rules are stateful: return traffic of an allowed connection is allowed

	// A deny at 900 beats the allow at 1000; disabled, it is ignored.
	g.firewall(&compute.Firewall{Name: "deny-web", Priority: 900, SourceRanges: []string{"10.10.0.0/16"},
		Denied: []*compute.FirewallDenied{{IPProtocol: "tcp", Ports: []string{"80"}}}})
	g.tcpFails(nsA, b.PrivateIP, 80)
	g.op(g.svc.Firewalls.Patch(gcpProject, "deny-web", &compute.Firewall{Disabled: true}).Do())
	g.tcpOK(nsA, b.PrivateIP, 80)

	// GCP: https://cloud.google.com/vpc/docs/ip-addresses#ephemeraladdress — an instance with an external IP reaches the internet through it
	g.pingOK(nsA, InternetServer)
	g.pingFails(nsB, InternetServer)

	// A target service account: tcp/8080 opens on the instance that runs
	// as it, not on b.
	d := g.instanceAs("europe-west1-c", "se", "d", "app@"+gcpProject+".iam.gserviceaccount.com", false)
	nsD := g.ns(d)
	g.serve(nsD, netip.IPv4Unspecified(), 8080)
	g.serve(nsB, netip.IPv4Unspecified(), 8080)
	g.firewall(&compute.Firewall{Name: "allow-app", SourceRanges: []string{"10.0.0.0/8"}, TargetServiceAccounts: []string{"app@" + gcpProject + ".iam.gserviceaccount.com"},
		Allowed: []*compute.FirewallAllowed{{IPProtocol: "tcp", Ports: []string{"8080"}}}})
	g.tcpOK(nsA, d.PrivateIP, 8080)
	g.tcpFails(nsA, b.PrivateIP, 8080)
}

// TestGCPTaggedRoute: a route with a network tag applies only to the
// instances with the tag, and wins over the default route by its longer
// prefix: the tagged instance's traffic to the internet server goes to an
// instance that does not forward (canIpForward off) and is lost, while
// an untagged instance reaches the server; without the tag (setTags) the
// first reaches it too. Of two untagged routes to one prefix, the lower
// priority value decides.
func TestGCPTaggedRoute(t *testing.T) {
	g := newGCPLab(t)
	g.op(g.svc.Networks.Insert(gcpProject, &compute.Network{Name: "vpc", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do())
	g.op(g.svc.Subnetworks.Insert(gcpProject, "us-east1", &compute.Subnetwork{Name: "s", Network: "global/networks/vpc", IpCidrRange: "10.30.1.0/24"}).Do())
	a := g.instance("us-east1-b", "s", "a", true, "blocked")
	b := g.instance("us-east1-b", "s", "b", true)
	g.instance("us-east1-b", "s", "sink", false)
	// GCP: https://cloud.google.com/vpc/docs/routes#instance_tags — a route with tags applies only to instances with one of them
	// GCP: https://cloud.google.com/vpc/docs/routes#routeselection — the most specific destination wins
	g.op(g.svc.Routes.Insert(gcpProject, &compute.Route{Name: "to-sink", Network: "global/networks/vpc", DestRange: "192.0.2.0/24",
		Tags: []string{"blocked"}, NextHopInstance: "zones/us-east1-b/instances/sink", Priority: 100}).Do())
	g.sync()
	nsA, nsB := g.ns(a), g.ns(b)
	g.pingFails(nsA, InternetServer)
	g.pingOK(nsB, InternetServer)
	i, err := g.svc.Instances.Get(gcpProject, "us-east1-b", "a").Do()
	g.ok(err)
	g.op(g.svc.Instances.SetTags(gcpProject, "us-east1-b", "a", &compute.Tags{Fingerprint: i.Tags.Fingerprint}).Do())
	g.pingOK(nsA, InternetServer)

	// Of two routes to one prefix the lower priority value wins.
	// GCP: https://cloud.google.com/vpc/docs/routes#routeselection — among routes of the same destination, the one with the lowest priority value
	g.op(g.svc.Routes.Insert(gcpProject, &compute.Route{Name: "all-to-sink", Network: "global/networks/vpc", DestRange: "192.0.2.0/24",
		NextHopInstance: "zones/us-east1-b/instances/sink", Priority: 500}).Do())
	g.pingFails(nsB, InternetServer)
	g.op(g.svc.Routes.Insert(gcpProject, &compute.Route{Name: "direct", Network: "global/networks/vpc", DestRange: "192.0.2.0/24",
		NextHopGateway: "global/gateways/default-internet-gateway", Priority: 400}).Do())
	g.pingOK(nsB, InternetServer)
}
