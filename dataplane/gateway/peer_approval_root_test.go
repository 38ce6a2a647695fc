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

// TestPeerManualApproval: a transit gateway (gw1) holds the routes that an
// edge gateway (gw2) sends over their WireGuard tunnel under manual
// approval: both prefixes are received, none accepted, both listed as
// filtered, nothing in the FIB. Approving one puts it in the FIB within a
// second over the same session (neither end's session restarts), and the
// host behind it answers; switching the peer to auto approval accepts the
// other too, again without a reset.
func TestPeerManualApproval(t *testing.T) {
	l := startLab(t, "pa", 2, true)
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()
	other := netip.MustParsePrefix("10.202.0.0/24")
	_, nh := inner(1, 2) // gw2's inner address, gw1's next hop
	edge := l.config(2, 1)
	edge.Prefixes = append(edge.Prefixes, other)
	if _, err := l.gws[1].client.PutConfig(ctx, edge); err != nil {
		t.Fatal(err)
	}
	transit := l.config(1, 2)
	transit.Peers[0].Approval = "manual"
	if _, err := l.gws[0].client.PutConfig(ctx, transit); err != nil {
		t.Fatal(err)
	}
	session := func(i int, name string) mgmt.Session {
		t.Helper()
		for _, s := range l.status(t, i).Sessions {
			if s.Name == name {
				return s
			}
		}
		return mgmt.Session{}
	}
	eventually(t, converge, func() string {
		s := session(1, "gw2")
		if s.State != "established" || s.Received != 2 || s.Accepted != 0 || !slices.Equal(s.Filtered, []netip.Prefix{lan(2), other}) {
			return fmt.Sprintf("gw1 session to gw2 = %+v; want established, 2 received, both filtered", s)
		}
		return ""
	})
	if got := kernelRoutes(t, l.gws[0].ns); len(got) != 0 {
		t.Fatalf("gw1 FIB before any approval = %v; want empty", got)
	}
	// The edge accepts the transit's routes: approval is per peer.
	l.waitRoutes(t, 2, map[netip.Prefix][]netip.Addr{lan(1): {netip.MustParseAddr("10.255.12.0")}})
	// Let the uptimes reach whole seconds worth comparing.
	eventually(t, converge, func() string {
		if s := session(1, "gw2"); s.UptimeSeconds < 2 {
			return fmt.Sprintf("session up only %d s", s.UptimeSeconds)
		}
		return ""
	})
	up1, up2, t0 := session(1, "gw2").UptimeSeconds, session(2, "gw1").UptimeSeconds, time.Now()
	notReset := func(what string) {
		t.Helper()
		least := int64(time.Since(t0)/time.Second) - 1
		if s1, s2 := session(1, "gw2"), session(2, "gw1"); s1.UptimeSeconds < up1+least || s2.UptimeSeconds < up2+least {
			t.Errorf("%s reset the session: gw1 uptime %d s then %d s, gw2 %d s then %d s", what, up1, s1.UptimeSeconds, up2, s2.UptimeSeconds)
		}
	}

	transit.Peers[0].Approved = []netip.Prefix{lan(2)}
	if _, err := l.gws[0].client.PutConfig(ctx, transit); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, func() string {
		if got := kernelRoutes(t, l.gws[0].ns); !slices.Equal(got[lan(2)], []netip.Addr{nh}) || len(got) != 1 {
			return fmt.Sprintf("gw1 FIB = %v; want only %s via %s", got, lan(2), nh)
		}
		return ""
	})
	notReset("approving " + lan(2).String())
	if s := session(1, "gw2"); !slices.Equal(s.Filtered, []netip.Prefix{other}) || s.Accepted != 1 || s.Received != 2 {
		t.Errorf("after approving %s: session %+v; want 2 received, 1 accepted, %s filtered", lan(2), s, other)
	}
	got, err := l.gws[0].client.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := got.Peers[0]; p.Approval != "manual" || !slices.Equal(p.Approved, []netip.Prefix{lan(2)}) {
		t.Errorf("GET config peer = %+v; want manual approval of %s", p, lan(2))
	}
	l.waitReachable(t, 1, 2)

	transit.Peers[0].Approval, transit.Peers[0].Approved = "", nil
	if _, err := l.gws[0].client.PutConfig(ctx, transit); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, func() string {
		if got := kernelRoutes(t, l.gws[0].ns); !slices.Equal(got[lan(2)], []netip.Addr{nh}) || !slices.Equal(got[other], []netip.Addr{nh}) {
			return fmt.Sprintf("gw1 FIB under auto approval = %v; want %s and %s via %s", got, lan(2), other, nh)
		}
		return ""
	})
	notReset("switching to auto approval")
	if s := session(1, "gw2"); len(s.Filtered) != 0 || s.Accepted != 2 {
		t.Errorf("under auto approval: session %+v; want 2 accepted, none filtered", s)
	}
}
