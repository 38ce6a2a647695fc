package controller

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/topologies"
)

// countingFirewall is a firewall engine whose counters are fixed.
type countingFirewall struct {
	fakeFirewall
	counts firewall.Counts
}

func (f countingFirewall) Counters() (firewall.Counts, error) { return f.counts, nil }

// TestBackendMetrics: the metrics hold each gateway's status as the
// controller last read it (tunnels with bytes and packets, sessions with
// prefixes, segmentation drops), a gateway not read as down, and each
// FireNet firewall's drops read from its management API: its deny rules',
// its default deny's and the invalid packets, not its allow rules'; a
// firewall that does not answer is down.
func TestBackendMetrics(t *testing.T) {
	top, err := topologies.Load("../topologies/testdata/good/firenet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := intent.Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	d := fwDialer{"i-fw1": filepath.Join(dir, "fw1.sock"), "i-fw2": filepath.Join(dir, "fw2.sock")} // fw2 does not listen
	fw1 := fwmgmt.NewBackend("fw1", countingFirewall{counts: firewall.Counts{
		Rules:   map[string]policy.Count{"no-ssh": {Packets: 5, Bytes: 300}, "web": {Packets: 100, Bytes: 9000}},
		Default: policy.Count{Packets: 2, Bytes: 120}, Invalid: policy.Count{Packets: 1, Bytes: 40}}})
	if _, err := fw1.Apply(fwmgmt.Config{Default: "deny", Rules: []fwmgmt.Rule{
		{Name: "no-ssh", Action: "deny", Protocol: "tcp", DstPort: 22}, {Name: "web", Action: "allow", Protocol: "tcp", DstPort: 443}}}); err != nil {
		t.Fatal(err)
	}
	srv, err := fwmgmt.Listen(d["i-fw1"], fw1, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := New(p, Options{Providers: map[string]cloud.Provider{"aws-lab": &fakeProvider{tables: map[string]map[netip.Prefix]string{}}}, Firewalls: d})
	defer c.Close()
	c.inv.Instances = map[string]cloud.InstanceInfo{"fw1": {ID: "i-fw1"}, "fw2": {ID: "i-fw2"}}
	c.status["transit-1"] = mgmt.Status{
		Tunnels:      []mgmt.Tunnel{{Peer: "prod-1", State: mgmt.TunnelUp, RxBytes: 10, TxBytes: 20, RxPackets: 1, TxPackets: 2}},
		Sessions:     []mgmt.Session{{Name: "prod-1", State: "established", Received: 1, Accepted: 1, Advertised: 4}},
		Segmentation: []mgmt.DomainDrops{{From: "dev", To: "prod", Packets: 7, Bytes: 588}},
	}
	m, err := NewBackend(c, "lab").Metrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]api.GatewayMetrics{}
	for _, g := range m.Gateways {
		byName[g.Name] = g
	}
	tr := byName["transit-1"]
	if !tr.Up || len(tr.Tunnels) != 1 || tr.Tunnels[0] != (api.TunnelMetrics{Peer: "prod-1", Up: true, RxBytes: 10, TxBytes: 20, RxPackets: 1, TxPackets: 2}) ||
		len(tr.Sessions) != 1 || tr.Sessions[0] != (api.SessionMetrics{Peer: "prod-1", Established: true, Received: 1, Accepted: 1, Advertised: 4}) ||
		len(tr.Drops) != 1 || tr.Drops[0] != (api.DropMetrics{From: "dev", To: "prod", Packets: 7, Bytes: 588}) || tr.Role != api.GatewayTransit {
		t.Errorf("transit-1's metrics %+v", tr)
	}
	if len(m.Gateways) != len(p.Gateways) {
		t.Errorf("%d gateways, want the plan's %d", len(m.Gateways), len(p.Gateways))
	}
	for _, g := range m.Gateways {
		if g.Name != "transit-1" && g.Up {
			t.Errorf("gateway %s is up, yet the controller never read it", g.Name)
		}
	}
	want := []api.FirewallMetrics{
		{Name: "fw1", Transit: "transit", Up: true, DroppedPackets: 8, DroppedBytes: 460},
		{Name: "fw2", Transit: "transit"},
	}
	if len(m.Firewalls) != 2 || m.Firewalls[0] != want[0] || m.Firewalls[1] != want[1] {
		t.Errorf("firewalls %+v, want %+v", m.Firewalls, want)
	}
}
