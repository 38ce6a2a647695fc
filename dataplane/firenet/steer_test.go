package firenet_test

import (
	"errors"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/firenet"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// pairConfig inspects prod↔shared through two firewalls, each on a link
// of its own.
func pairConfig() firenet.Config {
	return firenet.Config{
		Firewalls: []firenet.Firewall{
			{Name: "fw1", Addr: netip.MustParseAddr("169.254.10.2"), Link: "fw1"},
			{Name: "fw2", Addr: netip.MustParseAddr("169.254.20.2"), Link: "fw2"},
		},
		Domains: []firenet.Domain{
			{Name: "prod", Prefixes: []netip.Prefix{pfx("10.1.0.0/16")}},
			{Name: "shared", Prefixes: []netip.Prefix{pfx("10.2.0.0/16")}},
			{Name: "dev", Prefixes: []netip.Prefix{pfx("10.3.0.0/16")}},
		},
		Pairs:   []firenet.Pair{{A: "prod", B: "shared"}},
		Exclude: []netip.Prefix{pfx("10.0.0.1/32")},
		Health:  firenet.Health{Interval: 5 * time.Millisecond, Fall: 3, Rise: 2},
	}
}

// fakeProbes answers probes of the firewalls that are up.
type fakeProbes struct {
	mu   sync.Mutex
	down map[netip.Addr]bool
	open int
}

func (f *fakeProbes) set(a netip.Addr, down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down == nil {
		f.down = map[netip.Addr]bool{}
	}
	f.down[a] = down
}

func (f *fakeProbes) opened() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.open
}

func (f *fakeProbes) prober(firenet.Firewall) (firenet.Prober, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.open++
	return fakeProber{f}, nil
}

type fakeProber struct{ f *fakeProbes }

func (p fakeProber) Probe(a netip.Addr, _ int, timeout time.Duration) error {
	p.f.mu.Lock()
	down := p.f.down[a]
	p.f.mu.Unlock()
	if down {
		time.Sleep(timeout / 4)
		return errors.New("no echo reply")
	}
	return nil
}

func (p fakeProber) Close() error {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	p.f.open--
	return nil
}

type rig struct {
	nft    *policy.Fake
	routes *firenet.FakeRoutes
	probes *fakeProbes
	s      *firenet.Steerer
}

func start(t *testing.T, cfg firenet.Config) *rig {
	t.Helper()
	checkGoroutines(t)
	r := &rig{nft: policy.NewFake(), routes: &firenet.FakeRoutes{}, probes: &fakeProbes{}}
	s, err := firenet.Start(cfg, firenet.Deps{NFT: r.nft, Routes: r.routes, Probe: r.probes.prober})
	if err != nil {
		t.Fatal(err)
	}
	r.s = s
	t.Cleanup(func() { s.Close() })
	return r
}

// checkGoroutines fails the test if goroutines it started outlive it.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond) // waiting for exits, not readiness
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("%d goroutines left (had %d):\n%s", n, before, buf[:runtime.Stack(buf, true)])
		}
	})
}

