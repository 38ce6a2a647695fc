package gateway

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/bgp"
	"github.com/mcnlab/mcnlab/dataplane/flowexport"
	"github.com/mcnlab/mcnlab/dataplane/wg"
)

func testKey(b byte) wg.Key {
	var k wg.Key
	k[0] = b
	return k
}

func testPeer(n int) Peer {
	return Peer{
		Name:        fmt.Sprintf("gw%d", n),
		PublicKey:   testKey(byte(n)),
		Endpoint:    netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, 0, byte(n)}), 51820),
		ListenPort:  uint16(51800 + n),
		Address:     netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 255, byte(n), 0}), 31),
		PeerAddress: netip.AddrFrom4([4]byte{10, 255, byte(n), 1}),
		ASN:         uint32(65000 + n),
	}
}

func testConfig(peers ...int) Config {
	c := Config{
		Name: "gw0", ASN: 65000, RouterID: netip.MustParseAddr("10.255.255.0"),
		Prefixes:   []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")},
		PrivateKey: testKey(100),
		Neighbors:  []Neighbor{{Name: "onprem", Address: netip.MustParseAddr("192.0.2.1"), ASN: 65100}},
	}
	for _, n := range peers {
		c.Peers = append(c.Peers, testPeer(n))
	}
	return c
}

func mustValid(t *testing.T, c Config) *Config {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return &c
}

func TestDiff(t *testing.T) {
	base := testConfig(1, 2, 3)
	for _, tc := range []struct {
		name   string
		cur    *Config
		change func(c *Config)
		want   string
	}{
		{"first config", nil, func(*Config) {},
			"{Restart:true Rekey:false MTU:false RemovePeers:[] AddPeers:[gw1 gw2 gw3] TunnelPeers:[] BGPPeers:[] RemoveNeighbors:[] AddNeighbors:[onprem] UpdateNeighbors:[] Overlays:[] Withdraw:[] Advertise:[10.0.0.0/24] Segmentation:false FireNet:false FlowExport:false}"},
		{"same", &base, func(*Config) {}, "{}"},
		{"add a peer", &base, func(c *Config) { c.Peers = append(c.Peers, testPeer(4)) }, "{AddPeers:[gw4]}"},
		{"remove a peer", &base, func(c *Config) { c.Peers = c.Peers[1:] }, "{RemovePeers:[gw1]}"},
		{"peer order does not matter", &base, func(c *Config) { c.Peers[0], c.Peers[2] = c.Peers[2], c.Peers[0] }, "{}"},
		{"new endpoint", &base, func(c *Config) { c.Peers[1].Endpoint = netip.MustParseAddrPort("198.18.9.9:1") }, "{TunnelPeers:[gw2]}"},
		{"new peer key", &base, func(c *Config) { c.Peers[1].PublicKey = testKey(77) }, "{TunnelPeers:[gw2]}"},
		{"new filter", &base, func(c *Config) {
			c.Peers[2].Import = []bgp.PrefixFilter{{Prefix: netip.MustParsePrefix("10.0.0.0/8"), LE: 24}}
		}, "{BGPPeers:[gw3]}"},
		{"new prepend and port", &base, func(c *Config) { c.Peers[0].Prepend = 2; c.Peers[0].ListenPort = 1 }, "{TunnelPeers:[gw1] BGPPeers:[gw1]}"},
		{"new inner address re-creates", &base, func(c *Config) {
			c.Peers[0].Address = netip.MustParsePrefix("10.254.0.0/31")
			c.Peers[0].PeerAddress = netip.MustParseAddr("10.254.0.1")
		}, "{RemovePeers:[gw1] AddPeers:[gw1]}"},
		{"rename re-creates", &base, func(c *Config) { c.Peers[0].Name = "paris" }, "{RemovePeers:[gw1] AddPeers:[paris]}"},
		{"private key", &base, func(c *Config) { c.PrivateKey = testKey(101) }, "{Rekey:true}"},
		{"mtu", &base, func(c *Config) { c.MTU = 1380 }, "{MTU:true}"},
		{"asn restarts", &base, func(c *Config) { c.ASN = 65099 },
			"{Restart:true Rekey:false MTU:false RemovePeers:[] AddPeers:[gw1 gw2 gw3] TunnelPeers:[] BGPPeers:[] RemoveNeighbors:[] AddNeighbors:[onprem] UpdateNeighbors:[] Overlays:[] Withdraw:[] Advertise:[10.0.0.0/24] Segmentation:false FireNet:false FlowExport:false}"},
		{"prefixes", &base, func(c *Config) { c.Prefixes = []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")} },
			"{Withdraw:[10.0.0.0/24] Advertise:[10.9.0.0/16]}"},
		{"neighbor update", &base, func(c *Config) { c.Neighbors[0].Passive = true }, "{UpdateNeighbors:[onprem]}"},
		{"neighbor address", &base, func(c *Config) { c.Neighbors[0].Address = netip.MustParseAddr("192.0.2.9") },
			"{RemoveNeighbors:[onprem] AddNeighbors:[onprem]}"},
		{"neighbor removed", &base, func(c *Config) { c.Neighbors = nil }, "{RemoveNeighbors:[onprem]}"},
		{"approval updates in place", &base, func(c *Config) {
			c.Neighbors[0].Approval = ApprovalManual
			c.Neighbors[0].Approved = []netip.Prefix{netip.MustParsePrefix("10.100.0.0/24")}
		}, "{UpdateNeighbors:[onprem]}"},
		{"peer approval updates in place", &base, func(c *Config) { c.Peers[1].Approval = ApprovalManual }, "{BGPPeers:[gw2]}"},
		{"peer approved updates in place", &base, func(c *Config) {
			c.Peers[1].Approved = []netip.Prefix{netip.MustParsePrefix("10.101.0.0/24")}
		}, "{BGPPeers:[gw2]}"},
		{"vxlan added re-creates", &base, func(c *Config) { c.Neighbors[0] = vxlanNeighbor() },
			"{RemoveNeighbors:[onprem] AddNeighbors:[onprem]}"},
		{"segmentation", &base, func(c *Config) { c.Segmentation = testSegmentation() }, "{Segmentation:true}"},
		{"firenet", &base, func(c *Config) { c.FireNet = fireNetConfig() }, "{FireNet:true}"},
		{"flow export", &base, func(c *Config) {
			c.FlowExport = &FlowExport{Config: flowexport.Config{Collector: netip.MustParseAddrPort("127.0.0.1:4739")}}
		}, "{FlowExport:true}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cur *Config
			if tc.cur != nil {
				cur = mustValid(t, cloneConfig(*tc.cur))
			}
			want := cloneConfig(base)
			tc.change(&want)
			p := diff(cur, mustValid(t, want))
			if got := compact(p); got != tc.want {
				t.Errorf("diff = %s\nwant   %s", got, tc.want)
			}
			if (tc.want == "{}") != p.Empty() {
				t.Errorf("Empty() = %v for %s", p.Empty(), tc.want)
			}
		})
	}
}

