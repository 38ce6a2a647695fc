package main

import (
	"context"
	"errors"
	"net/netip"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/probe"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// The site-to-cloud parts of topologies/access.yaml: the spoke branches'
// two gateway instances (the first holds the branches' tunnels, the HA
// one their backups) and the workload vh of its VPC.
const (
	accessGW1, accessGW2 = "branches-1", "branches-2"
	accessVH             = "vh"
)

// checkSiteToCloud checks the site-to-cloud half of
// topologies/access.yaml (deployed as lab): two strongSwan branches on
// 10.0.0.0/16, each with an IKEv2 tunnel to the spoke branches' first
// gateway instance and a backup to its HA instance, mapped into the
// spoke's VPC branch-vpc on 10.0.0.0/16. It checks the SAs in the branches
// (swanctl --list-sas) and in the spoke gateways' charons, traffic both
// ways through the virtual ranges, and that pings to one branch's virtual
// range reach that branch and never the other.
func checkSiteToCloud(t *testing.T, lab string) {
	for node, conns := range map[string][]string{"br1": {"branch1", "branch1-ha"}, "br2": {"branch2", "branch2-ha"},
		accessGW1: {"branch1", "branch2"}, accessGW2: {"branch1-ha", "branch2-ha"}} {
		sas := siteSAs(t, lab, node)
		for _, c := range conns {
			if !ipsec.Up(sas, c) {
				t.Errorf("%s: swanctl --list-sas shows no established %s with its child installed: %+v", node, c, sas)
			}
		}
	}
	a := netip.MustParseAddr
	// Each branch sees the VPC's host 10.0.1.10 at its own virtual
	// address; the VPC sees each branch's host 10.0.1.10 at the branch's.
	vh := workloadNS(t, lab, accessVH)
	s2cReach(t, lab, "b1h", a("100.81.1.10"))
	s2cReach(t, lab, "b2h", a("100.82.1.10"))
	s2cReachNS(t, vh, a("100.65.1.10"))
	s2cReachNS(t, vh, a("100.66.1.10"))
	t.Run("no packet reaches the wrong branch", func(t *testing.T) { checkIsolation(t, lab, vh) })
	t.Run("FlightPath's verdicts are the pings'", func(t *testing.T) { checkSpokeMappedFlightPath(t, lab) })
	t.Run("branch 2 authenticates with certificates", func(t *testing.T) { checkBranch2Certs(t, lab) })
	t.Run("a capture on the gateways shows the translation", func(t *testing.T) { checkTranslationCapture(t, lab) })
	t.Run("inspect shows the SAs", func(t *testing.T) { checkInspectSAs(t, lab) })
	t.Run("the API serves the template", func(t *testing.T) { checkS2CConfigAPI(t, lab) })
}

// checkInspectSAs: `mcnlab inspect` lists each spoke gateway's IKE SAs
// with their peers (the branches' uplink addresses) and installed child
// SAs, and each branch's.
func checkInspectSAs(t *testing.T, lab string) {
	out, _, err := run(t, "inspect", "--lab", lab)
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^ipsec branches-1 \(cloud gateway\)\n  IKE SA +STATE +PEER +CHILD SAS\n`,
		`(?m)^  branch1 +ESTABLISHED +198\.51\.100\.114 +branch1 INSTALLED$`,
		`(?m)^  branch2-ha +ESTABLISHED +198\.51\.100\.110 +branch2-ha INSTALLED$`,
		`(?m)^ipsec br1 \(strongswan\)$`,
		`(?m)^  branch1-ha +ESTABLISHED +203\.0\.113\.\d+ +branch1-ha INSTALLED$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("inspect lacks %s:\n%s", re, out)
		}
	}
}

// checkS2CConfigAPI: GET /v1/site2cloud/branch1/config of the lab's
// controller answers the text `mcnlab s2c config` prints, for each vendor,
// and the strongSwan one names the spoke gateways' public addresses.
func checkS2CConfigAPI(t *testing.T, lab string) {
	c, err := mcnlab.API(lab)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(context.Background())
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
		if vendor != "strongswan" {
			continue
		}
		for _, g := range st.Gateways {
			if g.Group == "branches" && !strings.Contains(cli, "remote_addrs = "+g.PublicIP.String()+"\n") {
				t.Errorf("strongswan template of branch1 does not name %s's public address %s:\n%s", g.Name, g.PublicIP, cli)
			}
		}
	}
}

