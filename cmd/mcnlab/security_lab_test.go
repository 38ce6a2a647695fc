package main

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

const securityTopology = "../../topologies/security.yaml"

// serveHi answers "hi" on tcp/80 of the instance's private address until
// the test ends.
func serveHi(t *testing.T, ns string, addr netip.Addr) {
	serveHiOn(t, ns, netip.AddrPortFrom(addr, 80))
}

// serveHiOn is serveHi on any address and port.
func serveHiOn(t *testing.T, ns string, ap netip.AddrPort) {
	t.Helper()
	var ln net.Listener
	if err := netns.Do(ns, func() (err error) {
		ln, err = net.Listen("tcp4", ap.String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
}

// TestSecurityLab deploys topologies/security.yaml with the commands of
// every lab and checks the three services side by side: the matrix of
// pings is as the intent says (prod and dev apart, prod and shared through
// the firewalls); from dev-app, https://api.example.com passes the egress
// gateway and https://blocked.example.net on the same address is reset;
// a prod workload's tcp/22 to shared is dropped by the firewalls while
// ICMP passes; the attacker on the threat list is blocked from the public
// web instance within the poll interval + 2 s of its first flow, in the
// network ACL and at the Public Subnet Filtering gateway shared-psf
// (whose deny rule counts the attacker's further tries), while the
// excluded partner still reaches it; and prod's internet egress goes
// through the firewalls (checkFireNetEgress).
func TestSecurityLab(t *testing.T) {
	lab := deployCloudLab(t, securityTopology, "sec")
	m := checkMatrix(t, lab)
	probed := map[string]int{}
	for _, c := range m.Services {
		if c.Seen != "" {
			probed[c.Service]++
		}
	}
	if len(m.Services) != 10 || probed["fqdn-egress"] != 3 || probed["firenet"] != 5 || probed["guardduty"] != 0 {
		t.Errorf("the matrix's service verdicts: %d, probed %v; want 10, the 3 egress and 5 FireNet ones (2 east-west, 3 egress) probed", len(m.Services), probed)
	}

	curlSteps(t, lab, "10.4.1.10", "security", []egressStep{
		{"https://api.example.com/", "web1 api.example.com /", "api.example.com allow dev: api.example.com tcp/443 (sni)"},
		{"https://blocked.example.net/", "", "blocked.example.net deny : base allow-list (sni)"},
	})

	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	db := instances["shared-db"]
	serveHi(t, emulator.InstanceNamespace(lab, db.ID), db.PrivateIP)
	prodNS := emulator.InstanceNamespace(lab, instances["prod-app"].ID)
	if err := netns.Do(prodNS, func() error {
		c, err := net.DialTimeout("tcp4", netip.AddrPortFrom(db.PrivateIP, 22).String(), time.Second)
		if err == nil {
			c.Close()
		}
		return err
	}); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("prod-app -> shared-db tcp/22: %v; want it dropped by the firewalls (a timeout)", err)
	}
	if err := netns.Do(prodNS, func() error {
		c, err := net.DialTimeout("tcp4", netip.AddrPortFrom(db.PrivateIP, 80).String(), 2*time.Second)
		if err == nil {
			c.Close()
		}
		return err
	}); err != nil {
		t.Errorf("prod-app -> shared-db tcp/80 through the firewalls: %v", err)
	}

	web := instances["web"]
	serveHi(t, emulator.InstanceNamespace(lab, web.ID), web.PrivateIP)
	labGuardDuty(t, lab, 20*time.Second)
	inet := emulator.NamespaceName(lab, "inet")
	attacker, partner := netip.MustParseAddr("192.0.2.66"), netip.MustParseAddr("192.0.2.77")
	if err := connectFrom(inet, partner, web.PublicIP, 2*time.Second); err != nil {
		t.Fatalf("partner cannot reach web at %s: %v", web.PublicIP, err)
	}
	first := time.Now()
	if err := connectFrom(inet, attacker, web.PublicIP, 2*time.Second); err != nil {
		t.Fatalf("the attacker cannot reach web at %s before its block: %v", web.PublicIP, err)
	}
	const limit = time.Second + 2*time.Second
	for connectFrom(inet, attacker, web.PublicIP, 250*time.Millisecond) == nil {
		if time.Since(first) > limit {
			t.Fatalf("the attacker still reaches web %s after its first flow (limit %s)", time.Since(first).Round(time.Millisecond), limit)
		}
		time.Sleep(50 * time.Millisecond) // the attacker's next try
	}
	t.Logf("attacker blocked %s after its first flow", time.Since(first).Round(time.Millisecond))
	// The web subnet is behind shared-psf: the attacker is blocked there
	// too (its rule counts each further try) and in the network ACL.
	checkPSFBlock(t, lab, instances["shared-psf"], attacker, web.PublicIP)
	if err := connectFrom(inet, partner, web.PublicIP, 2*time.Second); err != nil {
		t.Errorf("the excluded partner cannot reach web after the attacker's block: %v", err)
	}
	checkFireNetEgress(t, lab, instances, "shared-db")
	egressFailover(t, lab, emulator.InstanceNamespace(lab, instances["prod-app"].ID), instances)
}
