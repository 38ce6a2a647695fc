package topologies

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// stripped copies t without positions and file name, for comparisons.
func stripped(t *Topology) *Topology {
	c := *t
	c.File = ""
	c.Nodes, c.Links = nil, nil
	for _, n := range t.Nodes {
		nn := *n
		nn.Pos = Pos{}
		nn.Routes = nil
		for _, r := range n.Routes {
			r.Pos = Pos{}
			nn.Routes = append(nn.Routes, r)
		}
		if n.BGP != nil {
			b := *n.BGP
			b.Pos = Pos{}
			b.Neighbors = nil
			for _, nb := range n.BGP.Neighbors {
				nb.Pos = Pos{}
				b.Neighbors = append(b.Neighbors, nb)
			}
			nn.BGP = &b
		}
		c.Nodes = append(c.Nodes, &nn)
	}
	for _, l := range t.Links {
		ll := *l
		ll.Pos = Pos{}
		c.Links = append(c.Links, &ll)
	}
	c.Tunnels = nil
	for _, tn := range t.Tunnels {
		tt := *tn
		tt.Pos = Pos{}
		c.Tunnels = append(c.Tunnels, &tt)
	}
	if t.Cloud != nil {
		c.Cloud = strippedCloud(t.Cloud)
	}
	return &c
}

// strippedCloud copies cloud intent without positions.
func strippedCloud(cl *Cloud) *Cloud {
	out := &Cloud{}
	for _, a := range cl.Accounts {
		aa := *a
		aa.Pos = Pos{}
		out.Accounts = append(out.Accounts, &aa)
	}
	for _, v := range cl.VPCs {
		vv := *v
		vv.Pos, vv.Subnets, vv.Workloads = Pos{}, nil, nil
		for _, s := range v.Subnets {
			ss := *s
			ss.Pos = Pos{}
			vv.Subnets = append(vv.Subnets, &ss)
		}
		for _, w := range v.Workloads {
			ww := *w
			ww.Pos = Pos{}
			vv.Workloads = append(vv.Workloads, &ww)
		}
		out.VPCs = append(out.VPCs, &vv)
	}
	for _, t := range cl.Transits {
		tt := *t
		tt.Pos = Pos{}
		tt.Approval.Approved = nil
		for _, r := range t.Approval.Approved {
			r.Pos = Pos{}
			tt.Approval.Approved = append(tt.Approval.Approved, r)
		}
		out.Transits = append(out.Transits, &tt)
	}
	for _, s := range cl.Spokes {
		ss := *s
		ss.Pos = Pos{}
		out.Spokes = append(out.Spokes, &ss)
	}
	for _, p := range cl.TransitPeerings {
		pp := *p
		pp.Pos = Pos{}
		out.TransitPeerings = append(out.TransitPeerings, &pp)
	}
	for _, s := range cl.Sites {
		ss := *s
		ss.Pos, ss.Connection.Pos, ss.Hosts = Pos{}, Pos{}, nil
		for _, h := range s.Hosts {
			hh := *h
			hh.Pos = Pos{}
			ss.Hosts = append(ss.Hosts, &hh)
		}
		out.Sites = append(out.Sites, &ss)
	}
	for _, d := range cl.Domains {
		dd := *d
		dd.Pos = Pos{}
		out.Domains = append(out.Domains, &dd)
	}
	for _, c := range cl.Connections {
		cc := *c
		cc.Pos = Pos{}
		out.Connections = append(out.Connections, &cc)
	}
	return out
}

// roundTrip marshals t, parses the result and checks it equals t.
func roundTrip(t testing.TB, topo *Topology) []byte {
	t.Helper()
	out, err := Marshal(topo)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	back, err := Parse("marshalled.yaml", out)
	if err != nil {
		t.Fatalf("Parse(Marshal(t)): %v\n%s", err, out)
	}
	if a, b := stripped(topo), stripped(back); !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip changed the topology:\n%s\nbefore: %+v\nafter:  %+v", out, a, b)
	}
	return out
}

// TestMarshalRoundTrip round-trips every good file and example.
func TestMarshalRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/good/*.yaml")
	examples, _ := filepath.Glob("*.yaml")
	for _, f := range append(files, examples...) {
		t.Run(f, func(t *testing.T) {
			topo, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, topo)
		})
	}
}

// TestMarshalGenerated round-trips a generated lab of hundreds of nodes.
func TestMarshalGenerated(t *testing.T) {
	topo := &Topology{Name: "big", Version: 1}
	topo.Nodes = append(topo.Nodes, &Node{Name: "core", Kind: KindRouter})
	for i := range 300 {
		lan := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i / 256), byte(i % 256), 0}), 24)
		gw := lan.Addr().Next()
		host := gw.Next()
		name := fmt.Sprintf("h%d", i)
		topo.Nodes = append(topo.Nodes, &Node{Name: name, Kind: KindHost,
			Routes: []Route{{To: netip.MustParsePrefix("0.0.0.0/0"), Via: gw}},
			Exec:   []string{"echo " + name, "true: 'quoted'"}})
		topo.Links = append(topo.Links, &Link{
			A:    Endpoint{"core", fmt.Sprintf("eth%d", i), netip.PrefixFrom(gw, 24)},
			B:    Endpoint{name, "eth0", netip.PrefixFrom(host, 24)},
			Rate: uint64(i+1) * 1_000_001,
			MTU:  1400 + i%3*100,
		})
	}
	topo.ApplyDefaults()
	out := roundTrip(t, topo)
	if len(out) < 300*100 {
		t.Errorf("output is only %d bytes", len(out))
	}
}

// TestMarshalInvalid checks that Marshal refuses what Parse would refuse.
func TestMarshalInvalid(t *testing.T) {
	_, err := Marshal(&Topology{Name: "Bad Name", Version: 1, Defaults: Defaults{MTU: 1500}, Nodes: []*Node{{Name: "h1", Kind: KindHost}}})
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 1 || list[0].Path != "name" {
		t.Errorf("Marshal(bad name) = %v, want one error at name", err)
	}
}

// TestMarshalFormat pins the output for a small topology.
func TestMarshalFormat(t *testing.T) {
	topo, err := Load("two-hosts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	topo.Links[0].Rate = 1_500_000
	topo.Nodes[0].Routes = []Route{{To: netip.MustParsePrefix("::/0"), Via: netip.MustParseAddr("10.0.0.2")}}
	got, err := Marshal(topo)
	if err == nil {
		t.Fatalf("Marshal accepted a route to ::/0 via an IPv4 next hop:\n%s", got)
	}
	topo.Nodes[0].Routes = nil
	got, err = Marshal(topo)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("testdata/marshal.golden")
	if *update {
		os.WriteFile("testdata/marshal.golden", got, 0o644)
		return
	}
	if string(got) != string(want) {
		t.Errorf("Marshal =\n%s\nwant\n%s", got, want)
	}
}