// waitHealth polls the status until firewall name has the health want.
func (r *rig) waitHealth(t *testing.T, name string, want bool) firenet.Status {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		st, err := r.s.Status()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range st.Firewalls {
			if f.Name == name && f.Healthy == want {
				return st
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("firewall %s never became healthy=%v: %+v", name, want, st)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

const bothHealthy = `table inet mcn-firenet {
	set dom-prod4 { type ipv4_addr; flags interval; elements = { 10.1.0.0/16 } }
	set dom-shared4 { type ipv4_addr; flags interval; elements = { 10.2.0.0/16 } }
	set exclude4 { type ipv4_addr; flags interval; elements = { 10.0.0.1/32 } }
	counter fw-fw1
	counter fw-fw2
	counter no-firewall
	chain pair-prod-shared-4 {
		ct mark 0x4d430001 counter name "fw-fw1" meta mark set 0x4d430001 accept
		ct mark 0x4d430002 counter name "fw-fw2" meta mark set 0x4d430002 accept
		meta nfproto ipv4 meta l4proto tcp jhash ip saddr . ip daddr . tcp sport . tcp dport mod 2 seed 0x6d636e == 0 counter name "fw-fw1" meta mark set 0x4d430001 ct mark set 0x4d430001 accept
		meta nfproto ipv4 meta l4proto tcp jhash ip saddr . ip daddr . tcp sport . tcp dport mod 2 seed 0x6d636e == 1 counter name "fw-fw2" meta mark set 0x4d430002 ct mark set 0x4d430002 accept
		meta nfproto ipv4 meta l4proto udp jhash ip saddr . ip daddr . udp sport . udp dport mod 2 seed 0x6d636e == 0 counter name "fw-fw1" meta mark set 0x4d430001 ct mark set 0x4d430001 accept
		meta nfproto ipv4 meta l4proto udp jhash ip saddr . ip daddr . udp sport . udp dport mod 2 seed 0x6d636e == 1 counter name "fw-fw2" meta mark set 0x4d430002 ct mark set 0x4d430002 accept
		meta nfproto ipv4 jhash ip saddr . ip daddr . meta l4proto mod 2 seed 0x6d636e == 0 counter name "fw-fw1" meta mark set 0x4d430001 ct mark set 0x4d430001 accept
		meta nfproto ipv4 jhash ip saddr . ip daddr . meta l4proto mod 2 seed 0x6d636e == 1 counter name "fw-fw2" meta mark set 0x4d430002 ct mark set 0x4d430002 accept
	}
	chain pair-prod-shared-4-back {
		ct mark 0x4d430001 counter name "fw-fw1" meta mark set 0x4d430001 accept
		ct mark 0x4d430002 counter name "fw-fw2" meta mark set 0x4d430002 accept
		meta nfproto ipv4 meta l4proto tcp jhash ip daddr . ip saddr . tcp dport . tcp sport mod 2 seed 0x6d636e == 0 counter name "fw-fw1" meta mark set 0x4d430001 ct mark set 0x4d430001 accept
		meta nfproto ipv4 meta l4proto tcp jhash ip daddr . ip saddr . tcp dport . tcp sport mod 2 seed 0x6d636e == 1 counter name "fw-fw2" meta mark set 0x4d430002 ct mark set 0x4d430002 accept
		meta nfproto ipv4 meta l4proto udp jhash ip daddr . ip saddr . udp dport . udp sport mod 2 seed 0x6d636e == 0 counter name "fw-fw1" meta mark set 0x4d430001 ct mark set 0x4d430001 accept
		meta nfproto ipv4 meta l4proto udp jhash ip daddr . ip saddr . udp dport . udp sport mod 2 seed 0x6d636e == 1 counter name "fw-fw2" meta mark set 0x4d430002 ct mark set 0x4d430002 accept
		meta nfproto ipv4 jhash ip daddr . ip saddr . meta l4proto mod 2 seed 0x6d636e == 0 counter name "fw-fw1" meta mark set 0x4d430001 ct mark set 0x4d430001 accept
		meta nfproto ipv4 jhash ip daddr . ip saddr . meta l4proto mod 2 seed 0x6d636e == 1 counter name "fw-fw2" meta mark set 0x4d430002 ct mark set 0x4d430002 accept
	}
	chain prerouting { type filter hook prerouting priority -150; policy accept;
		iifname "fw1" return
		iifname "fw2" return
		ip daddr @exclude4 return
		ip saddr @dom-prod4 ip daddr @dom-shared4 jump pair-prod-shared-4
		ip saddr @dom-shared4 ip daddr @dom-prod4 jump pair-prod-shared-4-back
	}
}
`

const routes = `ip rule pref 1000 fwmark 0x4d430001 lookup 4601; route table 4601 default via 169.254.10.2 dev fw1
ip rule pref 1000 fwmark 0x4d430002 lookup 4602; route table 4602 default via 169.254.20.2 dev fw2
`

// TestSteeringTableAndRoutes: for prod↔shared over two firewalls, each
// direction has its chain (the sticky conntrack marks, then one hash rule
// per firewall and protocol, the prod side hashed first both ways), what
// comes back from a firewall link or goes to an excluded address is left
// alone, and each firewall has its mark's rule and table.
func TestSteeringTableAndRoutes(t *testing.T) {
	r := start(t, pairConfig())
	if got := r.nft.String(); got != bothHealthy {
		t.Errorf("table:\n%s\nwant:\n%s", got, bothHealthy)
	}
	if got := r.routes.String(); got != routes {
		t.Errorf("routes:\n%s\nwant:\n%s", got, routes)
	}
}

// TestFirewallDownAndUp: a firewall that stops answering leaves the
// table (its flows' marks are no longer kept, the hash covers the other
// alone); its routes stay; once it answers again it is back, and the
// counters survive both changes.
func TestFirewallDownAndUp(t *testing.T) {
	r := start(t, pairConfig())
	fw1 := netip.MustParseAddr("169.254.10.2")
	r.nft.SetCounter(policy.Table{Name: firenet.TableName}, "fw-fw2", policy.Count{Packets: 7, Bytes: 700})
	r.probes.set(fw1, true)
	st := r.waitHealth(t, "fw1", false)
	got := r.nft.String()
	for _, line := range []string{
		`ct mark 0x4d430002 counter name "fw-fw2" meta mark set 0x4d430002 accept`,
		`meta nfproto ipv4 counter name "fw-fw2" meta mark set 0x4d430002 ct mark set 0x4d430002 accept`,
	} {
		if !strings.Contains(got, line) {
			t.Errorf("with fw1 down the table lacks %q:\n%s", line, got)
		}
	}
	if strings.Contains(got, "mark set 0x4d430001") || strings.Contains(got, "jhash") {
		t.Errorf("with fw1 down the table still steers to it or hashes:\n%s", got)
	}
	if r.routes.String() != routes {
		t.Errorf("routes changed with health:\n%s", r.routes)
	}
	if f := st.Firewalls[0]; f.LastError == "" || f.Transitions != 1 || st.Firewalls[1].Steered.Packets != 7 {
		t.Errorf("status = %+v", st)
	}
	r.probes.set(fw1, false)
	r.waitHealth(t, "fw1", true)
	if got := r.nft.String(); got != bothHealthy {
		t.Errorf("after recovery:\n%s\nwant:\n%s", got, bothHealthy)
	}
	if st, _ := r.s.Status(); st.Firewalls[1].Steered.Packets != 7 {
		t.Errorf("counter lost: %+v", st.Firewalls[1])
	}
}

// TestNoHealthyFirewall: fail closed drops and counts inspected traffic;
// fail open lets it be routed directly.
func TestNoHealthyFirewall(t *testing.T) {
	for _, open := range []bool{false, true} {
		cfg := pairConfig()
		cfg.FailOpen = open
		r := start(t, cfg)
		for _, f := range cfg.Firewalls {
			r.probes.set(f.Addr, true)
		}
		r.waitHealth(t, "fw1", false)
		r.waitHealth(t, "fw2", false)
		want := `counter name "no-firewall" drop`
		if open {
			want = "\t\treturn\n"
		}
		if got := r.nft.String(); !strings.Contains(got, want) || strings.Contains(got, "mark set") {
			t.Errorf("fail open %v: want %q and no marks:\n%s", open, want, got)
		}
		r.s.Close()
	}
}

// TestEgressTwoTuple: egress goes out and comes back through a firewall,
// the inside address hashed first, addresses only.
func TestEgressTwoTuple(t *testing.T) {
	cfg := pairConfig()
	cfg.Pairs, cfg.Egress, cfg.Hash = nil, true, firenet.TwoTuple
	r := start(t, cfg)
	got := r.nft.String()
	for _, line := range []string{
		"set inside4 { type ipv4_addr; flags interval; elements = { 10.1.0.0/16, 10.2.0.0/15 } }",
		"ip saddr @inside4 ip daddr != @inside4 jump egress-4",
		"ip saddr != @inside4 ip daddr @inside4 jump egress-4-back",
		`meta nfproto ipv4 jhash ip saddr . ip daddr mod 2 seed 0x6d636e == 1 counter name "fw-fw2" meta mark set 0x4d430002 ct mark set 0x4d430002 accept`,
		`meta nfproto ipv4 jhash ip daddr . ip saddr mod 2 seed 0x6d636e == 0 counter name "fw-fw1" meta mark set 0x4d430001 ct mark set 0x4d430001 accept`,
	} {
		if !strings.Contains(got, "\t"+line+"\n") {
			t.Errorf("table lacks %q:\n%s", line, got)
		}
	}
	if strings.Contains(got, "sport") || strings.Contains(got, "pair-") {
		t.Errorf("2-tuple egress hashes ports or steers pairs:\n%s", got)
	}
}

// TestApplyAndClose: removing a firewall removes its routes and stops its
// prober; an invalid config changes nothing; Close removes the table and
// every route, stops every probe, and is idempotent.
func TestApplyAndClose(t *testing.T) {
	r := start(t, pairConfig())
	cfg := pairConfig()
	cfg.Firewalls = cfg.Firewalls[1:]
	if err := r.s.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	want := "ip rule pref 1000 fwmark 0x4d430001 lookup 4601; route table 4601 default via 169.254.20.2 dev fw2\n"
	if got := r.routes.String(); got != want {
		t.Errorf("routes after removing fw1:\n%s\nwant:\n%s", got, want)
	}
	bad := pairConfig()
	bad.Pairs = []firenet.Pair{{A: "prod", B: "nope"}}
	if err := r.s.Apply(bad); err == nil || !strings.Contains(err.Error(), "pair prod-nope: unknown domain") {
		t.Errorf("Apply(bad) = %v", err)
	}
	if err := r.s.Close(); err != nil {
		t.Fatal(err)
	}
	if r.nft.String() != "" || r.routes.String() != "" || r.probes.opened() != 0 {
		t.Errorf("after Close: table %q routes %q probers %d", r.nft, r.routes, r.probes.opened())
	}
	if err := r.s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

// TestStartUndoesOnFailure: a route that cannot be installed leaves
// nothing behind.
func TestStartUndoesOnFailure(t *testing.T) {
	checkGoroutines(t)
	nft, routes := policy.NewFake(), &firenet.FakeRoutes{FailSet: errors.New("no such link")}
	p := &fakeProbes{}
	if _, err := firenet.Start(pairConfig(), firenet.Deps{NFT: nft, Routes: routes, Probe: p.prober}); err == nil {
		t.Fatal("Start succeeded")
	}
	if nft.String() != "" || routes.String() != "" || p.opened() != 0 {
		t.Errorf("left: table %q routes %q probers %d", nft, routes, p.opened())
	}
}

// TestDualStack: IPv6 prefixes in an inspected pair need an IPv6 next hop
// on every firewall; with them each firewall gets an IPv6 rule and route
// beside the IPv4 ones, and the pair an IPv6 chain each way.
func TestDualStack(t *testing.T) {
	cfg := pairConfig()
	cfg.Domains[0].Prefixes = append(cfg.Domains[0].Prefixes, pfx("fd00:1::/48"))
	cfg.Domains[1].Prefixes = append(cfg.Domains[1].Prefixes, pfx("fd00:2::/48"))
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "firewall fw1 has no ip6 address") {
		t.Errorf("Validate without IPv6 next hops = %v", err)
	}
	cfg.Firewalls[0].Addr6 = netip.MustParseAddr("fd00:f1::2")
	cfg.Firewalls[1].Addr6 = netip.MustParseAddr("fd00:f2::2")
	r := start(t, cfg)
	want := routes + `ip6 rule pref 1000 fwmark 0x4d430001 lookup 4601; route table 4601 default via fd00:f1::2 dev fw1
ip6 rule pref 1000 fwmark 0x4d430002 lookup 4602; route table 4602 default via fd00:f2::2 dev fw2
`
	if got := r.routes.String(); got != want {
		t.Errorf("routes:\n%s\nwant:\n%s", got, want)
	}
	got := r.nft.String()
	for _, line := range []string{
		"ip6 saddr @dom-prod6 ip6 daddr @dom-shared6 jump pair-prod-shared-6",
		"ip6 saddr @dom-shared6 ip6 daddr @dom-prod6 jump pair-prod-shared-6-back",
		`meta nfproto ipv6 meta l4proto tcp jhash ip6 daddr . ip6 saddr . tcp dport . tcp sport mod 2 seed 0x6d636e == 1 counter name "fw-fw2" meta mark set 0x4d430002 ct mark set 0x4d430002 accept`,
	} {
		if !strings.Contains(got, "\t"+line+"\n") {
			t.Errorf("table lacks %q:\n%s", line, got)
		}
	}
	if err := r.s.Close(); err != nil || r.routes.String() != "" {
		t.Errorf("Close = %v, left routes %q", err, r.routes.String())
	}
}

// TestEgressDomains: with egress domains and internal prefixes, only the
// listed domains' flows to what is neither a domain nor internal are
// steered (both ways); the other domains' internet traffic and traffic
// to internal prefixes are not.
func TestEgressDomains(t *testing.T) {
	cfg := pairConfig()
	cfg.Pairs, cfg.Egress, cfg.EgressDomains = nil, true, []string{"prod"}
	cfg.Internal = []netip.Prefix{netip.MustParsePrefix("10.10.0.0/16"), netip.MustParsePrefix("10.100.0.0/24")}
	r := start(t, cfg)
	got := r.nft.String()
	for _, line := range []string{
		"set inside4 { type ipv4_addr; flags interval; elements = { 10.1.0.0/16, 10.2.0.0/15, 10.10.0.0/16, 10.100.0.0/24 } }",
		"set egress-from4 { type ipv4_addr; flags interval; elements = { 10.1.0.0/16 } }",
		"ip saddr @egress-from4 ip daddr != @inside4 jump egress-4",
		"ip saddr != @inside4 ip daddr @egress-from4 jump egress-4-back",
	} {
		if !strings.Contains(got, "\t"+line+"\n") {
			t.Errorf("table lacks %q:\n%s", line, got)
		}
	}
	bad := cfg.Clone()
	bad.EgressDomains = []string{"nope"}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), `egress domain "nope": unknown domain`) {
		t.Errorf("Validate(unknown egress domain) = %v", err)
	}
}
