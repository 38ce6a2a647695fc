package topologies

import (
	"os"
	"strings"
	"testing"
)

// TestS2CCloudGateway: topologies/access.yaml's branches name the spoke
// branches as their cloud-gateway, with no gateway nodes or addresses;
// the topology round-trips through Marshal.
func TestS2CCloudGateway(t *testing.T) {
	topo, err := Load("access.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range topo.Site2Cloud {
		if !s.InCloud() || s.CloudGateway != "branches" || s.Gateway != "" || s.SiteAddress.IsValid() {
			t.Errorf("%s: %+v", s.Name, s)
		}
	}
	if n := len(topo.NodeSite2Cloud()); n != 0 {
		t.Errorf("%d connections to gateway nodes, want 0", n)
	}
	roundTrip(t, topo)
}

// TestS2CCloudGatewayErrors: a cloud-gateway that is no spoke, addresses
// beside it, and a site that is no strongswan node are refused with the
// file, line and field.
func TestS2CCloudGatewayErrors(t *testing.T) {
	src, err := os.ReadFile("access.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ old, new, want string }{
		{"    site: br1\n    cloud-gateway: branches\n", "    site: br1\n    cloud-gateway: nope\n",
			`access.yaml:134:20: site2cloud.branch1.cloud-gateway: cloud-gateway "nope" is no spoke of the topology (it has: [access contractor partner corp branches]); name the spoke whose gateways hold the tunnel`},
		{"    site: br1\n    cloud-gateway: branches\n", "    site: br1\n    cloud-gateway: branches\n    gateway-address: 198.51.100.2\n",
			"access.yaml:135:22: site2cloud.branch1.gateway-address: gateway-address with cloud-gateway: the spoke's instances are the gateways (the HA one with the spoke's ha: true), their public addresses come from the cloud and the site's is its uplink's; remove gateway-address"},
		{"    site: br1\n    cloud-gateway: branches\n", "    site: b1h\n    cloud-gateway: branches\n",
			"access.yaml:133:11: site2cloud.branch1.site: b1h is a host; the site of a connection to a cloud-gateway is a node of kind strongswan (the lab configures it once the cloud's addresses are known)"},
	} {
		_, err := Parse("access.yaml", []byte(strings.Replace(string(src), c.old, c.new, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("with %q: got %v\nwant %s", c.new, err, c.want)
		}
	}
}