func vxlanNeighbor() Neighbor {
	return Neighbor{
		Name: "onprem", Address: netip.MustParseAddr("10.254.0.2"), ASN: 65100,
		VXLAN: &VXLAN{
			VNI: 100, Local: netip.MustParseAddr("198.18.0.1"), Remote: netip.MustParseAddr("198.18.0.2"),
			Address: netip.MustParsePrefix("10.254.0.1/30"),
		},
	}
}

func testSegmentation() *Segmentation {
	p := netip.MustParsePrefix
	return &Segmentation{
		Domains: []Domain{
			{Name: "prod", Prefixes: []netip.Prefix{p("10.1.0.0/16")}},
			{Name: "dev", Prefixes: []netip.Prefix{p("10.2.0.0/16"), p("2001:db8:2::/48")}},
			{Name: "shared", Prefixes: []netip.Prefix{p("10.3.0.0/16")}},
		},
		Connections: [][2]string{{"shared", "prod"}, {"dev", "shared"}},
	}
}

func TestDiffVXLANAndSegmentation(t *testing.T) {
	base := testConfig(1)
	base.Neighbors[0] = vxlanNeighbor()
	base.Segmentation = testSegmentation()
	for _, tc := range []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"same", func(*Config) {}, "{}"},
		{"same after defaults filled", func(c *Config) { c.Neighbors[0].VXLAN.Port = DefaultVXLANPort }, "{}"},
		{"vxlan mtu re-creates only the overlay", func(c *Config) { c.Neighbors[0].VXLAN.MTU = 1400 }, "{Overlays:[onprem]}"},
		{"vxlan remote and policy", func(c *Config) {
			c.Neighbors[0].VXLAN.Remote = netip.MustParseAddr("198.18.0.9")
			c.Neighbors[0].Passive = true
		}, "{UpdateNeighbors:[onprem] Overlays:[onprem]}"},
		{"overlay address re-creates the session", func(c *Config) {
			c.Neighbors[0].VXLAN.Address = netip.MustParsePrefix("10.254.0.2/30")
			c.Neighbors[0].Address = netip.MustParseAddr("10.254.0.1")
		}, "{RemoveNeighbors:[onprem] AddNeighbors:[onprem]}"},
		{"vxlan removed re-creates", func(c *Config) { c.Neighbors[0].VXLAN = nil }, "{RemoveNeighbors:[onprem] AddNeighbors:[onprem]}"},
		{"approved", func(c *Config) { c.Neighbors[0].Approved = []netip.Prefix{netip.MustParsePrefix("10.9.0.0/24")} },
			"{UpdateNeighbors:[onprem]}"},
		{"connection order does not matter", func(c *Config) { c.Segmentation.Connections = [][2]string{{"shared", "dev"}, {"prod", "shared"}} }, "{}"},
		{"connection removed", func(c *Config) { c.Segmentation.Connections = c.Segmentation.Connections[:1] }, "{Segmentation:true}"},
		{"segmentation removed", func(c *Config) { c.Segmentation = nil }, "{Segmentation:true}"},
		{"asn restart keeps segmentation", func(c *Config) { c.ASN = 65099 },
			"{Restart:true Rekey:false MTU:false RemovePeers:[] AddPeers:[gw1] TunnelPeers:[] BGPPeers:[] RemoveNeighbors:[] AddNeighbors:[onprem] UpdateNeighbors:[] Overlays:[] Withdraw:[] Advertise:[10.0.0.0/24] Segmentation:false FireNet:false FlowExport:false}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur := mustValid(t, cloneConfig(base))
			want := cloneConfig(base)
			tc.change(&want)
			p := diff(cur, mustValid(t, want))
			if got := compact(p); got != tc.want {
				t.Errorf("diff = %s\nwant   %s", got, tc.want)
			}
		})
	}
}

