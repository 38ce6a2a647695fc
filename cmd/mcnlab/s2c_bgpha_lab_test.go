package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/gwcfg"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// TestS2CBGPHA deploys testdata/s2c-bgp-ha.yaml: r1 (strongswan, FRR
// beside charon) with a tunnel to gw1 and a backup tunnel to the HA
// gateway gw2, an eBGP session over each on its own inside addresses.
// It checks both sessions established (gw1 with r1 at 169.254.10.2, gw2
// at 169.254.10.6, the backup tunnel's /30 allocated after inside), both
// gateways' route to r1's LAN through r1's inside address on their
// tunnel, the VPC router's through gw1, r1's kernel route to the VPC
// through a gateway's inside address, the templates of `mcnlab s2c
// config` with the backup tunnel and its neighbour, and r1's bgpd running
// the frr template's router bgp. Then it kills every process of gw1
// (its daemon and its charon) under a ping stream from the VPC's host to
// r1's: traffic resumes within 5 s over the backup tunnel, r1's primary
// SA is gone, the session over the backup is still established and keeps
// the routes (gw2's to r1's LAN, r1's to the VPC through gw2, the VPC
// router's only through gw2).
func TestS2CBGPHA(t *testing.T) {
	lab := deployNodeLab(t, "testdata/s2c-bgp-ha.yaml", "s2cha")
	a := netip.MustParseAddr
	lan, vpcLAN := netip.MustParsePrefix("10.50.1.0/24"), netip.MustParsePrefix("10.1.1.0/24")
	sites := map[string]netip.Addr{"gw1": a("169.254.10.2"), "gw2": a("169.254.10.6")}
	for gw, site := range sites {
		checkS2CSession(t, lab, gw, site)
		waitGWRoute(t, lab, gw, lan, []netip.Addr{site})
	}
	waitVPCRoute(t, lab, lan, true)
	waitKernelRoute(t, lab, "r1", vpcLAN, a("169.254.10.1"), a("169.254.10.5"))
	for node, conns := range map[string][]string{"r1": {"dc", "dc-ha"}, "gw1": {"dc"}, "gw2": {"dc-ha"}} {
		for _, c := range conns {
			if !ipsec.Up(siteSAs(t, lab, node), c) {
				t.Errorf("%s: %s not established", node, c)
			}
		}
	}
	s2cReach(t, lab, "vh", a("10.50.1.10"))
	t.Run("templates", func(t *testing.T) { checkHATemplates(t, lab) })

	waitBFDUp(t, lab, "gw1", "gw2")
	var dpd time.Duration
	// f waits on what is not ICMP (a second pinger in vh would race the
	// stream's for the answers): r1's dead peer detection ending the
	// primary SA, and the VPC router's route through gw1 gone.
	gap := outageDuring(t, emulator.NamespaceName(lab, "vh"), a("10.50.1.10"), func() {
		start := time.Now()
		t.Logf("killing gw1 at %s", start.Format("15:04:05.000"))
		killNamespace(t, emulator.NamespaceName(lab, "gw1"))
		waitSADown(t, lab, "r1", "dc")
		dpd = time.Since(start)
		waitVPCRoute(t, lab, lan, false)
	})
	t.Logf("gw1 killed: r1's SA dc gone after %s, longest time without an answer %s", dpd.Round(time.Millisecond), gap.Round(time.Millisecond))
	if gap > 5*time.Second {
		t.Errorf("vh -> dch stopped for %s after gw1 was killed; want at most 5 s; r1's charon.log ends:\n%s", gap,
			mcnlab.Tail(filepath.Join(emulator.CharonDir(lab, "r1"), "charon.log"), 60))
	}
	if sas := siteSAs(t, lab, "r1"); ipsec.Up(sas, "dc") || !ipsec.Up(sas, "dc-ha") {
		t.Errorf("r1 after gw1 died: want dc down and dc-ha up, have %+v", sas)
	}
	checkS2CSession(t, lab, "gw2", sites["gw2"])
	waitGWRoute(t, lab, "gw2", lan, []netip.Addr{sites["gw2"]})
	waitVPCRoute(t, lab, lan, false)
	waitKernelRoute(t, lab, "vpc", lan, a("10.1.0.6"))
	waitKernelRoute(t, lab, "r1", vpcLAN, a("169.254.10.5"))
	s2cReach(t, lab, "dch", a("10.1.1.10"))
}

