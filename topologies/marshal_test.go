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
	c.Nodes = unposed(t.Nodes, func(n *Node) {
		n.Pos = Pos{}
		n.Routes = unposedValues(n.Routes, func(r *Route) { r.Pos = Pos{} })
		if n.BGP != nil {
			b := *n.BGP
			b.Pos = Pos{}
			b.Neighbors = unposedValues(b.Neighbors, func(nb *Neighbor) { nb.Pos = Pos{} })
			n.BGP = &b
		}
	})
	c.Links = unposed(t.Links, func(l *Link) { l.Pos = Pos{} })
	c.Tunnels = unposed(t.Tunnels, func(tn *Tunnel) { tn.Pos = Pos{} })
	c.Site2Cloud = unposed(t.Site2Cloud, func(s *Site2Cloud) { s.Pos = Pos{} })
	if t.Cloud != nil {
		c.Cloud = strippedCloud(t.Cloud)
	}
	if t.Internet != nil {
		in := *t.Internet
		in.Pos = Pos{}
		in.Hosts = unposed(in.Hosts, func(h *InternetHost) { h.Pos = Pos{} })
		c.Internet = &in
	}
	if t.UserVPN != nil {
		u := *t.UserVPN
		u.Pos = Pos{}
		u.Gateways = unposed(u.Gateways, func(g *VPNGateway) { g.Pos = Pos{} })
		u.Laptops = unposed(u.Laptops, func(l *Laptop) { l.Pos = Pos{} })
		u.Users = unposed(u.Users, func(us *VPNUser) { us.Pos = Pos{} })
		u.Profiles = unposed(u.Profiles, func(p *VPNProfile) {
			p.Pos = Pos{}
			p.Rules = unposed(p.Rules, func(r *VPNRule) { r.Pos = Pos{} })
		})
		c.UserVPN = &u
	}
	return &c
}

// strippedCloud copies cloud intent without positions.
func strippedCloud(cl *Cloud) *Cloud {
	return &Cloud{
		Accounts: unposed(cl.Accounts, func(a *Account) {
			a.Pos, a.QuotasPos, a.CompartmentPos = Pos{}, Pos{}, Pos{}
			a.Quotas = unposed(a.Quotas, func(q *QuotaValue) { q.Pos = Pos{} })
		}),
		VPCs: unposed(cl.VPCs, func(v *VPC) {
			v.Pos = Pos{}
			v.Subnets = unposed(v.Subnets, func(s *Subnet) { s.Pos = Pos{} })
			v.Workloads = unposed(v.Workloads, func(w *Workload) { w.Pos = Pos{} })
			if v.Egress != nil {
				e := *v.Egress
				e.Pos = Pos{}
				e.Tags = unposed(e.Tags, func(t *EgressTag) {
					t.Pos = Pos{}
					t.Rules = unposed(t.Rules, func(r *EgressRule) { r.Pos = Pos{} })
				})
				v.Egress = &e
			}
			if v.PSF != nil {
				g := *v.PSF
				g.Pos = Pos{}
				v.PSF = &g
			}
		}),
		Transits: unposed(cl.Transits, func(t *Transit) {
			t.Pos = Pos{}
			t.Approval.Approved = unposedValues(t.Approval.Approved, func(r *ApprovedRoute) { r.Pos = Pos{} })
			t.FireNet = strippedFireNet(t.FireNet)
		}),
		Spokes:          unposed(cl.Spokes, func(s *Spoke) { s.Pos = Pos{} }),
		TransitPeerings: unposed(cl.TransitPeerings, func(p *TransitPeering) { p.Pos = Pos{} }),
		Sites: unposed(cl.Sites, func(s *Site) {
			s.Pos, s.Connection.Pos = Pos{}, Pos{}
			s.Hosts = unposed(s.Hosts, func(h *SiteHost) { h.Pos = Pos{} })
		}),
		Domains:     unposed(cl.Domains, func(d *Domain) { d.Pos = Pos{} }),
		Connections: unposed(cl.Connections, func(c *DomainConnection) { c.Pos = Pos{} }),
	}
}

// unposed copies what each item points to and applies zero to the copy
// (it clears the positions); nil when there are no items.
func unposed[T any](items []*T, zero func(*T)) []*T {
	var out []*T
	for _, it := range items {
		c := *it
		zero(&c)
		out = append(out, &c)
	}
	return out
}

// unposedValues copies items and applies zero to each copy; nil when
// there are no items.
func unposedValues[T any](items []T, zero func(*T)) []T {
	var out []T
	for _, it := range items {
		zero(&it)
		out = append(out, it)
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
