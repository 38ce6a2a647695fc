package firewall_test

import (
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
// without a MAC address is refused.
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
	if err := e.Apply(bad); err == nil || !strings.Contains(err.Error(), "egress gateway 0: needs an IPv4 address and a 6-byte MAC address") {
		t.Errorf("Apply(gateway without MAC) = %v", err)
	}
}
