package realize

import (
	"context"
	"net/netip"
	"os/exec"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// abandon stops the realizer as a SIGKILL stops its process: no more
// passes, handles dropped, gateway daemons left running without
// supervision, nothing removed. Close does nothing afterwards.
func (r *Realizer) abandon() {
	r.mu.Lock()
	r.closed = true
	r.cond.Broadcast()
	r.mu.Unlock()
	r.sub.Close()
	r.poke()
	<-r.done
	s := r.live
	for _, h := range s.hosts {
		if h.gateway != nil {
			h.gateway.cancel()
			<-h.gateway.done
		}
		h.close()
	}
	for _, rt := range s.routers {
		rt.close()
	}
	for _, g := range s.tgws {
		g.close()
	}
	if s.inet != nil {
		s.inet.close()
	}
	r.live = newLiveState()
}

func nsInode(t testing.TB, ns string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(netns.Path(ns), &st); err != nil {
		t.Fatalf("stat %s: %v", ns, err)
	}
	return st.Ino
}

// A realizer started with Adopt on a cloud restored from a snapshot, in
// place of one that died, adopts the namespaces and links it finds: no
// namespace is remade (same inodes), the link pool's addresses are read
// back (a peering deleted first leaves a hole that a fresh allocation
// would fill differently), a route and a reboot saved but not realized by
// the dead one are (the route deleted, the host remade), a ping stream
// across a peering loses nothing,
// the internet is still reached through a NAT gateway, and the adopted
// dataplane follows the next change.
func TestAdoptAfterDeath(t *testing.T) {
	l := newLab(t)
	v1, v2, v3 := l.vpc("10.1.0.0/16"), l.vpc("10.2.0.0/16"), l.vpc("10.3.0.0/16")
	i1 := l.instance(l.subnet(v1, "10.1.1.0/24"), l.openGroup(v1, "open", "10.0.0.0/8").ID)
	i2 := l.instance(l.subnet(v2, "10.2.1.0/24"), l.openGroup(v2, "open", "10.0.0.0/8").ID)
	s3 := l.subnet(v3, "10.3.1.0/24")
	g3 := l.openGroup(v3, "open", "10.0.0.0/8")
	i3 := l.instance(s3, g3.ID)
	peer := func(a, b model.Network) model.Peering {
		pc := must[model.Peering](t)(l.cloud.RequestPeering(acct, a.ID, acct, b.ID, nil))
		return must[model.Peering](t)(l.cloud.AcceptPeering(acct, pc.ID))
	}
	route := func(n model.Network, dst string, pc model.Peering) {
		l.ok(l.cloud.CreateRoute(acct, n.MainRouteTableID, netip.MustParsePrefix(dst), model.Target{Kind: model.TargetPeering, ID: pc.ID}))
	}
	p12 := peer(v1, v2)
	l.sync()
	pub := l.subnet(v2, "10.2.2.0/24")
	igw := must[model.InternetGateway](t)(l.cloud.CreateInternetGateway(acct, nil))
	l.ok(l.cloud.AttachInternetGateway(acct, igw.ID, v2.ID))
	rtPub := must[model.RouteTable](t)(l.cloud.CreateRouteTable(acct, v2.ID, nil))
	must[model.RouteTableAssociation](t)(l.cloud.AssociateRouteTable(acct, rtPub.ID, pub.ID))
	l.ok(l.cloud.CreateRoute(acct, rtPub.ID, anyIPv4, model.Target{Kind: model.TargetInternetGateway, ID: igw.ID}))
	eip := must[model.ElasticIP](t)(l.cloud.AllocateAddress(acct, nil))
	nat := must[model.NATGateway](t)(l.cloud.CreateNATGateway(acct, pub.ID, eip.ID, nil))
	l.ok(l.cloud.CreateRoute(acct, v2.MainRouteTableID, anyIPv4, model.Target{Kind: model.TargetNATGateway, ID: nat.ID}))
	l.sync()
	p23 := peer(v2, v3)
	route(v2, "10.3.0.0/16", p23)
	route(v3, "10.2.0.0/16", p23)
	l.sync()
	l.ok(l.cloud.DeletePeering(acct, p12.ID)) // a hole in the link pool
	stale := netip.MustParsePrefix("10.99.0.0/16")
	route(v3, stale.String(), p23)
	l.sync()
	router3 := l.r.routerNS(v3.Handle)
	if !hasRoute(t, router3, stale) {
		t.Fatalf("%s has no route to %s before the realizer dies (the check below would prove nothing)", router3, stale)
	}
	l.pingOK(l.ns(i2), i3.PrivateIP)
	l.pingOK(l.ns(i2), InternetServer)

	names := roottest.Namespaces(l.name)
	inodes := map[string]uint64{}
	for _, ns := range names {
		inodes[ns] = nsInode(t, ns)
	}
	snap, _, err := l.cloud.Snapshot()
	l.ok(err)
	restored := model.New()
	l.ok(restored.Restore(snap))
	// Changes the dead process saved but did not realize: a deleted
	// route, and a reboot (a booting VM's host is remade).
	l.ok(restored.DeleteRoute(acct, v3.MainRouteTableID, stale))
	l.ok(restored.RebootInstances(acct, []string{i1.ID}))

	// The process dies; its successor starts while a probe crosses the
	// peering every 10 ms.
	stop := l.probeStream(l.ns(i2), i3.PrivateIP)
	l.r.abandon()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r2, err := New(ctx, restored, Options{Lab: l.name, Adopt: true,
		Record: func(ns string) error { l.mu.Lock(); l.recorded[ns] = true; l.mu.Unlock(); return nil },
		Forget: func(ns string) { l.mu.Lock(); delete(l.recorded, ns); l.mu.Unlock() }})
	if err != nil {
		stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r2.Close(); err != nil {
			t.Errorf("close the adopting realizer: %v", err)
		}
	})
	time.Sleep(time.Second) // keep probing a while after the first pass
	sent, lost := stop()
	t.Logf("%d probes across the peering while the realizer was replaced, %d lost", sent, lost)
	if lost > 0 || sent < 20 {
		t.Errorf("%d of %d probes lost while the realizer was replaced", lost, sent)
	}
	l.wantAdopted(names, inodes, l.ns(i1))
	l.pingOK(l.ns(i2), InternetServer)
	if hasRoute(t, router3, stale) {
		t.Errorf("%s still routes %s, which the restored model deleted", router3, stale)
	}

	// The adopted dataplane follows the model: a new instance is reached.
	is := must[[]model.Instance](t)(restored.RunInstances(acct, model.LaunchSpec{SubnetID: s3.ID, Count: 1, SecurityGroupIDs: []string{g3.ID}}))
	l.ok(r2.Sync(ctx))
	l.pingOK(l.ns(i2), is[0].PrivateIP)
}

