package intent

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/firenet"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/topologies"
)

// fireNetPlan compiles the firenet example with an HA transit.
func fireNetPlan(t *testing.T) *Plan {
	t.Helper()
	top, err := topologies.Load("../../topologies/testdata/good/firenet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	top.Cloud.Transits[0].HA = true
	p, err := Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFireNetDesired: each firewall is an instance of the firewall image
// in the transit's subnet, forwarding (source/destination check off).
func TestFireNetDesired(t *testing.T) {
	p := fireNetPlan(t)
	var fws []cloud.Instance
	for _, in := range p.Accounts[0].Desired.Instances {
		if in.Image == cloud.ImageFirewall {
			fws = append(fws, in)
		}
	}
	want := []cloud.Instance{
		{Key: "fw1", VPC: "transit-vpc", Subnet: "transit-vpc/gw", PrivateIP: netip.MustParseAddr("10.10.1.30"), Image: cloud.ImageFirewall,
			SecurityGroups: []string{"transit-vpc/gateways"}},
		{Key: "fw2", VPC: "transit-vpc", Subnet: "transit-vpc/gw", Image: cloud.ImageFirewall, SecurityGroups: []string{"transit-vpc/gateways"}},
	}
	if len(fws) != 2 || !slices.EqualFunc(fws, want, func(a, b cloud.Instance) bool {
		return a.Key == b.Key && a.Subnet == b.Subnet && a.PrivateIP == b.PrivateIP && !a.SourceDestCheck && slices.Equal(a.SecurityGroups, b.SecurityGroups)
	}) {
		t.Errorf("firewall instances %+v\nwant %+v", fws, want)
	}
	if err := cloud.Validate(p.Accounts[0].Desired, "", cloud.Capabilities{StaticPublicAddresses: true, PrivateLines: true}); err != nil {
		t.Errorf("desired state: %v", err)
	}
	if got := p.FireNetRoutes(); !slices.Equal(got["transit-vpc/gw"], []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("10.3.0.0/16")}) {
		t.Errorf("routes back from the firewalls: %v", got)
	}
	cfg := p.FirewallConfigs(nil)["fw2"]
	if cfg.Default != "allow" || len(cfg.Rules) != 4 || cfg.Rules[0] != (fwmgmt.Rule{Name: "1", Action: "deny", Protocol: "tcp", DstPort: 22}) ||
		cfg.Rules[1].Protocol != "icmp" || cfg.Rules[1].Src != netip.MustParsePrefix("10.1.0.0/16") ||
		cfg.Rules[2] != (fwmgmt.Rule{Name: "3", Action: "deny", Protocol: "http", Host: "www.example.com", Path: "/admin*"}) ||
		cfg.Rules[3] != (fwmgmt.Rule{Name: "4", Action: "deny", Protocol: "tls", SNI: "blocked.example.net"}) {
		t.Errorf("fw2's policy %+v", cfg)
	}
	// The l7 engine's squid asks the transit VPC's resolver (10.10.0.0/16).
	if cfg.EngineName != "l7" || !slices.Equal(cfg.Resolvers, []netip.Addr{netip.MustParseAddr("10.10.0.2")}) {
		t.Errorf("fw2's engine %q, resolvers %v; want l7 asking 10.10.0.2", cfg.EngineName, cfg.Resolvers)
	}
	if _, err := cfg.Engine(); err != nil {
		t.Errorf("fw2's policy is refused: %v", err)
	}
}

// TestFireNetConfigs: both transit gateways get the same FireNet (firewall
// order, hash, domains, pairs), valid for the engine, with their own
// tunnels' inner addresses and the transit VPC excluded; spokes get none;
// nothing before every firewall instance is known.
func TestFireNetConfigs(t *testing.T) {
	p := fireNetPlan(t)
	l := live(t, p)
	cfgs, err := p.Configs(l)
	if err != nil {
		t.Fatal(err)
	}
	if cfgs["transit-1"].FireNet != nil {
		t.Fatalf("a FireNet before the firewalls' instances are known: %+v", cfgs["transit-1"].FireNet)
	}
	l.Instances["fw1"] = cloud.InstanceInfo{ID: "i-fw1", PrivateIP: netip.MustParseAddr("10.10.1.30")}
	l.Instances["fw2"] = cloud.InstanceInfo{ID: "i-fw2", PrivateIP: netip.MustParseAddr("10.10.1.5")}
	if cfgs, err = p.Configs(l); err != nil {
		t.Fatal(err)
	}
	a, b := cfgs["transit-1"].FireNet, cfgs["transit-2"].FireNet
	if a == nil || b == nil || cfgs["prod-1"].FireNet != nil {
		t.Fatalf("firenet: transit-1 %+v, transit-2 %+v, prod-1 %+v", a, b, cfgs["prod-1"].FireNet)
	}
	if !slices.Equal(a.Firewalls, b.Firewalls) || a.Hash != "2-tuple" || len(a.Pairs) != 1 || a.Pairs[0] != [2]string{"prod", "shared"} ||
		a.Firewalls[0].Address != netip.MustParseAddr("10.10.1.30") || a.Firewalls[1].Link != FireNetLink || len(a.Domains) != 2 {
		t.Errorf("transit-1's FireNet %+v\ntransit-2's %+v", a, b)
	}
	if !slices.Contains(a.Exclude, netip.MustParsePrefix("10.10.0.0/16")) {
		t.Errorf("exclude %v lacks the transit VPC", a.Exclude)
	}
	for _, tn := range p.Tunnels {
		if tn.A == "transit-1" && !slices.Contains(a.Exclude, tn.Inner[0].Masked()) {
			t.Errorf("exclude %v lacks tunnel %v's inner prefix", a.Exclude, tn.Inner)
		}
	}
	for k, c := range cfgs {
		if c.FireNet == nil {
			continue
		}
		fc, err := fireNetConfig(c.FireNet)
		if err != nil || fc.Validate() != nil {
			t.Errorf("%s: FireNet refused: %v %v", k, err, fc.Validate())
		}
	}
}

// fireNetConfig reads a wire FireNet as the gateway does (its own
// conversion is internal to dataplane/gateway).
func fireNetConfig(w *mgmt.FireNet) (firenet.Config, error) {
	c := firenet.Config{Egress: w.Egress, Exclude: w.Exclude}
	if w.Hash == "2-tuple" {
		c.Hash = firenet.TwoTuple
	}
	for _, f := range w.Firewalls {
		c.Firewalls = append(c.Firewalls, firenet.Firewall{Name: f.Name, Addr: f.Address, Link: f.Link})
	}
	for _, d := range w.Domains {
		c.Domains = append(c.Domains, firenet.Domain{Name: d.Name, Prefixes: d.Prefixes})
	}
	for _, pr := range w.Pairs {
		c.Pairs = append(c.Pairs, firenet.Pair{A: pr[0], B: pr[1]})
	}
	return c, nil
}
