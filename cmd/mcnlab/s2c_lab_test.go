package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/s2c"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// deployNodeLab deploys a node-level topology file as a fresh lab with
// the test's mcnlab binary for its gateways, destroyed when the test ends
// (and checked gone).
func deployNodeLab(t *testing.T, file, prefix string) string {
	t.Helper()
	roottest.Require(t)
	if why := ipsec.Missing(); why != "" {
		roottest.Missing(t, "%s", why)
	}
	lab := newTestLab(t, prefix)
	out, _, err := run(t, "deploy", "-t", file, "--lab", lab)
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	return lab
}

// siteSAs reads `swanctl --list-sas` of a node's charon.
func siteSAs(t *testing.T, lab, node string) []ipsec.SA {
	t.Helper()
	out, err := ipsec.Swanctl(context.Background(), emulator.CharonDir(lab, node), "--list-sas")
	if err != nil {
		t.Fatal(err)
	}
	sas, err := ipsec.ParseSAs(out)
	if err != nil {
		t.Fatal(err)
	}
	return sas
}

// s2cReach waits until src answers pings to dst, or fails the test.
func s2cReach(t *testing.T, lab, src string, dst netip.Addr) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := probe.WaitReachable(ctx, emulator.NamespaceName(lab, src), dst, 50*time.Millisecond); err != nil {
		t.Fatalf("%s -> %s: %v", src, dst, err)
	}
}

// echoRequests is how many ICMP echo requests node has received
// (IcmpInEchos of its namespace's /proc/net/snmp).
func echoRequests(t *testing.T, lab, node string) int {
	t.Helper()
	var n int
	err := netns.Do(emulator.NamespaceName(lab, node), func() error {
		b, err := os.ReadFile("/proc/thread-self/net/snmp")
		if err != nil {
			return err
		}
		var names []string
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 || f[0] != "Icmp:" {
				continue
			}
			if names == nil {
				names = f
				continue
			}
			for i, name := range names {
				if name == "InEchos" && i < len(f) {
					n, err = strconv.Atoi(f[i])
					return err
				}
			}
		}
		return fmt.Errorf("no Icmp InEchos in /proc/net/snmp")
	})
	if err != nil {
		t.Fatalf("%s: %v", node, err)
	}
	return n
}

// checkSiteToCloud checks the site-to-cloud half of
// topologies/access.yaml (deployed as lab): two strongSwan branches on
// 10.0.0.0/16, each with an IKEv2 tunnel to gw1 and a backup to gw2,
// mapped into a VPC on 10.0.0.0/16. It checks the SAs in the branches
// (swanctl --list-sas) and at the gateways, traffic both ways through the
// virtual ranges, that pings to one branch's virtual range reach that
// branch and never the other, and that FlightPath's verdicts and NAT
// steps across the mappings agree with pings (checkMappedFlightPath).
func checkSiteToCloud(t *testing.T, lab string) {
	for site, conns := range map[string][]string{"br1": {"branch1", "branch1-ha"}, "br2": {"branch2", "branch2-ha"}} {
		sas := siteSAs(t, lab, site)
		for _, c := range conns {
			if !ipsec.Up(sas, c) {
				t.Errorf("%s: swanctl --list-sas shows no established %s with its child installed: %+v", site, c, sas)
			}
		}
	}
	for gw, conns := range map[string][]string{"gw1": {"branch1", "branch2"}, "gw2": {"branch1-ha", "branch2-ha"}} {
		sas := siteSAs(t, lab, gw)
		for _, c := range conns {
			if !ipsec.Up(sas, c) {
				t.Errorf("%s: no established %s: %+v", gw, c, sas)
			}
		}
	}
	a := netip.MustParseAddr
	// Each branch sees the VPC's host 10.0.1.10 at its own virtual
	// address; the VPC sees each branch's host 10.0.1.10 at the branch's.
	s2cReach(t, lab, "b1h", a("100.81.1.10"))
	s2cReach(t, lab, "b2h", a("100.82.1.10"))
	s2cReach(t, lab, "vh", a("100.65.1.10"))
	s2cReach(t, lab, "vh", a("100.66.1.10"))
	t.Run("no packet reaches the wrong branch", func(t *testing.T) { checkIsolation(t, lab) })
	t.Run("FlightPath shows the mapping", func(t *testing.T) { checkMappedFlightPath(t, lab) })
	t.Run("branch 2 authenticates with certificates", func(t *testing.T) { checkBranch2Certs(t, lab) })
	t.Run("a capture on the gateways shows the translation", func(t *testing.T) { checkTranslationCapture(t, lab) })
	t.Run("inspect shows the SAs", func(t *testing.T) { checkInspectSAs(t, lab) })
	t.Run("the API serves the template", func(t *testing.T) { checkS2CConfigAPI(t, lab) })
}

