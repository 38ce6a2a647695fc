package intent

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/topologies"
)

// TestS2CSpoke: in topologies/access.yaml the branches' routers get
// uplinks below the laptops', the security group of branch-vpc's gateways
// lets in IKE and NAT-T from exactly those uplinks, and the spoke's route
// tables send the branches' virtual prefixes to its gateways.
func TestS2CSpoke(t *testing.T) {
	topo, err := topologies.Load("../../topologies/access.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(topo)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(p.S2CSites()); got != "[{br1 198.51.100.114/30} {br2 198.51.100.110/30}]" {
		t.Errorf("S2CSites %s", got)
	}
	var sg *cloud.SecurityGroup
	for _, a := range p.Accounts {
		for i := range a.Desired.SecurityGroups {
			if a.Desired.SecurityGroups[i].Key == GatewayGroupKey("branch-vpc") {
				sg = &a.Desired.SecurityGroups[i]
			}
		}
	}
	if sg == nil {
		t.Fatal("no security group for branch-vpc's gateways")
	}
	for _, src := range []string{"198.51.100.114/32", "198.51.100.110/32"} {
		for _, port := range []int32{500, 4500} {
			r := cloud.Rule{Protocol: cloud.ProtocolUDP, FromPort: port, ToPort: port, Source: netip.MustParsePrefix(src)}
			if !slices.Contains(sg.Ingress, r) {
				t.Errorf("branch-vpc's gateways do not let in udp/%d from %s: %+v", port, src, sg.Ingress)
			}
		}
	}
	if got := fmt.Sprint(S2CPrefixes(topo, "branches"), S2CPrefixes(topo, "corp")); got != "[100.65.0.0/16 100.66.0.0/16] []" {
		t.Errorf("S2CPrefixes of branches and corp: %s", got)
	}
}

// TestS2CSpokeBGP: with bgp over the connection dc to the spoke app (ha:
// true, AS chosen: 64600), app-1 peers with r1's inside address of the
// primary tunnel and app-2 with the backup's, both in r1's AS 65401 under
// the name S2CNeighbor(0); the other spoke and the transit get no such
// neighbour; and the spoke's route tables get no static prefix for the
// site, whose LAN they learn over BGP instead.
func TestS2CSpokeBGP(t *testing.T) {
	p := compiled(t, "../../cmd/mcnlab/testdata/s2c-cloud-bgp.yaml")
	cfgs, err := p.Configs(live(t, p))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"app-1": "[{s2c0 169.254.10.2 65401}]", "app-2": "[{s2c0 169.254.10.6 65401}]", "other-1": "[]", "transit-1": "[]"}
	for k, w := range want {
		var got []string
		for _, n := range cfgs[k].Neighbors {
			got = append(got, fmt.Sprintf("{%s %s %d}", n.Name, n.Address, n.ASN))
		}
		if g := "[" + strings.Join(got, " ") + "]"; g != w {
			t.Errorf("%s's neighbours %s, want %s", k, g, w)
		}
	}
	if got := cfgs["app-1"].ASN; got != 64600 {
		t.Errorf("app-1's AS %d, want 64600 (the templates' peer AS)", got)
	}
	if got := S2CPrefixes(p.Topology, "app"); len(got) != 0 {
		t.Errorf("S2CPrefixes of app: %v, want none (the site's LAN is learned over BGP)", got)
	}
}