func TestSegmentationDenied(t *testing.T) {
	s := testSegmentation()
	if err := s.validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(s.Connections), "[[dev shared] [prod shared]]"; got != want {
		t.Errorf("normalised connections = %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(s.denied()), "[[dev prod] [prod dev]]"; got != want {
		t.Errorf("denied = %s, want %s", got, want)
	}
	s.Connections = nil
	if got, want := len(s.denied()), 6; got != want {
		t.Errorf("with no connections, %d denied pairs (%v), want %d", got, s.denied(), want)
	}
}

func TestMatchPrefixOutermost(t *testing.T) {
	p := netip.MustParsePrefix
	got := outermost([]netip.Prefix{p("10.0.0.0/8"), p("10.1.0.0/16"), p("11.0.0.0/24"), p("2001:db8::/32")})
	if want := []netip.Prefix{p("10.0.0.0/8"), p("11.0.0.0/24"), p("2001:db8::/32")}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("outermost = %v, want %v", got, want)
	}
}

// compact prints a plan without its empty fields, except for restarts
// where the whole plan is shown.
func compact(p plan) string {
	s := fmt.Sprintf("%+v", p)
	if p.Restart {
		return s
	}
	var keep []string
	for _, f := range strings.Fields(strings.Trim(s, "{}")) {
		if !strings.HasSuffix(f, ":[]") && !strings.HasSuffix(f, ":false") {
			keep = append(keep, f)
		}
	}
	// Fields with several elements were split on spaces: rejoin them.
	return "{" + strings.Join(keep, " ") + "}"
}

// validateCase changes a valid testConfig(1, 2) and names the error that
// Validate must then return ("" for still valid).
type validateCase struct {
	name   string
	change func(c *Config)
	want   string // substring of the error; "" means valid
}

