package gwconf

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/gwcfg"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/wg"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

func TestMain(m *testing.M) {
	code := m.Run()
	roottest.Cleanup()
	os.Exit(code)
}

func transitHA(t *testing.T, mutate func(string) string) *topologies.Topology {
	t.Helper()
	src, err := os.ReadFile("../../topologies/transit-ha.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	if mutate != nil {
		s = mutate(s)
	}
	topo, err := topologies.Parse("transit-ha.yaml", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

func TestConfigs(t *testing.T) {
	topo := transitHA(t, nil)
	cfgs, keys := configsWithKeys(t, topo)
	if len(cfgs) != 6 {
		t.Fatalf("%d gateway configs, want 6", len(cfgs))
	}
	sa1 := cfgs["sa1"]
	if sa1.ASN != 65201 || len(sa1.Peers) != 2 || len(sa1.Neighbors) != 1 || sa1.Prefixes[0] != netip.MustParsePrefix("10.1.0.0/16") {
		t.Fatalf("sa1 config = %+v", sa1)
	}
	// tunnels[1] is sa1 -- tgw2: port 51821 at both ends, 169.254.0.2/31 and .3.
	p := sa1.Peers[1]
	if p.Name != "tgw2" || p.ListenPort != 51821 || p.Endpoint != netip.MustParseAddrPort("100.64.0.6:51821") ||
		p.Address != netip.MustParsePrefix("169.254.0.2/31") || p.PeerAddress != netip.MustParseAddr("169.254.0.3") || p.ASN != 65100 {
		t.Errorf("sa1's peer tgw2 = %+v", p)
	}
	if p.PublicKey != keys["tgw2"].PublicKey().String() {
		t.Error("sa1 has not tgw2's public key for their tunnel")
	}
	back := cfgs["tgw2"].Peers[0] // tgw2's first tunnel is the one to sa1
	if back.Name != "sa1" || back.Address != netip.MustParsePrefix("169.254.0.3/31") || back.PeerAddress != netip.MustParseAddr("169.254.0.2") {
		t.Errorf("tgw2's peer sa1 = %+v", back)
	}
}

// TestS2CNeighbor: a site2cloud connection with bgp gives its gateway a
// neighbour at the site's inside address with the site's AS number, named
// so that Apply leaves it to WaitSite2Cloud.
func TestS2CNeighbor(t *testing.T) {
	topo, err := topologies.Load("../../cmd/mcnlab/testdata/s2c-bgp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfgs, _ := configsWithKeys(t, topo)
	var got []string
	for _, n := range cfgs["gw1"].Neighbors {
		got = append(got, fmt.Sprintf("%s %s %d s2c=%v", n.Name, n.Address, n.ASN, gwcfg.IsS2CNeighbor(n.Name)))
	}
	if want := "[n0 10.1.0.1 65301 s2c=false s2c0 169.254.10.2 65401 s2c=true]"; fmt.Sprint(got) != want {
		t.Errorf("gw1's neighbours %v, want %s", got, want)
	}
	for _, name := range []string{"s2c", "s2c01", "s2cx", "n2"} {
		if gwcfg.IsS2CNeighbor(name) {
			t.Errorf("%q taken for a site2cloud neighbour", name)
		}
	}
}

// TestNeighborGatewaysOneWaits: of two gateways that are plain BGP
// neighbours, the one with the greater name is passive; a neighbour that is
// a router of another make is connected to as usual.
func TestNeighborGatewaysOneWaits(t *testing.T) {
	src := `name: gwpair
version: 1
nodes:
  r: {kind: frr, bgp: {asn: 65003, neighbors: [{address: 10.0.0.5, asn: 65002}]}}
  gwa: {kind: gateway, bgp: {asn: 65001, neighbors: [{address: 10.0.0.2, asn: 65002}]}}
  gwb: {kind: gateway, bgp: {asn: 65002, neighbors: [{address: 10.0.0.1, asn: 65001}, {address: 10.0.0.6, asn: 65003}]}}
links:
  - endpoints: [{node: gwa, interface: b, address: 10.0.0.1/30}, {node: gwb, interface: a, address: 10.0.0.2/30}]
  - endpoints: [{node: gwb, interface: r, address: 10.0.0.5/30}, {node: r, interface: b, address: 10.0.0.6/30}]
`
	topo, err := topologies.Parse("gwpair.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cfgs, err := Configs(topo, Keys{"gwa": mustKey(t), "gwb": mustKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	if n := cfgs["gwa"].Neighbors; len(n) != 1 || n[0].Passive {
		t.Errorf("gwa's neighbours = %+v; want gwb, connected to", n)
	}
	if n := cfgs["gwb"].Neighbors; len(n) != 2 || !n[0].Passive || n[1].Passive {
		t.Errorf("gwb's neighbours = %+v; want gwa waited for, r connected to", n)
	}
}

// TestTransitHA deploys the transit architecture (on-prem FRR or BIRD, a
// transit gateway pair, two spoke gateway pairs) and proves with packets
// that every host reaches every other.
func TestTransitHA(t *testing.T) {
	roottest.Require(t)
	for _, onprem := range []string{"frr", "bird"} {
		t.Run(onprem, func(t *testing.T) {
			for _, p := range []string{emulator.FRRDir + "/bgpd", emulator.BIRDBin} {
				if _, err := os.Stat(p); err != nil {
					roottest.Missing(t, "%s not installed (Debian frr, bird2)", p)
				}
			}
			roottest.UseTempState(t)
			lab := roottest.LabName(t, "th")
			topo := transitHA(t, func(s string) string {
				return strings.Replace(s, "  dc:\n    kind: frr", "  dc:\n    kind: "+onprem, 1)
			})
			plan, err := emulator.NewPlan(lab, topo)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = emulator.Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			if err := emulator.Deploy(ctx, plan, emulator.Options{GatewayCommand: []string{roottest.MCNLab(t)}}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if err := Apply(ctx, lab, socketDialer{lab}, topo, nil); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: gateways converged in %s", onprem, time.Since(start).Round(time.Millisecond))
			hosts := map[string]string{"dch": "10.10.0.10", "ha": "10.1.1.10", "hb": "10.2.1.10"}
			for src := range hosts {
				for dst, addr := range hosts {
					if src == dst {
						continue
					}
					pctx, pcancel := context.WithTimeout(ctx, 20*time.Second)
					if _, err := probe.WaitReachable(pctx, emulator.NamespaceName(lab, src), netip.MustParseAddr(addr), 100*time.Millisecond); err != nil {
						t.Errorf("%s -> %s: %v", src, dst, err)
					}
					pcancel()
				}
			}
		})
	}
}

func mustKey(t *testing.T) wg.Key {
	t.Helper()
	k, err := wg.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// socketDialer reaches a lab's gateways at their management sockets, as
// lab.Nodes does (which this package's tests may not import).
type socketDialer struct{ lab string }

func (d socketDialer) DialGateway(id string) (*mgmt.Client, error) {
	return mgmt.NewClient(emulator.GatewaySocket(d.lab, id)), nil
}

// TestS2CNeighborHA: with an HA gateway, gw1 peers with the site's inside
// address on the tunnel (169.254.10.2) and gw2 with its address on the
// backup tunnel (169.254.10.6, the /30 after inside).
func TestS2CNeighborHA(t *testing.T) {
	topo, err := topologies.Load("../../cmd/mcnlab/testdata/s2c-bgp-ha.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfgs, _ := configsWithKeys(t, topo)
	for gw, want := range map[string]string{"gw1": "[n0 10.1.0.1 65301 s2c0 169.254.10.2 65401]", "gw2": "[n0 10.1.0.5 65301 s2c0 169.254.10.6 65401]"} {
		var got []string
		for _, n := range cfgs[gw].Neighbors {
			got = append(got, fmt.Sprintf("%s %s %d", n.Name, n.Address, n.ASN))
		}
		if fmt.Sprint(got) != want {
			t.Errorf("%s's neighbours %v, want %s", gw, got, want)
		}
	}
}

// configsWithKeys is Configs of topo with a fresh key for each gateway,
// and the keys.
func configsWithKeys(t *testing.T, topo *topologies.Topology) (map[string]mgmt.Config, Keys) {
	t.Helper()
	keys := Keys{}
	for _, g := range Gateways(topo) {
		keys[g.Name] = mustKey(t)
	}
	cfgs, err := Configs(topo, keys)
	if err != nil {
		t.Fatal(err)
	}
	return cfgs, keys
}
