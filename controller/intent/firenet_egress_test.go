package intent

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/topologies"
)

// TestFireNetEgress compiles security.yaml (prod's egress through the
// firewalls): each firewall gets an egress interface with an elastic IP
// in the public subnet, which routes to the internet; the firewalls'
// policy has the egress with the lab's private prefixes; the transit
// gateway originates 0.0.0.0/0, exported to prod's gateway only, and
// steers prod's egress; prod's gateway's learned default may go in its
// private subnet's route table but never in its own subnet's (a static
// default to the internet); the way back from the firewalls includes
// prod.
func TestFireNetEgress(t *testing.T) {
	p := compiled(t, "../../topologies/security.yaml")
	top := p.Topology
	d := p.Accounts[0].Desired
	for _, in := range d.Instances {
		if (in.Key == "fw1" || in.Key == "fw2") && (len(in.Interfaces) != 1 || in.Interfaces[0].Subnet != "transit-vpc/public" || !in.Interfaces[0].PublicIP ||
			!slices.Equal(in.Interfaces[0].SecurityGroups, []string{FirewallEgressGroupKey("transit-vpc")})) {
			t.Errorf("firewall %s's interfaces: %+v", in.Key, in.Interfaces)
		}
	}
	if !slices.Contains(d.Routes, cloud.Route{Subnet: "transit-vpc/public", Destination: defaultRoute, Target: cloud.TargetInternet}) {
		t.Errorf("the egress subnet has no route to the internet: %+v", d.Routes)
	}
	if err := cloud.Validate(d, top.Name, cloud.Capabilities{StaticPublicAddresses: true, NetworkInterfaces: true}); err != nil {
		t.Errorf("desired state: %v", err)
	}
	eg := p.FirewallConfigs(nil)["fw1"].Egress
	if eg == nil || eg.LAN != "eth0" || eg.Interface != "eth1" || !slices.Contains(eg.Internal, netip.MustParsePrefix("10.1.0.0/16")) ||
		!slices.Contains(eg.Internal, netip.MustParsePrefix("10.10.0.0/16")) {
		t.Errorf("fw1's egress policy: %+v", eg)
	}
	gw := cloud.InstanceInfo{ID: "i-t1", PrivateIP: netip.MustParseAddr("10.10.1.10"), MAC: "02:aa:00:00:00:01"}
	if g := p.FirewallConfigs(map[string]cloud.InstanceInfo{"transit-1": gw})["fw1"].Egress.Gateways; !slices.Equal(g, []fwmgmt.Gateway{{Address: gw.PrivateIP, MAC: gw.MAC}}) {
		t.Errorf("fw1's egress gateways: %+v; want transit-1 with its MAC (its replies go back to the gateway that sent each flow)", g)
	}
	l := live(t, p)
	l.Instances["fw1"] = cloud.InstanceInfo{ID: "i-fw1", PrivateIP: netip.MustParseAddr("10.10.1.30")}
	l.Instances["fw2"] = cloud.InstanceInfo{ID: "i-fw2", PrivateIP: netip.MustParseAddr("10.10.1.31")}
	cfgs, err := p.Configs(l)
	if err != nil {
		t.Fatal(err)
	}
	tr := cfgs["transit-1"]
	if !slices.Contains(tr.Prefixes, defaultRoute) || cfgs["prod-1"].FireNet != nil || slices.Contains(cfgs["prod-1"].Prefixes, defaultRoute) {
		t.Errorf("transit-1 originates %v; prod-1 %v", tr.Prefixes, cfgs["prod-1"].Prefixes)
	}
	if len(tr.Peers) != 3 {
		t.Fatalf("transit-1's peers: %+v; want prod's, shared's and dev's", tr.Peers)
	}
	for _, peer := range tr.Peers {
		toProd := p.Gateway(peerOf(p, "transit-1", peer.Name)).Group == "prod"
		if toProd != (len(peer.Export) == 0) || !toProd && !slices.Equal(peer.Export, notDefault) {
			t.Errorf("transit-1's export to %s (to prod: %v): %+v", peer.Name, toProd, peer.Export)
		}
	}
	if fn := tr.FireNet; fn == nil || !fn.Egress || !slices.Equal(fn.EgressDomains, []string{"prod"}) || !slices.Contains(fn.Internal, netip.MustParsePrefix("10.4.0.0/16")) {
		t.Errorf("transit-1's FireNet: %+v", tr.FireNet)
	}
	if p.LearnedDefaultOK("prod-vpc/gw") || !p.LearnedDefaultOK("prod-vpc/app") {
		t.Errorf("a learned default in prod-vpc/gw: %v, in prod-vpc/app: %v; want false, true", p.LearnedDefaultOK("prod-vpc/gw"), p.LearnedDefaultOK("prod-vpc/app"))
	}
	if !slices.Contains(p.FireNetRoutes()["transit-vpc/gw"], netip.MustParsePrefix("10.1.0.0/16")) {
		t.Errorf("the way back from the firewalls: %v", p.FireNetRoutes())
	}
}

// compiled loads and compiles the topology at path.
func compiled(t *testing.T, path string) *Plan {
	t.Helper()
	top, err := topologies.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// peerOf is the gateway at the far end of gateway g's tunnel named name.
func peerOf(p *Plan, g, name string) string {
	for _, t := range p.Tunnels {
		if t.A == g && t.Name[0] == name {
			return t.B
		}
		if t.B == g && t.Name[1] == name {
			return t.A
		}
	}
	return ""
}

// TestFireNetEgressGCP compiles gcp-firenet.yaml: on GCP the firewalls'
// egress is one-armed (a VM's interfaces are in different networks):
// each firewall is an instance with an external address and no further
// interface, no egress subnet or its group, and its policy sends egress
// out of eth0 itself; FirewallEgressInterface names that interface.
func TestFireNetEgressGCP(t *testing.T) {
	p := compiled(t, "../../cmd/mcnlab/testdata/gcp-firenet.yaml")
	d := p.Accounts[0].Desired
	for _, in := range d.Instances {
		if (in.Key == "fw1" || in.Key == "fw2") && (len(in.Interfaces) != 0 || !in.PublicIP || in.SourceDestCheck) {
			t.Errorf("firewall %s: interfaces %+v, public IP %v, source/destination check %v; want one forwarding interface with an external address",
				in.Key, in.Interfaces, in.PublicIP, in.SourceDestCheck)
		}
	}
	if slices.ContainsFunc(d.SecurityGroups, func(g cloud.SecurityGroup) bool { return g.Key == FirewallEgressGroupKey("transit-vpc") }) {
		t.Errorf("a one-armed egress has an egress interfaces' group: %+v", d.SecurityGroups)
	}
	eg := p.FirewallConfigs(nil)["fw1"].Egress
	if eg == nil || eg.LAN != "eth0" || eg.Interface != "eth0" || !slices.Contains(eg.Internal, netip.MustParsePrefix("10.2.0.0/16")) {
		t.Errorf("fw1's egress: %+v; want one-armed on eth0, the lab's prefixes internal", eg)
	}
	in := cloud.InstanceInfo{Interface: "nic0", PrivateIP: netip.MustParseAddr("10.10.1.30"), PublicIP: netip.MustParseAddr("203.0.113.7")}
	if e, link := FirewallEgressInterface(in); link != "eth0" || e.PrivateIP != in.PrivateIP || e.PublicIP != in.PublicIP {
		t.Errorf("FirewallEgressInterface(one-armed) = %+v, %s", e, link)
	}
}
