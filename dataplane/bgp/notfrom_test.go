package bgp

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

// TestNotFromFullMeshWithdraw builds three speakers in a full eBGP mesh,
// each holding back the others' routes from the third (NotFrom), as
// peered transits do. A's route reaches B and C only directly, and A's
// withdrawal leaves neither with a stale path through the other (GoBGP
// drops an AS-looped best path towards a peer without withdrawing what it
// sent before, so without NotFrom B and C keep pointing at each other).
func TestNotFromFullMeshWithdraw(t *testing.T) {
	a, b, c := newNode(t, 1, 65001), newNode(t, 2, 65002), newNode(t, 3, 65003)
	others := func(self *node) []uint32 {
		var out []uint32
		for _, n := range []*node{a, b, c} {
			if n != self {
				out = append(out, n.asn)
			}
		}
		return out
	}
	for _, pair := range [][2]*node{{a, b}, {b, c}, {a, c}} {
		x, y := pair[0], pair[1]
		xy, yx := peerCfg(x, y), peerCfg(y, x)
		xy.NotFrom, yx.NotFrom = others(x), others(y)
		if err := x.AddPeer(context.Background(), xy); err != nil {
			t.Fatal(err)
		}
		if err := y.AddPeer(context.Background(), yx); err != nil {
			t.Fatal(err)
		}
	}
	advertise(t, a, "10.100.0.0/24", "127.0.0.1")
	advertise(t, b, "10.2.0.0/24", "127.0.0.2")
	waitEstablished(t, a, b, c)
	waitEstablished(t, b, a, c)
	waitEstablished(t, c, a, b)
	waitRoutes(t, b, "10.2.0.0/24 via 127.0.0.2 []", "10.100.0.0/24 via 127.0.0.1 [65001]")
	waitRoutes(t, c, "10.2.0.0/24 via 127.0.0.2 [65002]", "10.100.0.0/24 via 127.0.0.1 [65001]")
	// B's own route still reaches A and C; A's reaches C only from A.
	eventually(t, 5*time.Second, func() string {
		ps, err := c.Peers(context.Background())
		if err != nil {
			return err.Error()
		}
		for _, p := range ps {
			if p.Address == b.addr && p.Received != 1 {
				return "C received from B " + fmtPeer(p) + ", want only B's own route"
			}
		}
		return ""
	})
	if err := a.Withdraw(context.Background(), netip.MustParsePrefix("10.100.0.0/24")); err != nil {
		t.Fatal(err)
	}
	waitRoutes(t, b, "10.2.0.0/24 via 127.0.0.2 []")
	waitRoutes(t, c, "10.2.0.0/24 via 127.0.0.2 [65002]")
}
