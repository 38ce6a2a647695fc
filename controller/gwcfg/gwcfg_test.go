package gwcfg

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/gateway"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/wg"
)

func key(t *testing.T) wg.Key {
	t.Helper()
	k, err := wg.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var (
	pfx  = netip.MustParsePrefix
	addr = netip.MustParseAddr
)

// TestPassive: of two gateways that are neighbours, the one with the
// greater name waits; a router of another make is connected to; Passive
// waits whatever the names.
func TestPassive(t *testing.T) {
	for _, tc := range []struct {
		self, other string
		passive     bool
		want        bool
	}{
		{"gwb", "gwa", false, true},
		{"gwa", "gwb", false, false},
		{"gwa", "", false, false},  // another make: connect
		{"dc1", "", true, true},    // waits by role
		{"gwa", "gwb", true, true}, // Passive wins over the names
		{"transit-1", "dc1", false, true},
		{"t10", "t9", false, false}, // names compare as strings
	} {
		c := Compile(Gateway{Name: tc.self, ASN: 65001, RouterID: addr("10.0.0.1"),
			Neighbors: []Neighbor{{Name: "n0", Address: addr("10.0.0.2"), ASN: 65002, Gateway: tc.other, Passive: tc.passive}}})
		if got := c.Neighbors[0].Passive; got != tc.want {
			t.Errorf("%s with neighbour %q (passive %v): passive %v, want %v", tc.self, tc.other, tc.passive, got, tc.want)
		}
		if got := Waits(tc.self, tc.other); !tc.passive && got != tc.want {
			t.Errorf("Waits(%q, %q) = %v, want %v", tc.self, tc.other, got, tc.want)
		}
	}
}

// TestHPEGroup: an HPE group is several tunnels to one gateway, each with
// a port and inner addresses of its own and the same public key; the
// compiled configuration is one the gateway accepts.
func TestHPEGroup(t *testing.T) {
	self, peer := key(t), key(t)
	g := Gateway{Name: "transit-1", ASN: 65000, RouterID: addr("10.0.1.10"), Key: self}
	for i := range 3 {
		g.Tunnels = append(g.Tunnels, Tunnel{
			Name:        "t" + string(rune('0'+2-i)),
			PublicKey:   peer.PublicKey(),
			Endpoint:    netip.AddrPortFrom(addr("198.51.100.10"), uint16(51820+2-i)),
			Port:        uint16(51820 + 2 - i),
			Address:     netip.PrefixFrom(netip.AddrFrom4([4]byte{169, 254, 0, byte(2 * (2 - i))}), 31),
			PeerAddress: netip.AddrFrom4([4]byte{169, 254, 0, byte(2*(2-i) + 1)}),
			ASN:         65001,
		})
	}
	c := Compile(g)
	if len(c.Peers) != 3 {
		t.Fatalf("%d peers, want 3", len(c.Peers))
	}
	for i, p := range c.Peers {
		if want := "t" + string(rune('0'+i)); p.Name != want || p.ListenPort != uint16(51820+i) {
			t.Errorf("peer %d = %s port %d, want %s port %d", i, p.Name, p.ListenPort, want, 51820+i)
		}
		if p.PublicKey != peer.PublicKey().String() {
			t.Errorf("peer %s: public key %s, want the peer gateway's %s", p.Name, p.PublicKey, peer.PublicKey())
		}
	}
	if c.PrivateKey != self.String() {
		t.Error("private key not the gateway's")
	}
	gc, err := gateway.FromWire(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := gc.Validate(); err != nil {
		t.Errorf("the gateway refuses an HPE group: %v", err)
	}
}

// TestNormalForm: Compile orders peers and neighbours by name, fills the
// MTUs and the overlays' ports, masks, sorts and dedups prefixes and
// approved prefixes, puts segmentation in normal form, and leaves its
// input as it was.
func TestNormalForm(t *testing.T) {
	k, pk := key(t), key(t)
	desc := func() Gateway {
		return Gateway{
			Name: "gw", ASN: 65001, RouterID: addr("10.0.0.1"), Key: k,
			Prefixes: []netip.Prefix{pfx("10.2.0.0/16"), pfx("10.1.2.3/16"), pfx("10.1.0.0/16")},
			Tunnels: []Tunnel{
				{Name: "zeta", PublicKey: pk.PublicKey(), Port: 51821, Address: pfx("169.254.0.2/31"), PeerAddress: addr("169.254.0.3"), ASN: 65002},
				{Name: "alpha", PublicKey: pk.PublicKey(), Port: 51820, Address: pfx("169.254.0.0/31"), PeerAddress: addr("169.254.0.1"), ASN: 65002,
					Approval: Approval{Manual: true, Approved: []netip.Prefix{pfx("10.9.0.0/24"), pfx("10.8.0.1/24"), pfx("10.9.0.0/24")}}},
			},
			Neighbors: []Neighbor{
				{Name: "s1", Address: addr("169.254.10.1"), ASN: 65100,
					Overlay: &Overlay{VNI: 7, Local: addr("10.0.0.1"), Remote: addr("10.0.0.9"), Address: pfx("169.254.10.0/31")}},
				{Name: "n0", Address: addr("10.0.0.2"), ASN: 65003, Approval: Approval{Manual: true}},
			},
			Segmentation: &Segmentation{
				Domains: []Domain{{Name: "prod", Prefixes: []netip.Prefix{pfx("10.1.0.0/16")}}, {Name: "dev", Prefixes: []netip.Prefix{pfx("10.2.0.0/16")}},
					{Name: "shared", Prefixes: []netip.Prefix{pfx("10.3.0.0/16")}}},
				Connections: [][2]string{{"shared", "dev"}, {"prod", "shared"}},
			},
		}
	}
	in := desc()
	c := Compile(in)
	for _, tc := range []struct {
		what      string
		got, want any
	}{
		{"peers", names(c.Peers, func(p mgmt.Peer) string { return p.Name }), "alpha zeta"},
		{"neighbours", names(c.Neighbors, func(n mgmt.Neighbor) string { return n.Name }), "n0 s1"},
		{"mtu", c.MTU, wg.DefaultMTU},
		{"prefixes", c.Prefixes, []netip.Prefix{pfx("10.1.0.0/16"), pfx("10.2.0.0/16")}},
		{"alpha's approval", c.Peers[0].Approval, "manual"},
		{"alpha's approved", c.Peers[0].Approved, []netip.Prefix{pfx("10.8.0.0/24"), pfx("10.9.0.0/24")}},
		{"zeta's approval", c.Peers[1].Approval, ""},
		{"n0's approval", c.Neighbors[0].Approval + " " + strings.Repeat("x", len(c.Neighbors[0].Approved)), "manual "},
		{"overlay", *c.Neighbors[1].VXLAN, mgmt.VXLAN{VNI: 7, Local: addr("10.0.0.1"), Remote: addr("10.0.0.9"), Port: DefaultVXLANPort, Address: pfx("169.254.10.0/31"), MTU: DefaultVXLANMTU}},
		{"domains", names(c.Segmentation.Domains, func(d mgmt.Domain) string { return d.Name }), "dev prod shared"},
		{"connections", c.Segmentation.Connections, [][2]string{{"dev", "shared"}, {"prod", "shared"}}},
		{"input", in, desc()},
	} {
		if !equal(tc.got, tc.want) {
			t.Errorf("%s = %+v, want %+v", tc.what, tc.got, tc.want)
		}
	}
	if Compile(Gateway{Name: "gw", ASN: 1, RouterID: addr("10.0.0.1"), MTU: 1380}).MTU != 1380 {
		t.Error("a given MTU is not kept")
	}
	if Compile(Gateway{Name: "gw"}).Segmentation != nil {
		t.Error("no segmentation compiles to some")
	}

	// The gateway's own normal form changes nothing: a configuration read
	// back from it compares equal to the one compiled.
	gc, err := gateway.FromWire(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := gc.Validate(); err != nil {
		t.Fatalf("the gateway refuses the compiled configuration: %v", err)
	}
	back := gateway.ToWire(gc)
	slices.SortFunc(back.Peers, func(a, b mgmt.Peer) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(back.Neighbors, func(a, b mgmt.Neighbor) int { return strings.Compare(a.Name, b.Name) })
	if !equal(back, c) {
		jc, _ := json.Marshal(c)
		jb, _ := json.Marshal(back)
		t.Errorf("the gateway's normal form differs:\ncompiled  %s\nread back %s", jc, jb)
	}
}

// names joins the names of xs with spaces.
func names[T any](xs []T, name func(T) string) string {
	var s []string
	for _, x := range xs {
		s = append(s, name(x))
	}
	return strings.Join(s, " ")
}

// equal compares by wire form (JSON), as the controller does.
func equal(a, b any) bool {
	ja, err := json.Marshal(a)
	if err != nil {
		return false
	}
	jb, err := json.Marshal(b)
	return err == nil && string(ja) == string(jb)
}
