package intent

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/wg"
	"github.com/mcnlab/mcnlab/topologies"
)

func demo(t *testing.T) *Plan {
	t.Helper()
	top, err := topologies.Load("../../topologies/aws-transit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// live makes up instances, names and keys for every gateway.
func live(t *testing.T, p *Plan) Live {
	l := Live{Instances: map[string]cloud.InstanceInfo{}, Names: map[string]string{}, Keys: map[string]wg.Key{}}
	for i, g := range p.Gateways {
		k, err := wg.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		l.Keys[g.Key] = k
		l.Names[g.Key] = fmt.Sprintf("i-%08x", i)
		l.Instances[g.Key] = cloud.InstanceInfo{ID: fmt.Sprintf("i-%017x", i), PrivateIP: g.PrivateIP,
			PublicIP: netip.AddrFrom4([4]byte{198, 51, 100, byte(10 + i)})}
	}
	return l
}

func TestCompileDemo(t *testing.T) {
	p := demo(t)
	var keys []string
	for _, g := range p.Gateways {
		keys = append(keys, g.Key)
	}
	if got, want := strings.Join(keys, " "), "transit-1 transit-2 prod-1 prod-2 dev-1 dev-2 shared-1 shared-2"; got != want {
		t.Errorf("gateways %s, want %s", got, want)
	}
	// 3 spokes x 2 gateways x 2 transit gateways x 2 HPE tunnels.
	if len(p.Tunnels) != 24 {
		t.Errorf("%d tunnels, want 24", len(p.Tunnels))
	}
	if g := p.Gateway("prod-2"); g.PrivateIP != netip.MustParseAddr("10.1.0.11") || g.Prefixes[0] != netip.MustParsePrefix("10.1.0.0/16") {
		t.Errorf("prod-2 = %+v", g)
	}
	if len(p.Overlays) != 2 || len(p.SiteNodes) != 3 || len(p.SiteLinks) != 2 {
		t.Fatalf("site: %d overlays, %d nodes, %d links; want 2, 3, 2", len(p.Overlays), len(p.SiteNodes), len(p.SiteLinks))
	}
	r := p.SiteNodes[0]
	if r.Name != "dc1" || r.Kind != topologies.KindFRR || len(r.VXLAN) != 2 || len(r.BGP.Neighbors) != 2 {
		t.Errorf("site router %+v", r)
	}
	if r.VXLAN[0].Remote != p.Gateway("transit-1").PrivateIP || r.BGP.Neighbors[0].Address != p.Overlays[0].Inner[0].Addr() {
		t.Errorf("site router's overlay %+v and neighbor %+v do not meet transit-1", r.VXLAN[0], r.BGP.Neighbors[0])
	}
	if s := p.SiteOfSession("s0"); s == nil || s.Name != "dc1" {
		t.Errorf("session s0 leads to site %v; want dc1", s)
	}
	if s := p.SiteOfSession("s00"); s != nil {
		t.Errorf("session s00 leads to site %s; want none", s.Name)
	}
	d := p.Accounts[0].Desired
	if len(d.VPCs) != 4 || len(d.Instances) != 4+8 || len(d.VirtualInterfaces) != 1 {
		t.Errorf("desired: %d VPCs, %d instances, %d VIFs; want 4, 12, 1", len(d.VPCs), len(d.Instances), len(d.VirtualInterfaces))
	}
}

// Every tunnel's two ends agree: each sends to the other's public address
// and listen port, each other's key, complementary inner addresses; and no
// gateway listens twice on one port.
func TestConfigsAgree(t *testing.T) {
	p := demo(t)
	l := live(t, p)
	cfgs, err := p.Configs(l)
	if err != nil {
		t.Fatal(err)
	}
	listening := map[string]map[uint16]int{}
	for _, tn := range p.Tunnels {
		a, b := cfgs[tn.A], cfgs[tn.B]
		pa, pb := peer(a.Peers, tn.Name[0]), peer(b.Peers, tn.Name[1])
		if pa == nil || pb == nil {
			t.Fatalf("tunnel %d: missing at an end", tn.Index)
		}
		for _, e := range []struct {
			gw   string
			port uint16
		}{{tn.A, pa.ListenPort}, {tn.B, pb.ListenPort}} {
			if listening[e.gw] == nil {
				listening[e.gw] = map[uint16]int{}
			}
			if other, ok := listening[e.gw][e.port]; ok {
				t.Errorf("%s listens on %d for tunnels %d and %d", e.gw, e.port, other, tn.Index)
			}
			listening[e.gw][e.port] = tn.Index
		}
		if pa.Endpoint != netip.AddrPortFrom(l.Instances[tn.B].PublicIP, pb.ListenPort) ||
			pb.Endpoint != netip.AddrPortFrom(l.Instances[tn.A].PublicIP, pa.ListenPort) {
			t.Errorf("tunnel %d: ports/endpoints disagree: %+v / %+v", tn.Index, pa, pb)
		}
		if pa.PeerAddress != pb.Address.Addr() || pb.PeerAddress != pa.Address.Addr() {
			t.Errorf("tunnel %d: inner addresses disagree", tn.Index)
		}
		if pa.PublicKey != l.Keys[tn.B].PublicKey().String() {
			t.Errorf("tunnel %d: wrong key", tn.Index)
		}
	}
	tr := cfgs["transit-1"]
	if len(tr.Peers) != 12 || len(tr.Neighbors) != 1 || tr.Segmentation == nil {
		t.Fatalf("transit-1: %d peers, %d neighbors, segmentation %v", len(tr.Peers), len(tr.Neighbors), tr.Segmentation)
	}
	nb := tr.Neighbors[0]
	if nb.Approval != "manual" || len(nb.Approved) != 0 || nb.VXLAN == nil || nb.VXLAN.Remote != netip.MustParseAddr("169.254.250.2") {
		t.Errorf("transit-1's site neighbor %+v", nb)
	}
	if cfgs["prod-1"].Segmentation != nil || len(cfgs["prod-1"].Peers) != 4 {
		t.Errorf("prod-1: %+v", cfgs["prod-1"])
	}
	l.Approved = map[string][]topologies.ApprovedRoute{"transit": {{Site: "dc1", Prefix: netip.MustParsePrefix("10.100.0.0/24")}}}
	cfgs, _ = p.Configs(l)
	if got := cfgs["transit-2"].Neighbors[0].Approved; len(got) != 1 || got[0] != netip.MustParsePrefix("10.100.0.0/24") {
		t.Errorf("approved at transit-2: %v", got)
	}
	// A gateway not yet known is left out, with its tunnels.
	delete(l.Names, "dev-2")
	cfgs, _ = p.Configs(l)
	if _, ok := cfgs["dev-2"]; ok || len(cfgs["transit-1"].Peers) != 10 {
		t.Errorf("dev-2 unknown: transit-1 has %d peers, want 10", len(cfgs["transit-1"].Peers))
	}
}

func peer(ps []mgmt.Peer, name string) *mgmt.Peer {
	for i := range ps {
		if ps[i].Name == name {
			return &ps[i]
		}
	}
	return nil
}

func TestExpectDemo(t *testing.T) {
	p := demo(t)
	none := map[string][]topologies.ApprovedRoute{}
	approved := map[string][]topologies.ApprovedRoute{"transit": {{Site: "dc1", Prefix: netip.MustParsePrefix("10.100.0.0/24")}}}
	for _, c := range []struct {
		from, to string
		appr     map[string][]topologies.ApprovedRoute
		reach    bool
		reason   string
	}{
		{"prod-app", "shared-web", none, true, ""},
		{"prod-app", "dev-app", none, false, "domain policy: prod and dev are not connected"},
		{"dev-app", "shared-db", none, false, "security group: shared-db admits only"},
		{"prod-app", "shared-db", none, true, ""},
		{"shared-web", "shared-db", none, true, ""},
		{"prod-app", "dc1-app", none, false, "no route: 10.100.0.0/24 (dc1) is not approved"},
		{"prod-app", "dc1-app", approved, true, ""},
		{"dc1-app", "dev-app", approved, true, ""},
		{"dc1-lab", "prod-app", approved, false, "no route: 10.101.0.0/24 (dc1)"},
		{"dc1-app", "dc1-lab", none, true, ""},
		{"dc1-app", "shared-db", approved, true, ""},
	} {
		e := p.Expect(c.from, c.to, c.appr, nil)
		if e.Reach != c.reach || !strings.HasPrefix(e.Reason, c.reason) {
			t.Errorf("%s -> %s: %+v, want reach %v, reason %q...", c.from, c.to, e, c.reach, c.reason)
		}
	}
}

// A site whose router is an mcnlab gateway reaching the transit over the
// internet: tunnels from each transit gateway (HPE count each) to the
// site's uplink address, approval on the transit's side of them, and no
// private line in the cloud.
func TestCompileTunnelSite(t *testing.T) {
	src, err := os.ReadFile("../../topologies/aws-transit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	y := strings.Replace(string(src), "router: frr", "router: gobgp", 1)
	y = strings.Replace(y, "type: private-line", "type: tunnel", 1)
	top, err := topologies.Parse("tunnel-site.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	site := p.Gateway("dc1")
	if site == nil || site.Role != RoleSite || site.PublicIP != netip.MustParseAddr("198.51.100.2") {
		t.Fatalf("site gateway %+v", site)
	}
	if len(p.Tunnels) != 24+4 || len(p.Overlays) != 0 {
		t.Errorf("%d tunnels, %d overlays; want 28 and 0", len(p.Tunnels), len(p.Overlays))
	}
	if d := p.Accounts[0].Desired; len(d.VirtualInterfaces) != 0 || len(d.Instances) != 12 || d.VPCs[0].PrivateLines {
		t.Errorf("desired state of a tunnel site: %d VIFs, %d instances, VGW %v", len(d.VirtualInterfaces), len(d.Instances), d.VPCs[0].PrivateLines)
	}
	if up, ok := p.Uplink("dc1"); !ok || up != netip.MustParsePrefix("198.51.100.2/30") {
		t.Errorf("uplink %v %v", up, ok)
	}
	l := live(t, p)
	k, _ := wg.GenerateKey()
	l.Keys["dc1"], l.Names["dc1"] = k, "dc1"
	cfgs, err := p.Configs(l)
	if err != nil {
		t.Fatal(err)
	}
	sc := cfgs["dc1"]
	if len(sc.Peers) != 4 || len(sc.Prefixes) != 2 || sc.ASN != 65100 {
		t.Fatalf("site gateway config: %d peers, prefixes %v, AS %d", len(sc.Peers), sc.Prefixes, sc.ASN)
	}
	if sc.Peers[0].Endpoint.Addr() != l.Instances["transit-1"].PublicIP {
		t.Errorf("site's peer endpoint %v, want transit-1's elastic IP", sc.Peers[0].Endpoint)
	}
	var toSite *mgmt.Peer
	for i, pe := range cfgs["transit-1"].Peers {
		if strings.HasPrefix(pe.Name, "s0-") {
			toSite = &cfgs["transit-1"].Peers[i]
		}
	}
	if toSite == nil || toSite.Approval != "manual" || toSite.Endpoint.Addr() != site.PublicIP {
		t.Errorf("transit-1's tunnel to the site: %+v", toSite)
	}
	// Each of transit-1's sessions is told apart: the site's tunnels lead
	// to dc1, the spokes' to no site.
	toDC1 := 0
	for _, pe := range cfgs["transit-1"].Peers {
		switch s := p.SiteOfSession(pe.Name); {
		case s != nil && s.Name == "dc1" && strings.HasPrefix(pe.Name, "s0-t"):
			toDC1++
		case s != nil || strings.HasPrefix(pe.Name, "s0-t"):
			t.Errorf("session %s of transit-1 leads to site %v", pe.Name, s)
		}
	}
	if toDC1 != 2 {
		t.Errorf("%d of transit-1's sessions lead to dc1; want its 2 HPE tunnels", toDC1)
	}
}

// Two hosts of a site on one advertised prefix are refused with the
// host's position: each host sits on a link of its own.
func TestCompileSiteHostsSharePrefix(t *testing.T) {
	src, err := os.ReadFile("../../topologies/aws-transit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	y := strings.Replace(string(src), "dc1-lab: 10.101.0.10", "dc1-lab: 10.100.0.20", 1)
	top, err := topologies.Parse("share.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compile(top)
	want := "64:35: sites.dc1.hosts.dc1-lab: hosts dc1-app and dc1-lab share 10.100.0.0/24; give each host an advertised prefix of its own"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("compile: %v, want %q...", err, want)
	}
}
