package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// TestTwoGateways runs two `mcnlab gateway` daemons joined by one underlay
// link, configures them through the management API, and proves the whole
// path: WireGuard handshake, eBGP over the tunnel's inner /31, each LAN in
// the other gateway's kernel FIB via the tunnel, and pings between the hosts
// behind them.
func TestTwoGateways(t *testing.T) {
	l := startLab(t, "g2", 2, true)
	l.put(t, 1, 2)
	l.put(t, 2, 1)
	waitTwoGatewayPath(t, l)
	checkGW1Status(t, l)
	checkConfigAPI(t, l)

	// A new router ID restarts the speaker and every tunnel; the sessions
	// come back and traffic flows again.
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()
	restart := l.config(1, 2)
	restart.RouterID = netip.MustParseAddr("10.255.255.101")
	if _, err := l.gws[0].client.PutConfig(ctx, restart); err != nil {
		t.Fatalf("PUT with a new router ID: %v", err)
	}
	eventually(t, converge, func() string { return l.sessionsUp(t, 1, 2) })
	eventually(t, converge, func() string { return l.sessionsUp(t, 2, 1) })
	l.waitReachable(t, 1, 2)

	checkCleanStop(t, l)
}

// waitTwoGatewayPath waits until both sessions are up, each gateway routes
// the other's LAN through its tunnel, and the hosts reach each other.
func waitTwoGatewayPath(t *testing.T, l *lab) {
	t.Helper()
	for i, peer := range map[int]int{1: 2, 2: 1} {
		eventually(t, converge, func() string { return l.sessionsUp(t, i, peer) })
	}
	for i, peer := range map[int]int{1: 2, 2: 1} {
		g := l.gws[i-1]
		_, nh := inner(i, peer)
		eventually(t, converge, func() string {
			got := kernelRoutes(t, g.ns)
			if want := map[netip.Prefix][]netip.Addr{lan(peer): {nh}}; fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Sprintf("BGP routes in %s = %v, want %v", g.name, got, want)
			}
			if dev, want := routeDevice(t, g.ns, host(peer)), fmt.Sprintf("wg-gw%d", peer); dev != want {
				return fmt.Sprintf("%s routes %s out of %s, want %s", g.name, host(peer), dev, want)
			}
			return ""
		})
	}
	l.waitReachable(t, 1, 2)
	l.waitReachable(t, 2, 1)
}

// checkGW1Status checks gw1's tunnel, session and routes in its status,
// and its tunnel interface's MTU.
func checkGW1Status(t *testing.T, l *lab) {
	t.Helper()
	st := l.status(t, 1)
	tn, ses := st.Tunnels[0], st.Sessions[0]
	if tn.Interface != "wg-gw2" || tn.RxBytes == 0 || tn.TxBytes == 0 || tn.RxPackets == 0 || tn.TxPackets == 0 || tn.LastHandshake.IsZero() ||
		tn.Endpoint != netip.MustParseAddrPort("198.18.0.2:51801") {
		t.Errorf("gw1 tunnel status = %+v; want wg-gw2 with traffic (bytes and packets), a handshake and endpoint 198.18.0.2:51801", tn)
	}
	if ses.Address != netip.MustParseAddr("10.255.12.1") || ses.ASN != 65002 || ses.Received != 1 || ses.Accepted != 1 || ses.Advertised != 1 {
		t.Errorf("gw1 session status = %+v; want 10.255.12.1 AS65002 with 1 received, accepted and advertised", ses)
	}
	if want := []mgmt.Route{{Prefix: lan(2), NextHops: []netip.Addr{netip.MustParseAddr("10.255.12.1")}}}; fmt.Sprint(st.Routes) != fmt.Sprint(want) {
		t.Errorf("gw1 status routes = %v, want %v", st.Routes, want)
	}
	// The tunnel interface has the tunnel MTU.
	err := netns.Do(l.gws[0].ns, func() error {
		link, err := netlink.LinkByName("wg-gw2")
		if err != nil {
			return err
		}
		if mtu := link.Attrs().MTU; mtu != 1420 {
			return fmt.Errorf("wg-gw2 MTU = %d, want 1420", mtu)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// checkConfigAPI checks gw1's management API: GET returns what was PUT,
// an invalid config or another gateway's is refused with 400, and the
// same config again changes nothing (the session stays up).
func checkConfigAPI(t *testing.T, l *lab) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()
	got, err := l.gws[0].client.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := l.config(1, 2)
	want.MTU = 1420
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("GET config = %+v\nwant %+v", got, want)
	}
	bad := l.config(1, 2)
	bad.Peers[0].Address = netip.MustParsePrefix("10.255.12.0/24")
	_, err = l.gws[0].client.PutConfig(ctx, bad)
	var apiErr *mgmt.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Errorf("PUT of a /24 tunnel address: %v; want HTTP 400", err)
	}
	other := l.config(2, 1)
	if _, err := l.gws[0].client.PutConfig(ctx, other); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Errorf("PUT of gw2's config to gw1: %v; want HTTP 400", err)
	}
	before := l.status(t, 1).Sessions[0].UptimeSeconds
	t0 := time.Now()
	l.put(t, 1, 2)
	if msg := l.sessionsUp(t, 1, 2); msg != "" {
		t.Error(msg)
	}
	after := l.status(t, 1).Sessions[0].UptimeSeconds
	if minUp := before + int64(time.Since(t0)/time.Second) - 1; after < minUp {
		t.Errorf("re-PUT of the same config reset the session: uptime %d s then %d s", before, after)
	}
	if msg := l.sessionsUp(t, 1, 2); msg != "" || !slices.Equal(kernelRoutes(t, l.gws[0].ns)[lan(2)], []netip.Addr{netip.MustParseAddr("10.255.12.1")}) {
		t.Errorf("after re-PUT: %s, routes %v", msg, kernelRoutes(t, l.gws[0].ns))
	}
}

// checkCleanStop: SIGTERM stops gw2 cleanly: it closes its sessions (so
// gw1 withdraws its routes), removes its tunnel, routes and socket, and
// exits without logging an error.
func checkCleanStop(t *testing.T, l *lab) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()
	gw2 := l.gws[1]
	if err := syscall.Kill(gw2.proc.PID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	eventually(t, converge, func() string {
		if gw2.proc.Alive() {
			return "gw2 still runs after SIGTERM"
		}
		return ""
	})
	if _, err := gw2.client.Health(ctx); err == nil {
		t.Error("gw2's socket still answers after it exited")
	}
	l.waitRoutes(t, 1, map[netip.Prefix][]netip.Addr{})
	t.Logf("gw1 withdrew gw2's LAN %s after SIGTERM", time.Since(stopped).Round(time.Millisecond))
	b, _ := os.ReadFile(gw2.log)
	if !strings.Contains(string(b), "stopping") || strings.Contains(string(b), "level=ERROR") {
		t.Errorf("gw2's log does not show a clean stop:\n%s", tail(string(b), 20))
	}
}
