package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
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

// s2cReach waits until dst answers pings from node src, or fails the
// test.
func s2cReach(t *testing.T, lab, src string, dst netip.Addr) {
	t.Helper()
	s2cReachNS(t, emulator.NamespaceName(lab, src), dst)
}

// s2cReachNS waits until dst answers pings from namespace ns, or fails
// the test.
func s2cReachNS(t *testing.T, ns string, dst netip.Addr) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := probe.WaitReachable(ctx, ns, dst, 50*time.Millisecond); err != nil {
		t.Fatalf("%s -> %s: %v", ns, dst, err)
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