// checkInspectSAs: `mcnlab inspect` lists each gateway's IKE SAs with
// their peers and installed child SAs, and each branch's.
func checkInspectSAs(t *testing.T, lab string) {
	out, _, err := run(t, "inspect", "--lab", lab)
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^ipsec gw1 \(gateway\)\n  IKE SA +STATE +PEER +CHILD SAS\n`,
		`(?m)^  branch1 +ESTABLISHED +203\.0\.113\.2 +branch1 INSTALLED$`,
		`(?m)^  branch2-ha +ESTABLISHED +203\.0\.113\.6 +branch2-ha INSTALLED$`,
		`(?m)^ipsec br1 \(strongswan\)$`,
		`(?m)^  branch1-ha +ESTABLISHED +198\.51\.100\.6 +branch1-ha INSTALLED$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("inspect lacks %s:\n%s", re, out)
		}
	}
}

// checkS2CConfigAPI: GET /v1/site2cloud/branch1/config of the lab's
// controller answers the text `mcnlab s2c config` prints, for each vendor.
func checkS2CConfigAPI(t *testing.T, lab string) {
	c, err := mcnlab.API(lab)
	if err != nil {
		t.Fatal(err)
	}
	for _, vendor := range ipsec.Vendors {
		cli, _, err := run(t, "s2c", "config", "branch1", "--vendor", vendor, "--lab", lab)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.S2CConfig(context.Background(), "branch1", vendor)
		if err != nil || got.Config != cli {
			t.Errorf("API config of branch1 for %s (%v):\n%s\nwant what mcnlab s2c config prints:\n%s", vendor, err, got.Config, cli)
		}
	}
}

