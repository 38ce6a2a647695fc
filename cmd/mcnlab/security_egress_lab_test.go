package main

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// web1 is security.yaml's internet web server.
var web1 = netip.MustParseAddr("192.0.2.20")

// firewallEgress reads each firewall's status (its egress counters and
// rule counters).
func firewallEgress(t *testing.T, lab string, instances map[string]cloud.InstanceInfo) map[string]fwmgmt.Status {
	t.Helper()
	out := map[string]fwmgmt.Status{}
	for _, fw := range []string{"fw1", "fw2"} {
		in, ok := instances[fw]
		if !ok {
			continue // stopped
		}
		c := fwmgmt.NewClient(emulator.GatewaySocket(lab, in.ID))
		st, err := c.Status(context.Background())
		c.Close()
		if err != nil || st.EgressOut == nil || len(st.Rules) == 0 {
			t.Fatalf("%s's status: %v %+v; want its egress counters and rules", fw, err, st)
		}
		out[fw] = st
	}
	return out
}

// egressFlow is one connection to the internet: its destination, its
// client port and the source address the internet saw.
type egressFlow struct {
	dst  netip.Addr
	port uint16
	seen netip.Addr
}

// egressSources has n TCP connections made from client's namespace to
// dst:8080, where a listener in the internet's namespace accepts them, and
// returns each one's client port and the source address the internet saw.
func egressSources(t *testing.T, client, inet string, dst netip.Addr, n int) []egressFlow {
	t.Helper()
	var ln net.Listener
	if err := netns.Do(inet, func() (err error) { ln, err = net.Listen("tcp4", netip.AddrPortFrom(dst, 8080).String()); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out []egressFlow
	for range n {
		var c net.Conn
		if err := netns.Do(client, func() (err error) {
			c, err = net.DialTimeout("tcp4", netip.AddrPortFrom(dst, 8080).String(), 3*time.Second)
			return err
		}); err != nil {
			t.Fatalf("connection %d to the internet: %v", len(out)+1, err)
		}
		ln.(*net.TCPListener).SetDeadline(time.Now().Add(3 * time.Second))
		s, err := ln.Accept()
		port := c.LocalAddr().(*net.TCPAddr).AddrPort().Port()
		c.Close()
		if err != nil {
			t.Fatalf("the internet accepted no connection %d: %v", len(out)+1, err)
		}
		out = append(out, egressFlow{dst, port, s.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap()})
		s.Close()
	}
	return out
}

// symmetricFlows checks, from each firewall's own connection table, that
// every flow crossed exactly one firewall both ways: the one whose elastic
// IP the internet saw, which translated it to its egress address and
// counted its replies.
func symmetricFlows(t *testing.T, lab string, instances map[string]cloud.InstanceInfo, flows []egressFlow, eips map[netip.Addr]string) {
	t.Helper()
	dsts := map[netip.Addr]bool{}
	for _, f := range flows {
		dsts[f.dst] = true
	}
	at := map[netip.AddrPort][]string{} // destination and client port -> firewalls holding the flow
	for _, fw := range []string{"fw1", "fw2"} {
		var cts []*netlink.ConntrackFlow
		if err := netns.Do(emulator.InstanceNamespace(lab, instances[fw].ID), func() (err error) {
			cts, err = netlink.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET)
			return err
		}); err != nil {
			t.Fatalf("%s's connection table: %v", fw, err)
		}
		for _, ct := range cts {
			dst, _ := netip.AddrFromSlice(ct.Forward.DstIP.To4())
			if ct.Forward.Protocol != unix.IPPROTO_TCP || ct.Forward.DstPort != 8080 || !dsts[dst] {
				continue
			}
			if e, _ := intent.FirewallEgressInterface(instances[fw]); !ct.Reverse.DstIP.Equal(e.PrivateIP.AsSlice()) || ct.Reverse.Packets == 0 {
				t.Errorf("%s's flow from port %d: replies to %s, %d reply packets; want its egress address %s and replies",
					fw, ct.Forward.SrcPort, ct.Reverse.DstIP, ct.Reverse.Packets, e.PrivateIP)
			}
			k := netip.AddrPortFrom(dst, ct.Forward.SrcPort)
			at[k] = append(at[k], fw)
		}
	}
	for _, f := range flows {
		if got := at[netip.AddrPortFrom(f.dst, f.port)]; len(got) != 1 || got[0] != eips[f.seen] {
			t.Errorf("flow to %s from port %d (seen from %s, %s's): in the connection tables of %v; want %s's alone", f.dst, f.port, f.seen, eips[f.seen], got, eips[f.seen])
		}
	}
}

// checkFireNetEgress (TestSecurityLab, TestAzureFireNetLab,
// TestGCPFireNetLab) checks
// prod's internet egress through the firewalls fw1 and fw2: curl
// http://web1 from prod-app works and raises the firewalls' egress
// counters; the internet sees each connection from a firewall's elastic
// (public) IP, and 40 connections split over both firewalls, each in one
// firewall's connection table both ways (symmetricFlows); tcp/22 to the
// internet is dropped by the firewalls' deny rule; workload outside, not
// in an egress domain, has no way to the internet still.
func checkFireNetEgress(t *testing.T, lab string, instances map[string]cloud.InstanceInfo, outside string) {
	prodNS := emulator.InstanceNamespace(lab, instances["prod-app"].ID)
	inet := emulator.NamespaceName(lab, "inet")
	eips := map[netip.Addr]string{}
	for _, fw := range []string{"fw1", "fw2"} {
		if e, _ := intent.FirewallEgressInterface(instances[fw]); e.PublicIP.IsValid() {
			eips[e.PublicIP] = fw
		}
	}
	if len(eips) != 2 {
		t.Fatalf("the firewalls' egress interfaces: %+v, %+v; want one each with an elastic IP", instances["fw1"], instances["fw2"])
	}
	sum := func(m map[string]fwmgmt.Status, f func(fwmgmt.Status) uint64) (n uint64) {
		for _, st := range m {
			n += f(st)
		}
		return n
	}
	out := func(st fwmgmt.Status) uint64 { return st.EgressOut.Packets }
	before := firewallEgress(t, lab, instances)
	if got, err := labExec(lab, "prod-app", "curl", "-sS", "--max-time", "5", "http://"+web1.String()+"/"); err != nil || !strings.Contains(got, "web1") {
		t.Errorf("curl http://%s from prod-app: %q, %v; want web1's answer", web1, got, err)
	}
	if a, b := sum(before, out), sum(firewallEgress(t, lab, instances), out); b < a+4 {
		t.Errorf("the firewalls sent %d packets out of their egress interfaces for one HTTP exchange; want 4 or more", b-a)
	}
	per := egressSplit(t, lab, instances, prodNS, inet, eips, []netip.Addr{web1}, 40)
	t.Logf("40 connections to the internet, by firewall: %v", per)
	if per["fw1"] == 0 || per["fw2"] == 0 {
		t.Errorf("40 connections all left by one firewall: %v; want both used (5-tuple hash)", per)
	}
	checkEgressSSH(t, lab, prodNS, instances)
	// outside is inspected east-west but not an egress domain: its private
	// subnet keeps its path, which has no way to the internet.
	if reach(t, emulator.InstanceNamespace(lab, instances[outside].ID), web1, 2) {
		t.Errorf("%s reaches the internet; only prod's egress goes through the firewalls", outside)
	}
}

// checkEgressSSH checks that tcp/22 to the internet is dropped by the
// firewalls' first rule (the sum of their counters rises).
func checkEgressSSH(t *testing.T, lab, prodNS string, instances map[string]cloud.InstanceInfo) {
	rule := func() (n uint64) {
		for _, st := range firewallEgress(t, lab, instances) {
			n += st.Rules[0].Packets
		}
		return n
	}
	dropped22(t, prodNS, web1, "the firewalls", rule)
}

// egressFailover (TestSecurityLab) stops the firewall that carries
// prod-app's pings to the internet and checks that they move to the other
// within 2 s.
func egressFailover(t *testing.T, lab, prodNS string, instances map[string]cloud.InstanceInfo) {
	before := firewallEgress(t, lab, instances)
	if !reach(t, prodNS, web1, 3) {
		t.Fatal("prod-app does not reach web1")
	}
	var carrier string
	for fw, st := range firewallEgress(t, lab, instances) {
		if st.EgressOut.Packets >= before[fw].EgressOut.Packets+3 {
			carrier = fw
		}
	}
	if carrier == "" {
		t.Fatalf("no firewall sent prod-app's pings out: %v", before)
	}
	other := otherFirewall(carrier)
	was := firewallEgress(t, lab, instances)[other].EgressOut.Packets
	outage := outageDuring(t, prodNS, web1, func() { stopInstance(t, lab, carrier, emulator.InstanceNamespace(lab, instances[carrier].ID)) })
	t.Logf("stopping %s: longest gap between answers from the internet %s", carrier, outage.Round(time.Millisecond))
	if outage > 2*time.Second {
		t.Errorf("the egress flow took %s to move to %s; want at most 2 s", outage, other)
	}
	delete(instances, carrier)
	if now := firewallEgress(t, lab, instances)[other].EgressOut.Packets; now <= was {
		t.Errorf("%s's egress counter did not rise after %s stopped: %d -> %d", other, carrier, was, now)
	}
}