// checkIsolation pings branch 1's virtual address 20 times from the VPC's
// host (namespace vh) and counts the echo requests each branch's host
// received.
func checkIsolation(t *testing.T, lab, vh string) {
	b1, b2 := echoRequests(t, lab, "b1h"), echoRequests(t, lab, "b2h")
	p, err := probe.NewPinger(vh)
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

// checkFailover pings the VPC from branch 1 every 50 ms, kills the spoke's
// first gateway instance hard (SIGKILL to every process in its namespace,
// its charon and its gateway daemon, so that no IKE DELETE warns the
// branch) and then stops it through the lab's EC2 API (so that its
// gateway daemon is not restarted), and measures how long no reply came:
// the branch's dead peer detection moves its traffic to the backup
// tunnel, and the controller points the VPC's routes to the virtual
// prefixes at the HA gateway.
func checkFailover(t *testing.T, lab string) {
	p, err := probe.NewPinger(emulator.NamespaceName(lab, "b1h"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dst := netip.MustParseAddr("100.81.1.10")
	gw1 := workloadNS(t, lab, accessGW1)
	var lastOK, killed time.Time
	gap := time.Duration(0)
	stopped := make(chan struct{})
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
			killed = time.Now()
			killNamespace(t, gw1)
			go func() {
				defer close(stopped)
				stopInstance(t, lab, accessGW1, gw1)
			}()
		}
		if !killed.IsZero() && time.Since(killed) > 15*time.Second {
			t.Fatalf("no reply within 15 s of killing %s", accessGW1)
		}
		time.Sleep(time.Until(sent.Add(50 * time.Millisecond)))
	}
	<-stopped
	t.Logf("traffic resumed %s after %s was killed", gap.Round(time.Millisecond), accessGW1)
	if gap > 5*time.Second {
		t.Errorf("traffic stopped for %s after %s was killed; want at most 5 s", gap, accessGW1)
	}
	sas := siteSAs(t, lab, "br1")
	if ipsec.Up(sas, "branch1") || !ipsec.Up(sas, "branch1-ha") {
		t.Errorf("br1 after %s died: want branch1 down and branch1-ha up, have %+v", accessGW1, sas)
	}
	s2cReachNS(t, workloadNS(t, lab, accessVH), netip.MustParseAddr("100.65.1.10"))
}

// checkBranch2Certs: the spoke's first gateway loaded branch2 (up, as
// checkSiteToCloud saw) with public key authentication of both ends, its
// own certificate the lab CA issued for its public address and the lab CA
// as the only one it trusts for the branch; branch1 with a pre-shared key.
func checkBranch2Certs(t *testing.T, lab string) {
	out, err := ipsec.Swanctl(context.Background(), emulator.CharonDir(lab, accessGW1), "--list-conns")
	if err != nil {
		t.Fatal(err)
	}
	i1, i2 := strings.Index(out, "branch1: IKEv2"), strings.Index(out, "branch2: IKEv2")
	if i1 < 0 || i2 < 0 {
		t.Fatalf("%s lists no branch1 or branch2:\n%s", accessGW1, out)
	}
	b1, b2 := out[i1:], out[i2:]
	for _, want := range []string{"local public key authentication:", "certs:", "CN=mcnlab site2cloud branch2 gateway", "remote public key authentication:", "cacerts:", "CN=mcnlab lab " + lab + " CA"} {
		if !strings.Contains(b2, want) {
			t.Errorf("%s's branch2 lacks %q:\n%s", accessGW1, want, out)
		}
	}
	if !strings.Contains(b1, "local pre-shared key authentication:") {
		t.Errorf("%s's branch1 does not use its pre-shared key:\n%s", accessGW1, out)
	}
}

// killNamespace sends SIGKILL to every process in namespace ns (a lab's).
func killNamespace(t *testing.T, ns string) {
	t.Helper()
	pids, err := emulator.NamespacePIDs(ns)
	if err != nil || len(pids) == 0 {
		t.Fatalf("processes of %s: %v %v", ns, pids, err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			t.Fatalf("kill %d: %v", pid, err)
		}
	}
}
