package firewall_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// fakeRouter records the egress routing in place.
type fakeRouter struct {
	set  *firewall.Egress
	fail error
}

func (r *fakeRouter) Set(e firewall.Egress) error {
	if r.fail != nil {
		return r.fail
	}
	r.set = &e
	return nil
}

func (r *fakeRouter) Clear() error { r.set = nil; return nil }

// TestEgressTable: with egress the table masquerades what leaves the
// egress interface and counts its traffic both ways, after the routing
// is in place; dropping egress removes the routing and the chains; an
// engine without a router refuses egress, changing nothing.
func TestEgressTable(t *testing.T) {
	f, r := policy.NewFake(), &fakeRouter{}
	cfg := noSSH
	cfg.Egress = &firewall.Egress{LAN: "eth0", Interface: "eth1", Internal: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	e, err := firewall.Start(f, fakeCT{}, cfg, firewall.WithEgress(r))
	if err != nil {
		t.Fatal(err)
	}
	got := f.String()
	for _, line := range []string{
		"chain egress-count { type filter hook forward priority -1; policy accept;",
		`oifname "eth1" counter name "egress-out"`,
		`iifname "eth1" counter name "egress-in"`,
		"chain egress-count-local { type filter hook output priority -1; policy accept;",
		"chain egress-count-in { type filter hook input priority -1; policy accept;",
		"chain egress-nat { type nat hook postrouting priority 100; policy accept;",
		`oifname "eth1" masquerade`,
		`meta l4proto tcp tcp dport 22 counter name "rule-no-ssh" drop`,
	} {
		if !strings.Contains(got, line) {
			t.Errorf("table lacks %q:\n%s", line, got)
		}
	}
	if r.set == nil || r.set.Interface != "eth1" || len(r.set.Internal) != 1 {
		t.Errorf("routing in place: %+v", r.set)
	}
	f.SetCounter(policy.Table{Name: firewall.TableName}, firewall.CounterEgressOut, policy.Count{Packets: 4, Bytes: 240})
	if c, err := e.Counters(); err != nil || c.EgressOut.Packets != 4 {
		t.Errorf("Counters = %+v, %v", c, err)
	}
	if err := e.Apply(noSSH); err != nil {
		t.Fatal(err)
	}
	if r.set != nil || strings.Contains(f.String(), "egress") {
		t.Errorf("egress left after it was dropped: %+v\n%s", r.set, f)
	}
	bad := cfg
	bad.Egress = &firewall.Egress{LAN: "eth0"}
	if err := e.Apply(bad); err == nil || !strings.Contains(err.Error(), "needs its LAN and egress interfaces") {
		t.Errorf("Apply(no egress interface) = %v", err)
	}
	oneArmed(t, e, f, r)
	plain, err := firewall.Start(policy.NewFake(), fakeCT{}, noSSH)
	if err != nil {
		t.Fatal(err)
	}
	if err := plain.Apply(cfg); err == nil || !strings.Contains(err.Error(), "needs a router") {
		t.Errorf("Apply(egress) without a router = %v", err)
	}
	r.fail = errors.New("no eth1")
	if err := e.Apply(cfg); err == nil || strings.Contains(f.String(), "egress") {
		t.Errorf("a failed routing still applied the table: %v\n%s", err, f)
	}
}

// oneArmed: an egress out of the LAN interface itself (GCP's one
// interface with its external address) masquerades and counts what goes
// to the internet, never what goes to or comes from an internal prefix
// (the east-west traffic that leaves by the same interface).
func oneArmed(t *testing.T, e *firewall.Engine, f *policy.Fake, r *fakeRouter) {
	t.Helper()
	cfg := noSSH
	cfg.Egress = &firewall.Egress{LAN: "eth0", Interface: "eth0", Internal: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	if !cfg.Egress.OneArmed() {
		t.Fatal("eth0 to eth0 is not one-armed")
	}
	if err := e.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	got := f.String()
	for _, line := range []string{
		"chain egress-nat { type nat hook postrouting priority 100; policy accept;\n\t\tip daddr 10.0.0.0/8 return\n\t\toifname \"eth0\" masquerade",
		"chain egress-count { type filter hook forward priority -1; policy accept;\n\t\tip daddr 10.0.0.0/8 return\n\t\toifname \"eth0\" counter name \"egress-out\"",
		"chain egress-count-back { type filter hook forward priority -1; policy accept;\n\t\tip saddr 10.0.0.0/8 return\n\t\tiifname \"eth0\" counter name \"egress-in\"",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("one-armed table lacks %q:\n%s", line, got)
		}
	}
	if r.set == nil || r.set.Interface != "eth0" {
		t.Errorf("routing in place: %+v", r.set)
	}
	if err := e.Apply(noSSH); err != nil {
		t.Fatal(err)
	}
}