// checkIsolation pings branch 1's virtual address 20 times from the VPC
// and counts the echo requests each branch's host received.
func checkIsolation(t *testing.T, lab string) {
	b1, b2 := echoRequests(t, lab, "b1h"), echoRequests(t, lab, "b2h")
	p, err := probe.NewPinger(emulator.NamespaceName(lab, "vh"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	answered := 0
	for i := range 20 {
		if _, err := p.Ping(netip.MustParseAddr("100.65.1.10"), 1000+i, time.Second); err == nil {
			answered++
		}
	}
	d1, d2 := echoRequests(t, lab, "b1h")-b1, echoRequests(t, lab, "b2h")-b2
	if answered != 20 || d1 != 20 || d2 != 0 {
		t.Errorf("20 pings to 100.65.1.10 (branch 1's host): %d answered, branch 1's host got %d, branch 2's host got %d; want 20, 20, 0", answered, d1, d2)
	}
}

// checkFailover pings the VPC from branch 1 every 50 ms, kills every
// process of gw1 (its gateway daemon and its charon), and measures how
// long no reply came.
func checkFailover(t *testing.T, lab string) {
	p, err := probe.NewPinger(emulator.NamespaceName(lab, "b1h"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dst := netip.MustParseAddr("100.81.1.10")
	var lastOK, killed time.Time
	gap := time.Duration(0)
	for i := 0; ; i++ {
		sent := time.Now()
		if _, err := p.Ping(dst, 5000+i, 50*time.Millisecond); err == nil {
			if !killed.IsZero() && sent.Sub(lastOK) > gap {
				gap = sent.Sub(lastOK)
			}
			lastOK = sent
			if !killed.IsZero() && time.Since(killed) > 2*time.Second && gap > 0 {
				break
			}
		}
		if i == 20 {
			pids, err := emulator.NodePIDs(lab, "gw1")
			if err != nil || len(pids) == 0 {
				t.Fatalf("gw1's processes: %v %v", pids, err)
			}
			for _, pid := range pids {
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
					t.Fatalf("kill %d: %v", pid, err)
				}
			}
			killed = time.Now()
		}
		if !killed.IsZero() && time.Since(killed) > 10*time.Second {
			t.Fatalf("no reply within 10 s of killing gw1")
		}
		time.Sleep(time.Until(sent.Add(50 * time.Millisecond)))
	}
	t.Logf("traffic resumed %s after gw1 was killed", gap.Round(time.Millisecond))
	if gap > 5*time.Second {
		t.Errorf("traffic stopped for %s after gw1 was killed; want at most 5 s", gap)
	}
	sas := siteSAs(t, lab, "br1")
	if ipsec.Up(sas, "branch1") || !ipsec.Up(sas, "branch1-ha") {
		t.Errorf("br1 after gw1 died: want branch1 down and branch1-ha up, have %+v", sas)
	}
}

// TestS2CTemplateFreshRouter deploys a lab whose data centre router r1 is
// left unconfigured, prints `mcnlab s2c config dc --vendor strongswan`,
// starts a charon in r1 with that file as its swanctl.conf (and a lab
// strongswan.conf: kernel-libipsec), and checks that the tunnel comes up
// with the custom proposals (ECP-384 for IKE, MODP-3072 PFS for ESP) and
// carries traffic both ways. The Cisco IOS and FRR templates of the same
// connection name its peer and routes.
func TestS2CTemplateFreshRouter(t *testing.T) {
	lab := deployNodeLab(t, "testdata/s2c-template.yaml", "s2ct")
	tmpl, _, err := run(t, "s2c", "config", "dc", "--vendor", "strongswan", "--lab", lab)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/swanctl.conf", []byte(tmpl), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/strongswan.conf", []byte(ipsec.CharonConf(dir, ipsec.Routing{})), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := emulator.RunCharon(ctx, emulator.NamespaceName(lab, "r1"), dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, emulator.CharonDir(lab, "gw1")} {
		if err := ipsec.WaitUp(ctx, d, "dc"); err != nil {
			t.Fatal(err)
		}
	}
	// The first child SA is keyed in IKE_AUTH, without a DH exchange of
	// its own; a rekey uses the ESP proposal's PFS group.
	if _, err := ipsec.Swanctl(ctx, dir, "--rekey", "--child", "dc"); err != nil {
		t.Fatal(err)
	}
	var sas string
	for ctx.Err() == nil && !strings.Contains(sas, "MODP_3072") {
		if sas, err = ipsec.Swanctl(ctx, dir, "--list-sas"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // poll interval
	}
	if !strings.Contains(sas, "AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384") || !strings.Contains(sas, "ESP:AES_CBC-128/HMAC_SHA2_256_128/MODP_3072") {
		log, _ := os.ReadFile(dir + "/charon.log")
		t.Errorf("r1's SAs do not use the custom proposals:\n%s\ncharon log:\n%s", sas, log)
	}
	s2cReach(t, lab, "dch", netip.MustParseAddr("10.1.1.10"))
	s2cReach(t, lab, "vh", netip.MustParseAddr("10.100.0.10"))
	ios, _, err := run(t, "s2c", "config", "dc", "--vendor", "cisco-ios", "--lab", lab)
	if err != nil || !strings.Contains(ios, "crypto ikev2 proposal dc\n encryption aes-gcm-256\n prf sha384\n group 20\n") ||
		!strings.Contains(ios, "ip route 10.1.0.0 255.255.0.0 Tunnel100 1\n") {
		t.Errorf("cisco-ios template (%v):\n%s", err, ios)
	}
	if _, _, err := run(t, "s2c", "config", "nope", "--lab", lab); err == nil || !strings.Contains(err.Error(), `no site2cloud connection "nope"; it has: dc, dc2, dc3`) {
		t.Errorf("s2c config nope: %v", err)
	}
	t.Run("policy-based", func(t *testing.T) { checkPolicyBased(t, lab) })
	t.Run("certificates", func(t *testing.T) { checkCertTemplate(t, lab) })
}

// checkPolicyBased: the policy-based connection dc2 carries pings both
// ways, and gw1 routes its site's prefix only by charon's route of the
// child SA (in the table that marked packets see), where the route-based
// dc's prefix is routed into ipsec0 in the main table.
func checkPolicyBased(t *testing.T, lab string) {
	s2cReach(t, lab, "dch2", netip.MustParseAddr("10.1.1.10"))
	s2cReach(t, lab, "vh", netip.MustParseAddr("10.200.0.10"))
	h, err := netns.Netlink(emulator.NamespaceName(lab, "gw1"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	routes := func(table int) string {
		rs, err := h.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: table}, netlink.RT_FILTER_TABLE)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			if r.Dst != nil {
				if l, err := h.LinkByIndex(r.LinkIndex); err == nil {
					out = append(out, r.Dst.String()+" dev "+l.Attrs().Name)
				}
			}
		}
		return strings.Join(out, "; ")
	}
	main, marked := routes(unix.RT_TABLE_MAIN), routes(s2c.RouteTable)
	if !strings.Contains(main, "10.100.0.0/24 dev ipsec0") || strings.Contains(main, "10.200.0.0/24") || !strings.Contains(marked, "10.200.0.0/24 dev ipsec0") {
		t.Errorf("gw1: main table %q, table %d %q; want 10.100.0.0/24 (route-based) in main, 10.200.0.0/24 (policy-based) only in %d", main, s2c.RouteTable, marked, s2c.RouteTable)
	}
}

// checkBranch2Certs: gw1 loaded branch2 (up, as checkSiteToCloud saw)
// with public key authentication of both ends, its own certificate the
// lab CA issued for its address and the lab CA as the only one it trusts
// for the branch; branch1 with a pre-shared key.
func checkBranch2Certs(t *testing.T, lab string) {
	out, err := ipsec.Swanctl(context.Background(), emulator.CharonDir(lab, "gw1"), "--list-conns")
	if err != nil {
		t.Fatal(err)
	}
	b1, b2, _ := strings.Cut(out, "branch2: IKEv2")
	for _, want := range []string{"local public key authentication:", "certs:", "CN=mcnlab site2cloud branch2 gateway", "remote public key authentication:", "cacerts:", "CN=mcnlab lab " + lab + " CA"} {
		if !strings.Contains(b2, want) {
			t.Errorf("gw1's branch2 lacks %q:\n%s", want, b2)
		}
	}
	if !strings.Contains(b1, "local pre-shared key authentication:") {
		t.Errorf("gw1's branch1 does not use its pre-shared key:\n%s", b1)
	}
}