// watchProcess closes its channel when a process exits, and refuses a
// process whose start time does not match (a recycled PID).
func TestWatchProcess(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	st, err := state.StartTime(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watchProcess(state.Process{PID: cmd.Process.Pid, Start: st + 1}); err == nil {
		t.Error("watchProcess took a process with another start time")
	}
	exited, err := watchProcess(state.Process{PID: cmd.Process.Pid, Start: st})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		t.Fatal("exited before the process did")
	case <-time.After(50 * time.Millisecond):
	}
	cmd.Process.Kill()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("no exit seen 10 s after SIGKILL")
	}
	cmd.Wait()
}

// running counts a zombie as gone: an adopted daemon that died waits as
// one until its new parent reaps it.
func TestRunningSeesZombies(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	st, err := state.StartTime(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	p := state.Process{PID: cmd.Process.Pid, Start: st}
	exited, err := watchProcess(p)
	if err != nil {
		t.Fatal(err)
	}
	<-exited // a zombie now: not reaped before Wait
	if !p.Alive() {
		t.Fatal("the zombie does not count as alive by PID and start time; the test proves nothing")
	}
	if running(p) {
		t.Error("running counts a zombie as running")
	}
	cmd.Wait()
}

// hasRoute reports whether namespace ns routes dst in any table.
func hasRoute(t *testing.T, ns string, dst netip.Prefix) bool {
	t.Helper()
	nl, err := netns.Netlink(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	routes, err := nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		if r.Dst != nil && r.Dst.String() == dst.String() {
			return true
		}
	}
	return false
}

// probeStream pings to from namespace from every 10 ms until the returned
// stop is called, which returns how many probes were sent and lost.
func (l *lab) probeStream(from string, to netip.Addr) (stop func() (sent, lost int64)) {
	p, err := probe.NewPinger(from)
	l.ok(err)
	var nsent, nlost atomic.Int64
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for seq := 1; ; seq++ {
			select {
			case <-quit:
				return
			default:
			}
			nsent.Add(1)
			if _, err := p.Ping(to, seq, time.Second); err != nil {
				nlost.Add(1)
			}
			time.Sleep(10 * time.Millisecond) // pacing the probe stream
		}
	}()
	return func() (int64, int64) {
		close(quit)
		<-done
		p.Close()
		return nsent.Load(), nlost.Load()
	}
}

// wantAdopted checks that the lab has the namespaces it had before
// (names), each the very same one (its inode unchanged) but remade,
// which must be a new one.
func (l *lab) wantAdopted(names []string, inodes map[string]uint64, remade string) {
	l.t.Helper()
	if now := roottest.Namespaces(l.name); !slices.Equal(now, names) {
		l.t.Errorf("namespaces after adoption %v, before %v", now, names)
	}
	for ns, ino := range inodes {
		got := nsInode(l.t, ns)
		switch {
		case ns == remade && got == ino:
			l.t.Errorf("namespace %s, whose host was rebooted in the restored model, was adopted instead of remade", ns)
		case ns != remade && got != ino:
			l.t.Errorf("namespace %s was remade (inode %d, was %d)", ns, got, ino)
		}
	}
}