// checkS2CSession checks that gateway gw's session (gw: a gateway node,
// or a cloud gateway's instance ID) with the site of connection 0 is
// established, with the site's inside address site in AS 65401.
func checkS2CSession(t *testing.T, lab, gw string, site netip.Addr) {
	t.Helper()
	st := gwStatus(t, lab, gw)
	i := slices.IndexFunc(st.Sessions, func(s mgmt.Session) bool { return s.Name == gwcfg.S2CNeighbor(0) })
	if i < 0 || st.Sessions[i].State != "established" || st.Sessions[i].Address != site || st.Sessions[i].ASN != 65401 {
		t.Fatalf("%s has no established session with r1 at %s (AS 65401): %+v", gw, site, st.Sessions)
	}
}

// checkHATemplates: `mcnlab s2c config dc` prints, for each vendor, the
// backup tunnel to gw2 with its inside address and its BGP neighbour
// beside the primary's, and r1's bgpd.conf holds the frr template's
// router bgp stanza word for word.
func checkHATemplates(t *testing.T, lab string) {
	want := map[string][]string{
		"strongswan": {
			"# dc runs BGP over the tunnel (see the frr template): 169.254.10.2/30 on ipsec0, AS 65401 with neighbour 169.254.10.1 AS 65201",
			"# dc-ha runs BGP over the tunnel (see the frr template): 169.254.10.6/30 on ipsec0, AS 65401 with neighbour 169.254.10.5 AS 65202",
			"remote_addrs = 198.51.100.6\n", "local_ts = 10.50.1.0/24,169.254.10.6/32\n", "remote_ts = 10.1.0.0/16,169.254.10.5/32\n",
		},
		"frr": {
			" ip address 169.254.10.2/30\n ip address 169.254.10.6/30\n",
			" neighbor 169.254.10.1 remote-as 65201\n", " neighbor 169.254.10.5 remote-as 65202\n neighbor 169.254.10.5 timers 1 3\n",
			"ip route 169.254.10.5/32 ipsec0 10\n",
		},
		"cisco-ios": {
			" ip address 169.254.10.6 255.255.255.252\n tunnel source 203.0.113.2\n tunnel destination 198.51.100.6\n",
			" neighbor 169.254.10.5 remote-as 65202\n", "  neighbor 169.254.10.5 activate\n",
		},
	}
	frr := checkTemplateLines(t, lab, "dc", want)["frr"]
	conf, err := os.ReadFile(filepath.Join(emulator.NodeDir(lab, "r1"), "bgpd.conf"))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(frr, "router bgp ")
	if i < 0 || !strings.Contains(string(conf), frr[i:]) {
		t.Errorf("r1's bgpd.conf does not run the frr template's router bgp:\n%s\ntemplate:\n%s", conf, frr)
	}
}

// checkTemplateLines checks that `mcnlab s2c config CONN --vendor V`
// prints each of want[V]'s lines, and returns what it printed by vendor.
func checkTemplateLines(t *testing.T, lab, conn string, want map[string][]string) map[string]string {
	t.Helper()
	outs := map[string]string{}
	for vendor, lines := range want {
		out, _, err := run(t, "s2c", "config", conn, "--vendor", vendor, "--lab", lab)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			if !strings.Contains(out, l) {
				t.Errorf("%s template lacks %q:\n%s", vendor, l, out)
			}
		}
		outs[vendor] = out
	}
	return outs
}

// waitBFDUp waits up to 20 s until every BGP session of the gateway nodes
// is established with its BFD session up, so that a failure is detected
// as it would be in a steady network (at a lab's start the VPC router's
// BFD may take a session down once, and the BGP session is then idle for
// seconds), or fails the test.
func waitBFDUp(t *testing.T, lab string, gateways ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var not []string
		for _, gw := range gateways {
			for _, s := range gwStatus(t, lab, gw).Sessions {
				if s.State != "established" || s.BFD != "Up" {
					not = append(not, gw+"-"+s.Name+" "+s.State+" bfd "+s.BFD)
				}
			}
		}
		if len(not) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessions not established with BFD up after 20 s: %v", not)
		}
		time.Sleep(100 * time.Millisecond) // polling the gateways, bounded by the deadline
	}
}

// waitSADown waits up to 15 s until node's charon no longer has conn
// established, or fails the test.
func waitSADown(t *testing.T, lab, node, conn string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for ipsec.Up(siteSAs(t, lab, node), conn) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s still established 15 s after its peer died", node, conn)
		}
		time.Sleep(50 * time.Millisecond) // polling charon, bounded by the deadline
	}
}
