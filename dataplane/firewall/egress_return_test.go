package firewall_test

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// TestEgressReturnTable: with the gateways of an HA pair named, a packet
// from the LAN records its gateway (by Ethernet source) in its
// connection's mark, and what comes back from the internet, or from the
// firewall itself, takes that gateway's mark (which routes it back to
// that gateway); without gateways there are no such chains; a gateway
// without a MAC address is refused by an engine that cannot resolve it.
func TestEgressReturnTable(t *testing.T) {
	f, r := policy.NewFake(), &fakeRouter{}
	macA, _ := net.ParseMAC("02:aa:00:00:00:01")
	macB, _ := net.ParseMAC("02:bb:00:00:00:02")
	cfg := noSSH
	cfg.Egress = &firewall.Egress{LAN: "eth0", Interface: "eth1", Gateways: []firewall.ReturnGateway{
		{Addr: netip.MustParseAddr("10.10.1.10"), MAC: macA}, {Addr: netip.MustParseAddr("10.10.1.11"), MAC: macB}}}
	e, err := firewall.Start(f, fakeCT{}, cfg, firewall.WithEgress(r))
	if err != nil {
		t.Fatal(err)
	}
	got := f.String()
	for _, line := range []string{
		"chain egress-return { type filter hook prerouting priority -151; policy accept;",
		`iifname "eth0" ether saddr 02:aa:00:00:00:01 ct mark set 0x4d470001`,
		`iifname "eth0" ether saddr 02:bb:00:00:00:02 ct mark set 0x4d470002`,
		`iifname "eth1" ct mark 0x4d470001 meta mark set 0x4d470001`,
		`iifname "eth1" ct mark 0x4d470002 meta mark set 0x4d470002`,
		"chain egress-return-local { type route hook output priority -150; policy accept;",
		`ct mark 0x4d470002 meta mark set 0x4d470002`,
	} {
		if !strings.Contains(got, line) {
			t.Errorf("table lacks %q:\n%s", line, got)
		}
	}
	if r.set == nil || len(r.set.Gateways) != 2 || r.set.Gateways[1].Addr != netip.MustParseAddr("10.10.1.11") {
		t.Errorf("routing in place: %+v", r.set)
	}
	one := cfg
	one.Egress = &firewall.Egress{LAN: "eth0", Interface: "eth1"}
	if err := e.Apply(one); err != nil || strings.Contains(f.String(), "egress-return") {
		t.Errorf("Apply(no gateways) = %v; return chains left:\n%s", err, f)
	}
	bad := cfg
	bad.Egress = &firewall.Egress{LAN: "eth0", Interface: "eth1", Gateways: []firewall.ReturnGateway{{Addr: netip.MustParseAddr("10.10.1.10")}}}
	if err := e.Apply(bad); err == nil || !strings.Contains(err.Error(), "egress gateways without MAC addresses, and this engine's router cannot resolve them") {
		t.Errorf("Apply(gateway without MAC) = %v", err)
	}
}

// resolvingRouter is fakeRouter that answers neighbour resolution from
// macs (what ARP would find on the link).
type resolvingRouter struct {
	fakeRouter
	macs  map[netip.Addr]net.HardwareAddr
	asked []netip.Addr
}

func (r *resolvingRouter) Resolve(_ context.Context, dev string, addrs []netip.Addr) (map[netip.Addr]net.HardwareAddr, error) {
	r.asked = append(r.asked, addrs...)
	out := map[netip.Addr]net.HardwareAddr{}
	for _, a := range addrs {
		if m, ok := r.macs[a]; ok && dev == "eth0" {
			out[a] = m
		}
	}
	return out, nil
}

// TestEgressReturnResolved: one-armed egress (GCP's, whose API reports no
// MAC addresses) with gateways given by address only: the firewall
// resolves each on its LAN and marks by the MACs found; what arrives from
// an internal source (the gateways' own packets on their way out, on the
// same interface) is not sent back; a gateway that does not answer is
// left out; two gateways answering with one MAC address are refused.
func TestEgressReturnResolved(t *testing.T) {
	a, b := netip.MustParseAddr("10.10.1.10"), netip.MustParseAddr("10.10.1.11")
	macA, _ := net.ParseMAC("42:01:0a:0a:01:0a")
	f, r := policy.NewFake(), &resolvingRouter{macs: map[netip.Addr]net.HardwareAddr{a: macA}}
	cfg := noSSH
	cfg.Egress = &firewall.Egress{LAN: "eth0", Interface: "eth0", Internal: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Gateways: []firewall.ReturnGateway{{Addr: a}, {Addr: b}}}
	e, err := firewall.Start(f, fakeCT{}, cfg, firewall.WithEgress(r))
	if err != nil {
		t.Fatal(err)
	}
	got := f.String()
	for _, line := range []string{
		`iifname "eth0" ether saddr 42:01:0a:0a:01:0a ct mark set 0x4d470001`,
		`ip saddr 10.0.0.0/8 return`,
		`iifname "eth0" ct mark 0x4d470001 meta mark set 0x4d470001`,
	} {
		if !strings.Contains(got, line) {
			t.Errorf("table lacks %q:\n%s", line, got)
		}
	}
	if strings.Contains(got, "0x4d470002") || len(r.asked) != 2 || len(r.set.Gateways) != 1 || r.set.Gateways[0].Addr != a {
		t.Errorf("asked %v, routing %+v; want both asked and only %s, which answered, kept:\n%s", r.asked, r.set, a, got)
	}
	if cfg.Egress.Gateways[0].MAC != nil {
		t.Errorf("the caller's configuration was changed: %+v", cfg.Egress.Gateways)
	}
	r.macs[b] = macA
	if err := e.Apply(cfg); err == nil || !strings.Contains(err.Error(), "egress gateways 10.10.1.10 and 10.10.1.11 have one MAC address 42:01:0a:0a:01:0a on eth0") {
		t.Errorf("Apply(two gateways, one MAC) = %v", err)
	}
}
