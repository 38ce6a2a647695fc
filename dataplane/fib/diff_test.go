package fib

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
)

func table(routes ...string) map[netip.Prefix][]netip.Addr {
	m := make(map[netip.Prefix][]netip.Addr)
	for i := 0; i < len(routes); i += 2 {
		p := netip.MustParsePrefix(routes[i])
		if routes[i+1] == "" {
			m[p] = nil
			continue
		}
		var nhs []netip.Addr
		for _, s := range splitComma(routes[i+1]) {
			nhs = append(nhs, netip.MustParseAddr(s))
		}
		m[p] = nhs
	}
	return m
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func render(cs []change) []string {
	var out []string
	for _, c := range cs {
		if len(c.NextHops) == 0 {
			out = append(out, "del "+c.Prefix.String())
		} else {
			out = append(out, fmt.Sprintf("replace %s via %v", c.Prefix, c.NextHops))
		}
	}
	return out
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name             string
		current, desired map[netip.Prefix][]netip.Addr
		want             []string
	}{
		{"empty", table(), table(), nil},
		{"add single and ecmp",
			table(),
			table("10.0.0.0/8", "192.0.2.1", "198.51.100.0/24", "192.0.2.2,192.0.2.1"),
			[]string{"replace 10.0.0.0/8 via [192.0.2.1]", "replace 198.51.100.0/24 via [192.0.2.1 192.0.2.2]"}},
		{"unchanged is left alone, next hop order does not matter",
			table("10.0.0.0/8", "192.0.2.1,192.0.2.2"),
			table("10.0.0.0/8", "192.0.2.2,192.0.2.1"),
			nil},
		{"next hop change replaces, stale deleted after replacements",
			table("10.0.0.0/8", "192.0.2.1", "172.16.0.0/12", "192.0.2.1"),
			table("10.0.0.0/8", "192.0.2.1,192.0.2.2", "192.168.0.0/16", "192.0.2.3"),
			[]string{"replace 10.0.0.0/8 via [192.0.2.1 192.0.2.2]", "replace 192.168.0.0/16 via [192.0.2.3]", "del 172.16.0.0/12"}},
		{"prefix with no next hops is withdrawn",
			table("10.0.0.0/8", "192.0.2.1"),
			table("10.0.0.0/8", ""),
			[]string{"del 10.0.0.0/8"}},
		{"ipv6 and duplicates",
			table(),
			table("2001:db8:1::/48", "fe80::1,fe80::1,2001:db8::1"),
			[]string{"replace 2001:db8:1::/48 via [2001:db8::1 fe80::1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur, err := normalize(tt.current)
			if err != nil {
				t.Fatal(err)
			}
			want, err := normalize(tt.desired)
			if err != nil {
				t.Fatal(err)
			}
			if got := render(diff(cur, want)); !slices.Equal(got, tt.want) {
				t.Errorf("diff =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestNormalizeRejectsBadInput(t *testing.T) {
	for name, in := range map[string]map[netip.Prefix][]netip.Addr{
		"mixed family":       table("10.0.0.0/8", "2001:db8::1"),
		"unspecified":        table("10.0.0.0/8", "0.0.0.0"),
		"invalid prefix":     {netip.Prefix{}: {netip.MustParseAddr("192.0.2.1")}},
		"unmasked duplicate": table("10.0.0.0/8", "192.0.2.1", "10.1.0.0/8", "192.0.2.2"),
	} {
		if _, err := normalize(in); err == nil {
			t.Errorf("%s: normalize accepted %v", name, in)
		}
	}
}
