package emulator

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// line returns h1 -- r1 -- r2 -- h2 on 10.0.{1,2,3}.0/24 with static routes
// that make every host reach every other host.
func line(name string) *topologies.Topology {
	p := netip.MustParsePrefix
	a := netip.MustParseAddr
	def := p("0.0.0.0/0")
	return &topologies.Topology{
		Name: name, Version: 1, Defaults: topologies.Defaults{MTU: 1500},
		Nodes: []*topologies.Node{
			{Name: "h1", Kind: topologies.KindHost, Routes: []topologies.Route{{To: def, Via: a("10.0.1.1")}}},
			{Name: "r1", Kind: topologies.KindRouter, Routes: []topologies.Route{{To: p("10.0.3.0/24"), Via: a("10.0.2.2")}}},
			{Name: "r2", Kind: topologies.KindRouter, Routes: []topologies.Route{{To: p("10.0.1.0/24"), Via: a("10.0.2.1")}}},
			{Name: "h2", Kind: topologies.KindHost, Routes: []topologies.Route{{To: def, Via: a("10.0.3.1")}}},
		},
		Links: []*topologies.Link{
			{A: topologies.Endpoint{Node: "h1", Interface: "eth0", Address: p("10.0.1.10/24")}, B: topologies.Endpoint{Node: "r1", Interface: "eth0", Address: p("10.0.1.1/24")}},
			{A: topologies.Endpoint{Node: "r1", Interface: "eth1", Address: p("10.0.2.1/30")}, B: topologies.Endpoint{Node: "r2", Interface: "eth1", Address: p("10.0.2.2/30")}, MTU: 9000, Rate: 100_000_000},
			{A: topologies.Endpoint{Node: "r2", Interface: "eth0", Address: p("10.0.3.1/24")}, B: topologies.Endpoint{Node: "h2", Interface: "eth0", Address: p("10.0.3.10/24")}},
		},
	}
}

func TestPlan(t *testing.T) {
	pl, err := NewPlan("lab1", line("ignored"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pl.Nodes[1].Namespace, "mcn-lab1-r1"; got != want {
		t.Errorf("namespace of r1 = %q, want %q", got, want)
	}
	if pl.Nodes[0].Forwarding || !pl.Nodes[1].Forwarding {
		t.Errorf("forwarding: host %v router %v, want false/true", pl.Nodes[0].Forwarding, pl.Nodes[1].Forwarding)
	}
	if pl.Links[0].MTU != 1500 || pl.Links[1].MTU != 9000 {
		t.Errorf("MTUs = %d, %d; want the default 1500 and the link's own 9000", pl.Links[0].MTU, pl.Links[1].MTU)
	}
	rec := pl.Record("/x/t.yaml")
	if rec.Phase != state.PhaseDeploying || rec.Owner.PID == 0 || len(rec.Nodes) != 4 || len(rec.Links) != 3 {
		t.Errorf("record = %+v; want phase deploying, an owner, 4 nodes and 3 links", rec)
	}
	if got := rec.Links[1].A; got.Kernel != "eth1" || got.Address != "10.0.2.1/30" {
		t.Errorf("link end recorded as %+v", got)
	}
	bad := line("x")
	bad.Links[0].A.Node = "nope"
	if _, err := NewPlan("x", bad); err == nil {
		t.Error("NewPlan with a link to an unknown node succeeded")
	}
}

func TestKernelNames(t *testing.T) {
	long := "to-transit-gateway-1"
	long2 := "to-transit-gateway-2"
	m := KernelNames([]string{long, "eth0", long2, "to-transit-gate"})
	if m["eth0"] != "eth0" || m["to-transit-gate"] != "to-transit-gate" {
		t.Errorf("names that fit were changed: %v", m)
	}
	seen := map[string]bool{}
	for f, k := range m {
		if len(k) > IfnameMax {
			t.Errorf("%s -> %q is %d bytes, over the kernel's %d", f, k, len(k), IfnameMax)
		}
		if seen[k] {
			t.Errorf("kernel name %q given twice in %v", k, m)
		}
		seen[k] = true
	}
	if m[long] == m[long2] || m[long][:10] != "to-transi"+"t" {
		t.Errorf("derived names %q, %q: want distinct names starting with the friendly name", m[long], m[long2])
	}
	if again := KernelNames([]string{long}); again[long] != m[long] {
		t.Errorf("derivation is not stable: %q then %q", m[long], again[long])
	}
	topo := line("x")
	topo.Links[0].A.Interface = long
	pl, err := NewPlan("x", topo)
	if err != nil {
		t.Fatal(err)
	}
	if e := pl.Record("").Links[0].A; e.Interface != long || e.Kernel != m[long] {
		t.Errorf("recorded end %+v; want the friendly name %q and the kernel name %q", e, long, m[long])
	}
}

func TestPlanVXLAN(t *testing.T) {
	a := netip.MustParseAddr
	topo := line("x")
	topo.Nodes[1].VXLAN = []topologies.VXLAN{{Name: "vx0", VNI: 7, Local: a("10.0.2.1"), Remote: a("10.0.2.2"), Address: netip.MustParsePrefix("10.99.0.1/31")}}
	pl, err := NewPlan("x", topo)
	if err != nil {
		t.Fatal(err)
	}
	if v := pl.Nodes[1].VXLAN[0]; v.Port != 4789 || v.MTU != 1450 {
		t.Errorf("planned vxlan %+v; want port 4789 and mtu 1450 filled in", v)
	}
	if topo.Nodes[1].VXLAN[0].Port != 0 {
		t.Error("NewPlan changed the topology's vxlan")
	}
	for _, tc := range []struct {
		change func(v *topologies.VXLAN)
		want   string
	}{
		{func(v *topologies.VXLAN) { v.Name = "eth1" }, `vxlan "eth1": a link of the node has that interface name`},
		{func(v *topologies.VXLAN) { v.Name = "a-name-too-long-x" }, "interface name must be 1..15 bytes"},
		{func(v *topologies.VXLAN) { v.VNI = 0 }, "vni 0 out of range"},
		{func(v *topologies.VXLAN) { v.Remote = a("2001:db8::1") }, "must be addresses of one family"},
	} {
		bad := line("x")
		v := topo.Nodes[1].VXLAN[0]
		tc.change(&v)
		bad.Nodes[1].VXLAN = []topologies.VXLAN{v}
		if _, err := NewPlan("x", bad); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewPlan with vxlan %+v: %v; want an error containing %q", v, err, tc.want)
		}
	}
}
