package topologies

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// strippedFireNet copies a firenet block without positions (nil for nil).
func strippedFireNet(f *FireNet) *FireNet {
	if f == nil {
		return nil
	}
	c := *f
	c.Pos = Pos{}
	c.Firewalls = unposed(f.Firewalls, func(fw *Firewall) { fw.Pos = Pos{} })
	c.Inspect = unposed(f.Inspect, func(p *DomainConnection) { p.Pos = Pos{} })
	c.Rules = unposed(f.Rules, func(r *FirewallRule) { r.Pos = Pos{} })
	return &c
}

// TestFireNetDecode checks the decoded firenet block of a file that uses
// most keys, and the defaults.
func TestFireNetDecode(t *testing.T) {
	topo, err := Load("testdata/good/firenet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := strippedFireNet(topo.Cloud.Transits[0].FireNet)
	want := &FireNet{
		Firewalls: []*Firewall{{Name: "fw1", Address: netip.MustParseAddr("10.10.1.30")}, {Name: "fw2"}},
		Inspect:   []*DomainConnection{{A: "prod", B: "shared"}},
		Hash:      HashTwoTuple,
		Engine:    EngineL7,
		Rules: []*FirewallRule{{Action: FirewallDeny, Protocol: ProtoTCP, Port: 22},
			{Action: FirewallAllow, Protocol: ProtoICMP, From: netip.MustParsePrefix("10.1.0.0/16"), To: netip.MustParsePrefix("10.3.0.0/16")},
			{Action: FirewallDeny, Protocol: ProtoHTTP, Host: "www.example.com", Path: "/admin*"},
			{Action: FirewallDeny, Protocol: ProtoTLS, SNI: "blocked.example.net"}},
		Default: FirewallAllow,
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("firenet = %+v\nwant %+v", f, want)
	}
	topo.Cloud.Transits[0].FireNet = &FireNet{Firewalls: []*Firewall{{Name: "fw1"}}}
	if err := Validate(topo); err != nil {
		t.Errorf("a Go-built firenet with defaults left zero: %v", err)
	}
	out, err := Marshal(topo)
	if err != nil || !strings.Contains(string(out), "firenet:\n      firewalls: {fw1: {}}\n") {
		t.Errorf("marshal of the minimal firenet: %v\n%s", err, out)
	}
}

// TestFireNetNamesAreLabNames: a firewall's name is its instance's, so it
// may not be another object's or a gateway's.
func TestFireNetNamesAreLabNames(t *testing.T) {
	topo, err := Load("testdata/good/firenet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fws := topo.Cloud.Transits[0].FireNet.Firewalls
	fws[0].Name, fws[1].Name = "prod-app", "transit-1"
	err = Validate(topo)
	for _, w := range []string{`firenet.firewalls.prod-app: `, `name "transit-1" is taken by a gateway of transit transit`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v\nwants %q", err, w)
		}
	}
}

// TestFireNetEgressDecode: security.yaml's egress keys decode, the egress
// domains are the listed ones (the inspected ones when none are listed),
// and each egress firewall's elastic IP counts against the quota.
func TestFireNetEgressDecode(t *testing.T) {
	topo, err := Load("security.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := topo.Cloud.Transits[0].FireNet
	if !f.Egress || f.EgressSubnet != "public" || !slices.Equal(f.EgressFrom(), []string{"prod"}) {
		t.Errorf("egress %v subnet %q from %v", f.Egress, f.EgressSubnet, f.EgressFrom())
	}
	f.EgressDomains = nil
	if got := f.EgressFrom(); !slices.Equal(got, []string{"prod", "shared"}) {
		t.Errorf("egress from the inspected domains: %v", got)
	}
	for _, q := range topo.Cloud.Accounts[0].Quotas {
		if q.Key == "elastic-ips-per-region" {
			q.Value = 5
		}
	}
	err = Validate(topo)
	if w := "account aws-lab would hold 6 elastic IPs (one per gateway and per FireNet egress firewall)"; err == nil || !strings.Contains(err.Error(), w) {
		t.Errorf("error %v\nwants %q", err, w)
	}
}
