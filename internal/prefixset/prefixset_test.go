package prefixset

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

func pfx(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func TestAggregate(t *testing.T) {
	for _, c := range []struct {
		in, want []netip.Prefix
	}{
		{pfx("10.2.0.0/16", "10.3.0.0/16"), pfx("10.2.0.0/15")},
		// 10.1/16 and 10.2/16 are not siblings: both stay.
		{pfx("10.2.0.0/16", "10.1.0.0/16"), pfx("10.1.0.0/16", "10.2.0.0/16")},
		{pfx("10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"), pfx("10.0.0.0/8")},
		{pfx("10.1.2.0/24", "10.1.2.0/24"), pfx("10.1.2.0/24")},
		// A merge cascades: .0/26 and .64/26 make .0/25, which meets .128/25.
		{pfx("192.0.2.128/25", "192.0.2.64/26", "192.0.2.0/26"), pfx("192.0.2.0/24")},
		{pfx("2001:db8::/33", "2001:db8:8000::/33", "10.0.0.0/9", "10.128.0.0/9"), pfx("10.0.0.0/8", "2001:db8::/32")},
		{pfx("0.0.0.0/1", "128.0.0.0/1"), pfx("0.0.0.0/0")},
		{nil, nil},
	} {
		if got := Aggregate(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Aggregate(%v) = %v; want %v", c.in, got, c.want)
		}
	}
}

// Aggregate keeps exactly the addresses it was given: every address of
// a random /20 answers the same in the input and in the result.
func TestAggregateSameAddresses(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var in []netip.Prefix
		for range 1 + r.IntN(40) {
			bits := 20 + r.IntN(9)
			a := netip.AddrFrom4([4]byte{10, 0, byte(r.IntN(16)), byte(r.IntN(256))})
			in = append(in, netip.PrefixFrom(a, bits).Masked())
		}
		out := Aggregate(in)
		covers := func(ps []netip.Prefix, a netip.Addr) bool {
			return slices.ContainsFunc(ps, func(p netip.Prefix) bool { return p.Contains(a) })
		}
		for i := range 4096 {
			a := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
			if covers(in, a) != covers(out, a) {
				t.Fatalf("round %d: %s: in %v, out %v", round, a, in, out)
			}
		}
		for i := 1; i < len(out); i++ {
			if out[i-1].Overlaps(out[i]) {
				t.Fatalf("round %d: %v overlaps %v", round, out[i-1], out[i])
			}
		}
	}
}

// A thousand consecutive /24s, as bench scale's spokes, are a few
// prefixes.
func TestAggregateSpokes(t *testing.T) {
	var in []netip.Prefix
	for i := range 1000 {
		in = append(in, netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.0/24", 128+i/256, i%256)))
	}
	want := pfx("10.128.0.0/15", "10.130.0.0/16", "10.131.0.0/17", "10.131.128.0/18", "10.131.192.0/19", "10.131.224.0/21")
	if got := Aggregate(in); !slices.Equal(got, want) {
		t.Errorf("got %v; want %v", got, want)
	}
}
