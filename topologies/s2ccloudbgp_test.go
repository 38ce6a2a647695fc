package topologies

import (
	"os"
	"strings"
	"testing"
)

// accessWithBGP is topologies/access.yaml with BGP over branch 1's
// connection to the spoke branches (ha: true): br1 runs BGP in AS 65401.
func accessWithBGP(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("access.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), "  br1: {kind: strongswan}\n", "  br1: {kind: strongswan, bgp: {asn: 65401, networks: [10.0.0.0/16]}}\n", 1)
	return strings.Replace(s, "    site: br1\n    cloud-gateway: branches\n", "    site: br1\n    cloud-gateway: branches\n    bgp: {site-asn: 65401, inside: 169.254.10.0/30}\n", 1)
}

// TestS2CCloudBGP: BGP over a connection to a spoke's instances is
// accepted; the spoke's gateways speak in the spoke's AS (chosen by the
// controller: the first free number from SpokeASNBase+i, not the site's)
// and, the spoke having ha: true, the connection has a backup tunnel
// whose inside network is the /30 after inside.
func TestS2CCloudBGP(t *testing.T) {
	topo, err := Parse("access.yaml", []byte(accessWithBGP(t)))
	if err != nil {
		t.Fatal(err)
	}
	s := topo.Site2Cloud[0]
	if s.Name != "branch1" || s.BGP == nil || !topo.S2CBackup(s) || s.BGP.BackupInside().String() != "169.254.10.4/30" {
		t.Fatalf("branch1: %+v bgp %+v backup %t", s, s.BGP, topo.S2CBackup(s))
	}
	if got := topo.SpokeASN("branches"); got != SpokeASNBase+4 {
		t.Errorf("spoke branches (the fifth, no asn) has AS %d, want %d", got, SpokeASNBase+4)
	}
	if topo.S2CBackup(topo.Site2Cloud[1]) != true || topo.SpokeASN("nope") != 0 {
		t.Errorf("branch2's backup %t, AS of no spoke %d", topo.S2CBackup(topo.Site2Cloud[1]), topo.SpokeASN("nope"))
	}
	// A site AS the controller would have chosen for a spoke moves the
	// spoke's on.
	src := strings.ReplaceAll(accessWithBGP(t), "65401", "64604")
	if topo, err = Parse("access.yaml", []byte(src)); err != nil {
		t.Fatal(err)
	}
	if got := topo.SpokeASN("branches"); got != SpokeASNBase+5 {
		t.Errorf("spoke branches with site AS 64604 has AS %d, want %d", got, SpokeASNBase+5)
	}
}

// TestS2CCloudBGPErrors: bad bgp on a connection to a spoke's instances
// is refused with the file, line and field.
func TestS2CCloudBGPErrors(t *testing.T) {
	src := accessWithBGP(t)
	bgp := "    bgp: {site-asn: 65401, inside: 169.254.10.0/30}\n"
	for _, c := range []struct{ old, new, want string }{
		{"  br1: {kind: strongswan, bgp: {asn: 65401, networks: [10.0.0.0/16]}}\n", "  br1: {kind: strongswan}\n",
			"access.yaml:135:10: site2cloud.branch1.bgp: site br1 runs no BGP; give it bgp with site-asn as its asn"},
		{"  branches: {vpc: branch-vpc, subnet: gw, transit: transit, ha: true}", "  branches: {vpc: branch-vpc, subnet: gw, transit: transit, ha: true, asn: 65401}",
			"access.yaml:135:21: site2cloud.branch1.bgp.site-asn: site-asn 65401 is spoke branches's own AS number (its gateways run the session); the session is eBGP"},
		{bgp, "    bgp: {site-asn: 65401, inside: 169.254.10.0/29}\n",
			"access.yaml:135:36: site2cloud.branch1.bgp.inside: inside 169.254.10.0/29: want an IPv4 /30, such as 169.254.10.0/30"},
		{bgp, "    bgp: {site-asn: 65401, inside: 169.254.10.0/30, ha-inside: 169.254.10.0/30}\n",
			"access.yaml:135:64: site2cloud.branch1.bgp.ha-inside: ha-inside 169.254.10.0/30 overlaps inside 169.254.10.0/30; the backup tunnel needs a /30 of its own, such as 169.254.10.4/30"},
		{bgp, "    type: policy-based\n" + bgp,
			"access.yaml:136:10: site2cloud.branch1.bgp: bgp needs a route-based connection (type route-based)"},
		{bgp, "    bgp: {site-asn: 65402, inside: 169.254.10.0/30}\n",
			"access.yaml:135:21: site2cloud.branch1.bgp.site-asn: site-asn 65402 differs from site br1's bgp asn 65401"},
	} {
		_, err := Parse("access.yaml", []byte(strings.Replace(src, c.old, c.new, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("with %q: got %v\nwant %s", c.new, err, c.want)
		}
	}
	noHA := strings.Replace(strings.Replace(src, "transit: transit, ha: true}", "transit: transit}", 1), bgp,
		"    bgp: {site-asn: 65401, inside: 169.254.10.0/30, ha-inside: 169.254.10.8/30}\n", 1)
	want := "access.yaml:135:64: site2cloud.branch1.bgp.ha-inside: ha-inside 169.254.10.8/30, but spoke branches has no HA gateway: only a backup tunnel to an HA gateway has one; remove ha-inside or give the spoke ha: true"
	if _, err := Parse("access.yaml", []byte(noHA)); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("ha-inside with a spoke without ha: got %v\nwant %s", err, want)
	}
}