// configCases: the gateway's own settings, its peers and its neighbours'
// sessions.
var configCases = []validateCase{
	{"valid", func(*Config) {}, ""},
	{"/30 ok", func(c *Config) {
		c.Peers[0].Address = netip.MustParsePrefix("10.255.1.1/30")
		c.Peers[0].PeerAddress = netip.MustParseAddr("10.255.1.2")
	}, ""},
	{"ipv6 /127 ok", func(c *Config) {
		c.Peers[0].Address = netip.MustParsePrefix("fd00::/127")
		c.Peers[0].PeerAddress = netip.MustParseAddr("fd00::1")
	}, ""},
	{"no asn", func(c *Config) { c.ASN = 0 }, "asn must be set"},
	{"router id v6", func(c *Config) { c.RouterID = netip.MustParseAddr("::1") }, "router_id"},
	{"no key", func(c *Config) { c.PrivateKey = wg.Key{} }, "private_key"},
	{"bad mtu", func(c *Config) { c.MTU = 100 }, "mtu 100"},
	{"/24 tunnel", func(c *Config) { c.Peers[0].Address = netip.MustParsePrefix("10.255.1.0/24") }, "want a /31 or /30"},
	{"peer outside", func(c *Config) { c.Peers[0].PeerAddress = netip.MustParseAddr("10.9.9.9") }, "must be the other end"},
	{"peer is self", func(c *Config) { c.Peers[0].PeerAddress = c.Peers[0].Address.Addr() }, "must be the other end"},
	{"/30 network address", func(c *Config) {
		c.Peers[0].Address = netip.MustParsePrefix("10.255.1.0/30")
		c.Peers[0].PeerAddress = netip.MustParseAddr("10.255.1.1")
	}, "network or broadcast"},
	{"overlap", func(c *Config) {
		c.Peers[1].Address, c.Peers[1].PeerAddress = c.Peers[0].Address, c.Peers[0].PeerAddress
	}, "overlaps"},
	{"dup name", func(c *Config) { c.Peers[1].Name = "gw1" }, "name already used"},
	{"long name", func(c *Config) { c.Peers[1].Name = "thirteen-long" }, "name must match"},
	{"dup port", func(c *Config) { c.Peers[1].ListenPort = c.Peers[0].ListenPort }, "listen_port 51801 already used"},
	{"no port", func(c *Config) { c.Peers[1].ListenPort = 0 }, "listen_port must be set"},
	{"neighbor on a session address", func(c *Config) { c.Neighbors[0].Address = c.Peers[0].PeerAddress }, "already used"},
	{"bad filter", func(c *Config) {
		c.Peers[0].Export = []bgp.PrefixFilter{{Prefix: netip.MustParsePrefix("10.0.0.0/16"), GE: 8}}
	}, "export[0]"},
	{"prepend", func(c *Config) { c.Neighbors[0].Prepend = 17 }, "prepend 17"},
	{"approval manual", func(c *Config) {
		c.Neighbors[0].Approval = ApprovalManual
		c.Neighbors[0].Approved = []netip.Prefix{netip.MustParsePrefix("10.100.0.1/24")}
	}, ""},
	{"approval unknown", func(c *Config) { c.Neighbors[0].Approval = "sometimes" }, `approval "sometimes" must be "auto" or "manual"`},
	{"approved invalid", func(c *Config) { c.Neighbors[0].Approved = []netip.Prefix{{}} }, "approved[0] invalid"},
	{"peer approval unknown", func(c *Config) { c.Peers[1].Approval = "later" }, `peers[1] "gw2": approval "later" must be "auto" or "manual"`},
	{"peer approved invalid", func(c *Config) { c.Peers[1].Approved = []netip.Prefix{{}} }, `peers[1] "gw2": approved[0] invalid`},
}

// overlayCases: neighbours over a VXLAN overlay.
var overlayCases = []validateCase{
	{"vxlan ok", func(c *Config) { c.Neighbors[0] = vxlanNeighbor() }, ""},
	{"vxlan /31 ok", func(c *Config) {
		c.Neighbors[0] = vxlanNeighbor()
		c.Neighbors[0].VXLAN.Address = netip.MustParsePrefix("10.254.0.2/31")
		c.Neighbors[0].Address = netip.MustParseAddr("10.254.0.3")
	}, ""},
	{"vxlan neighbour outside", func(c *Config) {
		c.Neighbors[0] = vxlanNeighbor()
		c.Neighbors[0].Address = netip.MustParseAddr("192.0.2.1")
	}, "address 192.0.2.1 must lie inside vxlan.address 10.254.0.0/30"},
	{"vxlan neighbour is self", func(c *Config) {
		c.Neighbors[0] = vxlanNeighbor()
		c.Neighbors[0].Address = netip.MustParseAddr("10.254.0.1")
	}, "must lie inside vxlan.address"},
	{"vxlan /24", func(c *Config) {
		c.Neighbors[0] = vxlanNeighbor()
		c.Neighbors[0].VXLAN.Address = netip.MustParsePrefix("10.254.0.1/24")
	}, "want a /31 or /30"},
	{"vxlan vni", func(c *Config) { c.Neighbors[0] = vxlanNeighbor(); c.Neighbors[0].VXLAN.VNI = 1 << 24 }, "vxlan.vni 16777216 out of range"},
	{"vxlan no remote", func(c *Config) { c.Neighbors[0] = vxlanNeighbor(); c.Neighbors[0].VXLAN.Remote = netip.Addr{} }, "vxlan.local and vxlan.remote must be set"},
	{"vxlan mtu", func(c *Config) { c.Neighbors[0] = vxlanNeighbor(); c.Neighbors[0].VXLAN.MTU = 100 }, "vxlan.mtu 100"},
	{"vxlan local address", func(c *Config) {
		c.Neighbors[0] = vxlanNeighbor()
		c.Neighbors[0].LocalAddress = netip.MustParseAddr("198.18.0.1")
	}, "must be the overlay address 10.254.0.1"},
	{"vxlan overlaps a tunnel", func(c *Config) {
		c.Neighbors[0] = vxlanNeighbor()
		c.Neighbors[0].VXLAN.Address = netip.MustParsePrefix("10.255.1.0/31")
		c.Neighbors[0].Address = netip.MustParseAddr("10.255.1.1")
	}, "overlaps 10.255.1.0/31"},
	{"vxlan same vni twice", func(c *Config) {
		c.Neighbors[0] = vxlanNeighbor()
		n := vxlanNeighbor()
		n.Name, n.Address = "onprem2", netip.MustParseAddr("10.254.0.6")
		n.VXLAN.Address = netip.MustParsePrefix("10.254.0.5/30")
		c.Neighbors = append(c.Neighbors, n)
	}, "vxlan vni 100 port 4789 already used"},
}

