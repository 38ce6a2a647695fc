package firenet_test

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/dataplane/firenet"
	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// newHALab builds an HA pair of transit gateways where each sees one
// direction only: the client sends through gwA, the server through gwB
// (each end has a link to both), and both gateways reach both firewalls,
// which return what they pass to gwA. The lab's gw and steer are gwA's;
// gwB's steerer is returned too.
func newHALab(t *testing.T) (*lab, *firenet.Steerer) {
	t.Helper()
	roottest.Require(t)
	checkGoroutines(t)
	nss := roottest.NewNamespaces(t, "cli", "gwa", "gwb", "srv", "fw1", "fw2")
	l := &lab{cli: nss[0], gw: nss[1], srv: nss[3], fws: nss[4:]}
	gwA, gwB := nss[1], nss[2]
	roottest.VethPair(t, l.cli, gwA, "eth0", "eth0", []string{"10.1.1.5/24"}, []string{"10.1.1.1/24"})
	roottest.VethPair(t, l.cli, gwB, "eth1", "eth0", []string{"10.1.2.5/24"}, []string{"10.1.2.1/24"})
	roottest.VethPair(t, l.srv, gwA, "eth0", "eth1", []string{"10.2.1.5/24"}, []string{"10.2.1.1/24"})
	roottest.VethPair(t, l.srv, gwB, "eth1", "eth1", []string{"10.2.2.5/24"}, []string{"10.2.2.1/24"})
	addDefault(t, l.cli, "10.1.1.1")
	addDefault(t, l.srv, "10.2.2.1")
	// gwB reaches the client's address over its own link to the client.
	if err := gwB.NL.RouteAdd(&netlink.Route{Dst: &net.IPNet{IP: net.IP{10, 1, 1, 0}, Mask: net.CIDRMask(24, 32)}, Gw: net.IP{10, 1, 2, 5}}); err != nil {
		t.Fatal(err)
	}
	cfgs := []firenet.Config{pairConfig(), pairConfig()}
	for i, fw := range l.fws {
		n := i + 1
		roottest.VethPair(t, gwA, fw, fmt.Sprintf("fw%d", n), "eth0", []string{fmt.Sprintf("169.254.%d0.1/30", n)}, []string{fmt.Sprintf("169.254.%d0.2/30", n)})
		roottest.VethPair(t, gwB, fw, fmt.Sprintf("fw%d", n), "eth1", []string{fmt.Sprintf("169.254.%d1.1/30", n)}, []string{fmt.Sprintf("169.254.%d1.2/30", n)})
		addDefault(t, fw, fmt.Sprintf("169.254.%d0.1", n))
		cfgs[1].Firewalls[i].Addr = netip.MustParseAddr(fmt.Sprintf("169.254.%d1.2", n))
		e, err := firewall.StartIn(int(fw.Handle), firewall.Config{}, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		l.engines = append(l.engines, e)
	}
	l.serve(t)
	var steers []*firenet.Steerer
	for i, gw := range []*roottest.NS{gwA, gwB} {
		if err := netns.DoHandle(gw.Handle, func() error {
			return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644)
		}); err != nil {
			t.Fatal(err)
		}
		cfgs[i].Exclude = nil
		cfgs[i].Health = firenet.Health{Interval: 100 * time.Millisecond}
		s, err := firenet.StartIn(int(gw.Handle), cfgs[i])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		steers = append(steers, s)
	}
	l.steer = steers[0]
	return l, steers[1]
}

// TestHAPairChoosesAlike: with the two directions of every flow on two
// gateways of an HA pair, each with its own conntrack, 40 TCP connections
// still cross one firewall both ways (the firewalls' tables hold each
// whole, none one-way): the hash takes the prod side first on both
// gateways, with one seed.
func TestHAPairChoosesAlike(t *testing.T) {
	l, gwB := newHALab(t)
	conns := l.dialMany(t, 40)
	tables := l.flowsOf(t)
	split := make([]int, 2)
	for _, c := range conns {
		local := netip.MustParseAddrPort(c.LocalAddr().String())
		on := carriers(t, tables, 6, local, 7)
		if len(on) != 1 {
			t.Errorf("connection from %s is in firewalls %v, want one", local, on)
			continue
		}
		split[on[0]]++
	}
	a, b := steered(t, l.steer), steered(t, gwB)
	t.Logf("HA pair, 40 connections: fw1 %d, fw2 %d; gwA steered %d packets (client to server), gwB %d (server to client)", split[0], split[1], a, b)
	if split[0] == 0 || split[1] == 0 || a == 0 || b == 0 {
		t.Errorf("want flows on both firewalls and steering on both gateways")
	}
}
