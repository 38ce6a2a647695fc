package realize

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// gwConverge bounds a gateway's start, tunnel handshakes and BGP
// convergence on a loaded two-core machine.
const gwConverge = 45 * time.Second

// gatewayLab is a lab whose realizer runs the real `mcnlab gateway`, with
// its sockets and logs in a temporary state directory.
func gatewayLab(t *testing.T) *lab { return gatewayLabWith(t, nil) }

// gatewayLabWith is gatewayLab with the realizer's events logged to logf.
func gatewayLabWith(t *testing.T, logf func(string, ...any)) *lab {
	t.Helper()
	roottest.Require(t)
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		roottest.Missing(t, "no TUN device: %v", err)
	}
	bin := roottest.MCNLab(t)
	roottest.UseTempState(t)
	var l *lab
	// Registered first, so it runs after the realizer has closed: no
	// gateway of the lab may outlive it.
	t.Cleanup(func() {
		if l == nil {
			return
		}
		for _, pid := range labGateways(l.name) {
			t.Errorf("gateway pid %d outlives the realizer", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	l = newLabWith(t, func(o *Options) { o.GatewayCommand, o.Logf = []string{bin}, logf })
	return l
}

// labGateways lists the gateway daemons whose socket lies in the lab's
// state directory: only this test's lab starts them.
func labGateways(labName string) []int {
	dir := filepath.Dir(GatewaySocket(labName, "i-0")) + "/"
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) > 3 && args[1] == "gateway" && args[2] == "--socket" && strings.HasPrefix(args[3], dir) {
			out = append(out, pid)
		}
	}
	return out
}

// gatewayInstance launches one instance of the gateway image.
func (l *lab) gatewayInstance(s model.Subnet, groups ...string) model.Instance {
	l.t.Helper()
	is := must[[]model.Instance](l.t)(l.cloud.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 1,
		ImageID: GatewayImage, SecurityGroupIDs: groups}))
	return is[0]
}

// daemon returns the gateway process the realizer runs for instance i.
// The realizer's worker is idle after a sync: Sync's lock orders its
// writes before this read.
func (l *lab) daemon(i model.Instance) state.Process {
	l.t.Helper()
	l.sync()
	h := l.r.live.hosts[i.NetworkInterfaceID]
	if h == nil {
		l.t.Fatalf("no host for %s", i.ID)
	}
	if h.gateway == nil {
		return state.Process{}
	}
	return h.gateway.process()
}

