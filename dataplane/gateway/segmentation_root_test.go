package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/topologies"
)

// segTopology is one gateway g forwarding between three hosts, each on
// its own LAN: a (prod) on 10.1.0.0/24, b (dev) on 10.2.0.0/24 and c
// (shared) on 10.3.0.0/24.
func segTopology(l *lab) *topologies.Topology {
	p, a := netip.MustParsePrefix, netip.MustParseAddr
	topo := &topologies.Topology{Name: l.name, Version: 1, Defaults: topologies.Defaults{MTU: 1500},
		Nodes: []*topologies.Node{{Name: "g", Kind: topologies.KindRouter}}}
	for i, h := range []string{"a", "b", "c"} {
		topo.Nodes = append(topo.Nodes, &topologies.Node{Name: h, Kind: topologies.KindHost,
			Routes: []topologies.Route{{To: p("0.0.0.0/0"), Via: a(fmt.Sprintf("10.%d.0.1", i+1))}}})
		topo.Links = append(topo.Links, &topologies.Link{
			A: topologies.Endpoint{Node: h, Interface: "eth0", Address: p(fmt.Sprintf("10.%d.0.10/24", i+1))},
			B: topologies.Endpoint{Node: "g", Interface: fmt.Sprintf("eth%d", i+1), Address: p(fmt.Sprintf("10.%d.0.1/24", i+1))},
		})
	}
	return topo
}

// segProbe drives one segmentation test: PUTs to gateway g and probes
// between the hosts of segTopology.
type segProbe struct {
	t *testing.T
	l *lab
	g *gw
}

func (sp segProbe) ns(h string) string { return emulator.NamespaceName(sp.l.name, h) }

// reach waits until from reaches to.
func (sp segProbe) reach(from string, to netip.Addr) {
	sp.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()
	if _, err := probe.WaitReachable(ctx, sp.ns(from), to, 200*time.Millisecond); err != nil {
		sp.t.Fatalf("%s -> %s: %v", from, to, err)
	}
}

// put sets the gateway's segmentation policy (nil: none).
func (sp segProbe) put(seg *mgmt.Segmentation) {
	sp.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()
	_, err := sp.g.client.PutConfig(ctx, mgmt.Config{Name: "g", ASN: 65000, RouterID: netip.MustParseAddr("10.255.255.1"), Segmentation: seg})
	if err != nil {
		sp.t.Fatalf("PUT segmentation %+v: %v", seg, err)
	}
}

// drops reads the gateway's drop counters by "from>to".
func (sp segProbe) drops() map[string]mgmt.DomainDrops {
	sp.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sp.g.client.Status(ctx)
	if err != nil {
		sp.t.Fatal(err)
	}
	m := map[string]mgmt.DomainDrops{}
	for _, d := range st.Segmentation {
		m[d.From+">"+d.To] = d
	}
	return m
}

// sent is how many pings blocked sends.
const sent = 3

// blocked pings to from h and checks that none is answered.
func (sp segProbe) blocked(h string, to netip.Addr) {
	sp.t.Helper()
	p, err := probe.NewPinger(sp.ns(h))
	if err != nil {
		sp.t.Fatal(err)
	}
	defer p.Close()
	for seq := 1; seq <= sent; seq++ {
		if rtt, err := p.Ping(to, seq, 300*time.Millisecond); err == nil {
			sp.t.Fatalf("%s -> %s answered in %s; want dropped by segmentation", h, to, rtt)
		}
	}
}

