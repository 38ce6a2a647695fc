package realize

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// TestRouterDropsLinkLocalToInternet: a VPC router with an internet
// gateway drops what it would forward to a link-local address over its
// internet link (RFC 3927), before the rule that accepts an instance's
// one-to-one NAT egress, so that no such packet leaves a NAT binding in
// conntrack (a private line's end, 169.254.x, before the Cloud Router has
// learned it, would keep it once its route is there).
func TestRouterDropsLinkLocalToInternet(t *testing.T) {
	rs, err := routerRuleset(routerSpec{IGW: true, NAT: []natMap{{Private: netip.MustParseAddr("10.10.1.10"), Public: netip.MustParseAddr("203.0.113.10")}}})
	if err != nil {
		t.Fatal(err)
	}
	var fwd policy.Chain
	for _, c := range rs.tables[0].Chains {
		if c.Name == "forward" {
			fwd = c
		}
	}
	drop := slices.IndexFunc(fwd.Rules, func(r policy.Rule) bool {
		return r.Match.OIF == igwIf && r.Match.Dst == netip.MustParsePrefix("169.254.0.0/16") && r.Verdict == policy.Drop
	})
	accept := slices.IndexFunc(fwd.Rules, func(r policy.Rule) bool {
		return r.Match.OIF == igwIf && r.Match.Src == netip.MustParsePrefix("10.10.1.10/32")
	})
	if drop < 0 || accept < 0 || drop > accept {
		t.Errorf("forward chain: link-local drop at %d, NAT egress accept at %d; want the drop first:\n%+v", drop, accept, fwd.Rules)
	}
}