// netnsInode returns the inode of a namespace, or of a process's.
func netnsInode(t *testing.T, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// An instance launched with the gateway image runs `mcnlab gateway` in its
// own namespace once it is wired, answering on GatewaySocket under
// GatewayName; other instances run nothing; terminating the instance, or
// closing the realizer, stops the daemon.
func TestGatewayDaemonLifecycle(t *testing.T) {
	l := gatewayLab(t)
	v := l.vpc("10.0.0.0/16")
	sub := l.subnet(v, "10.0.1.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	gw, plain := l.gatewayInstance(sub, g.ID), l.instance(sub, g.ID)
	l.sync()

	ctx, cancel := context.WithTimeout(context.Background(), gwConverge)
	defer cancel()
	c := mgmt.NewClient(GatewaySocket(l.name, gw.ID))
	defer c.Close()
	h, err := c.Health(ctx)
	if err != nil {
		t.Fatalf("the gateway instance's socket does not answer once RunInstances is in force: %v", err)
	}
	if h.Name != GatewayName(gw.ID) {
		t.Errorf("gateway answers as %q, want %q", h.Name, GatewayName(gw.ID))
	}
	p := l.daemon(gw)
	if !p.Alive() {
		t.Fatalf("gateway process %+v is not running", p)
	}
	if got, want := netnsInode(t, fmt.Sprintf("/proc/%d/ns/net", p.PID)), netnsInode(t, netns.Path(l.ns(gw))); got != want {
		t.Errorf("the gateway runs in network namespace %d, want the instance's %d", got, want)
	}
	if _, err := os.Stat(GatewaySocket(l.name, plain.ID)); err == nil {
		t.Errorf("an instance of another image has a gateway socket")
	}
	if d := l.daemon(plain); d.PID != 0 {
		t.Errorf("an instance of another image runs a gateway: %+v", d)
	}
	l.pingOK(l.ns(plain), gw.PrivateIP) // the gateway's namespace is wired

	// A change to the instance's rules does not restart the daemon.
	l.ok(l.cloud.SetSourceDestCheck(acct, gw.ID, false))
	if again := l.daemon(gw); again != p {
		t.Errorf("turning the source/destination check off restarted the gateway: %+v then %+v", p, again)
	}

	must[map[string]model.InstanceState](t)(l.cloud.TerminateInstances(acct, []string{gw.ID}))
	l.sync()
	if p.Alive() {
		t.Errorf("gateway pid %d still runs once the termination is in force", p.PID)
	}
	if _, err := c.Health(ctx); err == nil {
		t.Error("the terminated gateway's socket still answers")
	}
	if netns.Exists(l.ns(gw)) {
		t.Errorf("namespace %s outlives its terminated instance", l.ns(gw))
	}

	// Closing the realizer stops every gateway.
	gw2 := l.gatewayInstance(sub, g.ID)
	p2 := l.daemon(gw2)
	if !p2.Alive() {
		t.Fatalf("second gateway %+v is not running", p2)
	}
	l.ok(l.r.Close())
	if p2.Alive() {
		t.Errorf("gateway pid %d still runs after the realizer closed", p2.PID)
	}
}

// A gateway daemon that dies (SIGKILL) is started again, as a service on a
// VM is, and answers on its socket under its name within a second or so;
// the realizer logs the exit and the restart. Stopping the instance's host
// (termination) stops the supervision too: nothing is restarted after it.
func TestGatewayDaemonRestartedWhenKilled(t *testing.T) {
	var mu sync.Mutex
	var events []string
	l := gatewayLabWith(t, func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, fmt.Sprintf(format, args...))
	})
	v := l.vpc("10.0.0.0/16")
	sub := l.subnet(v, "10.0.1.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	gw := l.gatewayInstance(sub, g.ID)
	p := l.daemon(gw)
	if !p.Alive() {
		t.Fatalf("gateway process %+v is not running", p)
	}
	c := mgmt.NewClient(GatewaySocket(l.name, gw.ID))
	defer c.Close()
	for round := 1; round <= 2; round++ {
		if err := syscall.Kill(p.PID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var again state.Process
		for {
			again = l.daemon(gw)
			if again.PID != 0 && again != p && again.Alive() {
				if h, err := c.Health(ctx); err == nil && h.Name == GatewayName(gw.ID) {
					break
				}
			}
			if ctx.Err() != nil {
				cancel()
				t.Fatalf("round %d: the killed gateway (pid %d) is not back within 5 s (now %+v)", round, p.PID, again)
			}
			time.Sleep(20 * time.Millisecond) // polling the restart, bounded by ctx
		}
		cancel()
		t.Logf("round %d: gateway back as pid %d, answering, %s after SIGKILL", round, again.PID, time.Since(killed).Round(time.Millisecond))
		p = again
	}
	mu.Lock()
	log := strings.Join(events, "\n")
	mu.Unlock()
	for _, want := range []string{"exited after", "restarted as pid " + strconv.Itoa(p.PID) + " (restart 2)"} {
		if !strings.Contains(log, want) {
			t.Errorf("realizer log lacks %q:\n%s", want, log)
		}
	}
	must[map[string]model.InstanceState](t)(l.cloud.TerminateInstances(acct, []string{gw.ID}))
	l.sync()
	if p.Alive() {
		t.Errorf("gateway pid %d still runs once the termination is in force", p.PID)
	}
	if pids := labGateways(l.name); len(pids) > 0 {
		t.Errorf("gateway processes %v run after the termination (restarted by the supervisor?)", pids)
	}
}
