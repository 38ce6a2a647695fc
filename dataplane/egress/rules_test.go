package egress

import (
	"net/netip"
	"strings"
	"testing"
)

// TestMatchName: a wildcard matches names below its domain, any depth,
// never the apex or a name that merely ends in the same letters.
func TestMatchName(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"api.example.com", "api.example.com", true},
		{"api.example.com", "x.api.example.com", false},
		{"*.example.com", "api.example.com", true},
		{"*.example.com", "a.b.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "badexample.com", false},
		{"*.example.com", ".example.com", false},
		{"*.com", "example.com", true},
	} {
		if got := MatchName(tc.pattern, tc.name); got != tc.want {
			t.Errorf("MatchName(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

var (
	dev  = netip.MustParsePrefix("10.1.1.0/24")
	prod = netip.MustParsePrefix("10.1.2.0/24")
)

func devPolicy(base Base) Policy {
	return Policy{Base: base, Tags: []Tag{
		{Name: "dev", Sources: []netip.Prefix{dev}, Rules: []Rule{
			{Name: "api.example.com", Proto: ProtoTCP, Port: 443},
			{Name: "*.example.com", Proto: ProtoTCP},
			{Name: "ssh.example.org", Proto: ProtoTCP, Port: 22},
			{Name: "*.example.net", Action: ActionDeny},
			{Name: "ok.example.net", Action: ActionAllow},
		}},
		{Name: "all-clients", Rules: []Rule{{Name: "updates.example.org", Proto: ProtoTCP, Port: 443}}},
	}}
}

// TestDecide: the decision table: exact over wildcard, protocol and port,
// tags by source, explicit actions, and the base policy flipping the rest.
func TestDecide(t *testing.T) {
	devHost, prodHost := netip.MustParseAddr("10.1.1.5"), netip.MustParseAddr("10.1.2.5")
	for _, tc := range []struct {
		base  Base
		src   netip.Addr
		proto Proto
		port  uint16
		name  string
		want  Decision
	}{
		{AllowList, devHost, ProtoTCP, 443, "api.example.com", Decision{Allow, "dev", "api.example.com tcp/443"}},
		{AllowList, devHost, ProtoTCP, 443, "www.example.com", Decision{Allow, "dev", "*.example.com tcp/all"}},
		{AllowList, devHost, ProtoTCP, 443, "example.com", Decision{Deny, "", "base allow-list"}},
		{AllowList, devHost, ProtoUDP, 443, "www.example.com", Decision{Deny, "", "base allow-list"}},
		{AllowList, devHost, ProtoTCP, 443, "blocked.example.net", Decision{Deny, "dev", "*.example.net all/all deny"}},
		{AllowList, devHost, ProtoTCP, 443, "ok.example.net", Decision{Allow, "dev", "ok.example.net all/all allow"}},
		{AllowList, devHost, ProtoTCP, 22, "ssh.example.org", Decision{Allow, "dev", "ssh.example.org tcp/22"}},
		{AllowList, devHost, ProtoTCP, 2222, "ssh.example.org", Decision{Deny, "", "base allow-list"}},
		{AllowList, devHost, ProtoTCP, 443, "", Decision{Deny, "", "base allow-list"}},
		{AllowList, devHost, ProtoTCP, 443, "updates.example.org", Decision{Allow, "all-clients", "updates.example.org tcp/443"}},
		{AllowList, prodHost, ProtoTCP, 443, "api.example.com", Decision{Deny, "", "base allow-list"}},
		// A deny-list drops what the rules name and lets the rest out.
		{DenyList, devHost, ProtoTCP, 443, "api.example.com", Decision{Deny, "dev", "api.example.com tcp/443"}},
		{DenyList, devHost, ProtoTCP, 443, "www.example.com", Decision{Deny, "dev", "*.example.com tcp/all"}},
		{DenyList, devHost, ProtoTCP, 443, "example.com", Decision{Allow, "", "base deny-list"}},
		{DenyList, devHost, ProtoTCP, 443, "ok.example.net", Decision{Allow, "dev", "ok.example.net all/all allow"}},
		{DenyList, devHost, ProtoTCP, 443, "", Decision{Allow, "", "base deny-list"}},
	} {
		p := devPolicy(tc.base)
		if got := p.Decide(tc.src, tc.proto, tc.port, tc.name); got != tc.want {
			t.Errorf("%s: Decide(%s, %s/%d, %q) = %+v, want %+v", tc.base, tc.src, tc.proto, tc.port, tc.name, got, tc.want)
		}
	}
	// A client no tag applies to passes unfiltered.
	p := Policy{Tags: []Tag{{Name: "dev", Sources: []netip.Prefix{dev}}}}
	if got := p.Decide(prodHost, ProtoTCP, 443, "x.example.com"); got != (Decision{Allow, "", RuleUnfiltered}) {
		t.Errorf("unfiltered client: %+v", got)
	}
	// Equally specific rules that disagree: the deny wins.
	p = Policy{Tags: []Tag{
		{Name: "a", Rules: []Rule{{Name: "x.example.com", Action: ActionAllow}}},
		{Name: "b", Rules: []Rule{{Name: "x.example.com", Action: ActionDeny}}},
	}}
	if got := p.Decide(devHost, ProtoTCP, 443, "x.example.com"); got.Verdict != Deny || got.Tag != "b" {
		t.Errorf("tie: %+v, want b's deny", got)
	}
}

// TestValidate: bad names, protocols, ports and tags are refused, each
// named.
func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		p    Policy
		want string
	}{
		{Policy{Tags: []Tag{{Name: "t", Rules: []Rule{{Name: "API.example.com"}}}}}, `rule 0 (API.example.com): name "API.example.com"`},
		{Policy{Tags: []Tag{{Name: "t", Rules: []Rule{{Name: "a.*.example.com"}}}}}, "want a lower-case FQDN or *.FQDN"},
		{Policy{Tags: []Tag{{Name: "t", Rules: []Rule{{Name: "*"}}}}}, "want a lower-case FQDN"},
		{Policy{Tags: []Tag{{Name: "t", Rules: []Rule{{Name: "a.com", Proto: 1}}}}}, "protocol 1"},
		{Policy{Tags: []Tag{{Name: "t", Rules: []Rule{{Name: "a.com", Port: 80}}}}}, "a port needs tcp or udp"},
		{Policy{Tags: []Tag{{Name: "t"}, {Name: "t"}}}, `tag "t": empty or defined twice`},
		{Policy{Base: 7}, "unknown base policy 7"},
		{Policy{TLSPorts: []uint16{0}}, "inspected port 0"},
	} {
		err := tc.p.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.p, err, tc.want)
		}
	}
	if err := devPolicy(AllowList).Validate(); err != nil {
		t.Errorf("valid policy: %v", err)
	}
}
