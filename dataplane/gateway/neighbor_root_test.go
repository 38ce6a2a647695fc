package gateway_test

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// TestPlainNeighborOverALink adds an on-prem router (a gateway daemon with
// no tunnels, in h1's namespace) as a plain BGP neighbour of gw1 over its
// LAN, with an import filter, and checks that its allowed prefix reaches gw2
// through the tunnel while the filtered one does not; then removes the
// neighbour and checks that only its routes go.
func TestPlainNeighborOverALink(t *testing.T) {
	l := startLab(t, "gn", 2, true)
	onprem := l.startDaemon(t, "h1")
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()
	allowed, filtered := netip.MustParsePrefix("10.100.0.0/24"), netip.MustParsePrefix("10.200.0.0/24")
	_, err := onprem.client.PutConfig(ctx, mgmt.Config{
		Name: "h1", ASN: 65100, RouterID: netip.MustParseAddr("10.1.0.10"),
		Prefixes:  []netip.Prefix{allowed, filtered},
		Neighbors: []mgmt.Neighbor{{Name: "gw1", Address: netip.MustParseAddr("10.1.0.1"), ASN: 65001}},
	})
	if err != nil {
		t.Fatal(err)
	}
	withOnprem := l.config(1, 2)
	withOnprem.Neighbors = []mgmt.Neighbor{{
		Name: "onprem", Address: netip.MustParseAddr("10.1.0.10"), ASN: 65100,
		LocalAddress: netip.MustParseAddr("10.1.0.1"),
		Import:       []mgmt.Filter{{Prefix: netip.MustParsePrefix("10.100.0.0/16"), LE: 24}},
	}}
	if _, err := l.gws[0].client.PutConfig(ctx, withOnprem); err != nil {
		t.Fatal(err)
	}
	l.put(t, 2, 1)

	tunnel12, tunnel21 := nextHop(1, 2), nextHop(2, 1)
	onpremAddr := netip.MustParseAddr("10.1.0.10")
	l.waitRoutes(t, 1, map[netip.Prefix][]netip.Addr{lan(2): {tunnel12}, allowed: {onpremAddr}})
	l.waitRoutes(t, 2, map[netip.Prefix][]netip.Addr{lan(1): {tunnel21}, allowed: {tunnel21}})
	// The on-prem router learns gw2's LAN through gw1.
	eventually(t, converge, func() string {
		got := kernelRoutes(t, onprem.ns)
		if !slices.Equal(got[lan(2)], []netip.Addr{netip.MustParseAddr("10.1.0.1")}) {
			return fmt.Sprintf("on-prem BGP routes = %v; want %s via 10.1.0.1", got, lan(2))
		}
		return ""
	})
	var ses mgmt.Session
	eventually(t, converge, func() string {
		for _, s := range l.status(t, 1).Sessions {
			if s.Name == "onprem" {
				ses = s
			}
		}
		if ses.State != "established" || ses.Received != 2 || ses.Accepted != 1 {
			return fmt.Sprintf("gw1 session to onprem = %+v; want established, 2 received, 1 accepted", ses)
		}
		return ""
	})

	// Removing the neighbour withdraws its prefix everywhere and leaves
	// the tunnel session alone.
	eventually(t, converge, func() string {
		for _, s := range l.status(t, 1).Sessions {
			if s.Name == "gw2" && s.UptimeSeconds < 2 {
				return fmt.Sprintf("gw1 session to gw2 up only %d s", s.UptimeSeconds)
			}
		}
		return ""
	})
	before := l.uptimes(t, 1)["gw2"]
	t0 := time.Now()
	l.put(t, 1, 2)
	l.waitRoutes(t, 1, map[netip.Prefix][]netip.Addr{lan(2): {tunnel12}})
	l.waitRoutes(t, 2, map[netip.Prefix][]netip.Addr{lan(1): {tunnel21}})
	if got, min := l.uptimes(t, 1)["gw2"], before+int64(time.Since(t0)/time.Second)-1; got < min {
		t.Errorf("removing a neighbour reset the tunnel session: uptime %d s, then %d s", before, got)
	}
	if st := l.status(t, 1); len(st.Sessions) != 1 {
		t.Errorf("gw1 sessions after removing the neighbour: %+v", st.Sessions)
	}
}
