package intent

import (
	"fmt"
	"net/netip"
	"slices"
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