// segmentationCases: the segmentation policy.
var segmentationCases = []validateCase{
	{"segmentation ok", func(c *Config) { c.Segmentation = testSegmentation() }, ""},
	{"segmentation bad name", func(c *Config) {
		c.Segmentation = testSegmentation()
		c.Segmentation.Domains[0].Name = "Prod"
	}, `domains[0] "Prod": name must match`},
	{"segmentation dup name", func(c *Config) {
		c.Segmentation = testSegmentation()
		c.Segmentation.Domains[1].Name = "prod"
	}, `domains[1] "prod": name already used`},
	{"segmentation unknown domain", func(c *Config) {
		c.Segmentation = testSegmentation()
		c.Segmentation.Connections = append(c.Segmentation.Connections, [2]string{"prod", "qa"})
	}, `no domain "qa"`},
	{"segmentation overlap", func(c *Config) {
		c.Segmentation = testSegmentation()
		c.Segmentation.Domains[2].Prefixes = append(c.Segmentation.Domains[2].Prefixes, netip.MustParsePrefix("10.1.2.0/24"))
	}, `domain "shared" prefix 10.1.2.0/24 overlaps domain "prod" prefix 10.1.0.0/16`},
	{"segmentation self connection", func(c *Config) {
		c.Segmentation = testSegmentation()
		c.Segmentation.Connections = [][2]string{{"prod", "prod"}}
	}, `connects domain "prod" to itself`},
}

func TestValidate(t *testing.T) {
	for _, tc := range slices.Concat(configCases, overlayCases, segmentationCases) {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(1, 2)
			tc.change(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate: %v; want valid", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate: %v; want an error containing %q", err, tc.want)
			}
		})
	}
	c := testConfig()
	if err := c.Validate(); err != nil || c.MTU != wg.DefaultMTU {
		t.Errorf("MTU default: %d, %v; want %d", c.MTU, err, wg.DefaultMTU)
	}
}

// A peer's approved prefixes are masked, sorted and deduplicated, as a
// neighbour's are, and its BGP session gets them under manual approval.
func TestPeerApprovalNormalForm(t *testing.T) {
	c := testConfig(1)
	c.Peers[0].Approval = ApprovalManual
	c.Peers[0].Approved = []netip.Prefix{netip.MustParsePrefix("10.102.0.9/24"), netip.MustParsePrefix("10.101.0.0/24"), netip.MustParsePrefix("10.102.0.0/24")}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.101.0.0/24"), netip.MustParsePrefix("10.102.0.0/24")}
	if fmt.Sprint(c.Peers[0].Approved) != fmt.Sprint(want) {
		t.Errorf("approved = %v, want %v", c.Peers[0].Approved, want)
	}
	if pc := peerBGP(c.Peers[0]); !pc.ManualApproval || fmt.Sprint(pc.Approved) != fmt.Sprint(want) {
		t.Errorf("peer session config = %+v; want manual approval of %v", pc, want)
	}
	if pc := peerBGP(testPeer(2)); pc.ManualApproval {
		t.Errorf("a peer without approval gets a session under manual approval: %+v", pc)
	}
}