// refuseOverlap checks that overlapping domains are refused with 400
// naming both, and that nothing changes.
func (sp segProbe) refuseOverlap() {
	t := sp.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()
	_, err := sp.g.client.PutConfig(ctx, mgmt.Config{Name: "g", ASN: 65000, RouterID: netip.MustParseAddr("10.255.255.1"),
		Segmentation: &mgmt.Segmentation{Domains: []mgmt.Domain{
			{Name: "prod", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
			{Name: "dev", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.2.0.0/16")}},
		}}})
	var apiErr *mgmt.APIError
	wantErr := `segmentation: domain "dev" prefix 10.2.0.0/16 overlaps domain "prod" prefix 10.0.0.0/8`
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.Message, wantErr) {
		t.Fatalf("PUT overlapping domains: %v; want 400 with %q", err, wantErr)
	}
	if c, err := sp.g.client.Config(ctx); err != nil || c.Segmentation != nil {
		t.Errorf("config after the refused PUT: %+v, %v; want no segmentation", c, err)
	}
}

// threeDomains is prod, dev and shared on a's, b's and c's LANs, with
// the given connections.
func threeDomains(conns ...[2]string) *mgmt.Segmentation {
	return &mgmt.Segmentation{
		Domains: []mgmt.Domain{
			{Name: "prod", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/24")}},
			{Name: "dev", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.2.0.0/24")}},
			{Name: "shared", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.3.0.0/24")}},
		},
		Connections: conns,
	}
}

// TestSegmentationDropsBetweenDomains: prod (a) cannot reach dev (b), and
// the gateway's prod->dev counter grows by exactly the pings sent; prod
// reaches shared (c) while prod-shared is connected, and not once a new
// PUT removes the connection; removing segmentation lets everything
// through again. An invalid policy is refused first.
func TestSegmentationDropsBetweenDomains(t *testing.T) {
	l := deployLab(t, "sg", false, segTopology)
	sp := segProbe{t: t, l: l, g: l.startDaemon(t, "g")}
	hostA, hostB, hostC := netip.MustParseAddr("10.1.0.10"), netip.MustParseAddr("10.2.0.10"), netip.MustParseAddr("10.3.0.10")
	// Every pair forwards before there is a policy.
	sp.reach("a", hostB)
	sp.reach("a", hostC)
	sp.refuseOverlap()

	sp.put(threeDomains([2]string{"shared", "prod"}))
	before := sp.drops()
	want := []string{"dev>prod", "dev>shared", "prod>dev", "shared>dev"}
	if len(before) != len(want) {
		t.Fatalf("status segmentation = %v; want exactly the denied pairs %v", before, want)
	}
	for _, k := range want {
		if _, ok := before[k]; !ok {
			t.Fatalf("status segmentation = %v; want exactly the denied pairs %v", before, want)
		}
	}
	sp.blocked("a", hostB)
	after := sp.drops()
	// An echo request is 40 bytes: IPv4 20, ICMP 8, probe payload 12.
	if got := after["prod>dev"]; got.Packets-before["prod>dev"].Packets != sent || got.Bytes-before["prod>dev"].Bytes != sent*40 {
		t.Errorf("prod->dev drops went from %+v to %+v; want +%d packets, +%d bytes", before["prod>dev"], got, sent, sent*40)
	}
	if got := after["dev>prod"]; got.Packets != 0 {
		t.Errorf("dev->prod drops = %+v; nothing was sent that way", got)
	}
	sp.reach("a", hostC)
	sp.reach("c", hostA)

	// Without the connection, prod and shared are cut off too; the
	// prod->dev counter survives the replacement.
	sp.put(threeDomains())
	sp.blocked("a", hostC)
	final := sp.drops()
	if got := final["prod>shared"]; got.Packets != sent {
		t.Errorf("prod->shared drops = %+v after the connection went; want %d packets", got, sent)
	}
	if got := final["prod>dev"]; got.Packets != after["prod>dev"].Packets {
		t.Errorf("prod->dev drops = %+v after replacing the policy; want %d kept", got, after["prod>dev"].Packets)
	}

	// Removing segmentation deletes the table: everything passes again.
	sp.put(nil)
	if d := sp.drops(); len(d) != 0 {
		t.Errorf("status segmentation after removing it = %v; want none", d)
	}
	sp.reach("a", hostB)
	sp.reach("b", hostC)
}
