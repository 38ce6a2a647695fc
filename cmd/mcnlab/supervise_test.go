package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// nsPIDs lists the processes in the named network namespace.
func nsPIDs(t *testing.T, ns string) []int {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(netns.Path(ns), &st); err != nil {
		t.Fatalf("stat namespace %s: %v", ns, err)
	}
	want := fmt.Sprintf("net:[%d]", st.Ino)
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if l, err := os.Readlink("/proc/" + e.Name() + "/ns/net"); err == nil && l == want {
			out = append(out, pid)
		}
	}
	return out
}

// gatewayIn returns the gateway daemon's PID in namespace ns.
func gatewayIn(t *testing.T, ns string) int {
	t.Helper()
	for _, pid := range nsPIDs(t, ns) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if args := strings.Split(string(b), "\x00"); len(args) > 1 && args[1] == "gateway" {
			return pid
		}
	}
	return 0
}

// gatewayHealthy reports whether the controller sees gateway name with
// every tunnel and BGP session up.
func gatewayHealthy(st api.Status, name string) bool {
	for _, g := range st.Gateways {
		if g.Name == name {
			return g.Tunnels > 0 && g.TunnelsUp == g.Tunnels && g.Sessions > 0 && g.SessionsUp == g.Sessions
		}
	}
	return false
}

// A gateway killed with SIGKILL is back, with its tunnels and BGP sessions,
// within 5 s, and the cloud's and the controller's logs say so. Then:
// processes that users start with `mcnlab exec` in every kind of namespace
// (a site router, a site host, a workload instance, a gateway instance)
// are gone after destroy.
func TestCloudLabGatewayRestartAndExecCleanup(t *testing.T) {
	lab := deployCloudLab(t, "testdata/aws-edge.yaml", "asv")
	ctx := context.Background()
	c, err := labAPI(lab)
	if err != nil {
		t.Fatal(err)
	}
	gwNS := workloadNS(t, lab, "transit-1")
	old := gatewayIn(t, gwNS)
	if old == 0 {
		t.Fatalf("no gateway process in %s", gwNS)
	}
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	deadline := killed.Add(5 * time.Second)
	var back time.Duration
	for {
		st, err := c.Status(ctx)
		if pid := gatewayIn(t, gwNS); err == nil && pid != 0 && pid != old && gatewayHealthy(st, "transit-1") {
			back = time.Since(killed)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("transit-1 is not back with its tunnels and sessions within 5 s of SIGKILL (status %+v, err %v)", st.Gateways, err)
		}
		time.Sleep(20 * time.Millisecond) // polling the controller's view, bounded by deadline
	}
	t.Logf("transit-1 back with every tunnel and session %s after SIGKILL", back.Round(time.Millisecond))
	if log := tail(controllerLog(lab), 200); !strings.Contains(log, "gateway transit-1 (") || !strings.Contains(log, "restarted (boot") {
		t.Errorf("the controller's log does not say transit-1 restarted:\n%s", log)
	}
	if log := tail(state.Dir(lab)+"/cloud.log", 200); !strings.Contains(log, fmt.Sprintf("pid %d exited", old)) {
		t.Errorf("the cloud's log does not say the gateway's pid %d exited:\n%s", old, log)
	}

	// One `mcnlab exec LAB NODE -- sleep` in each kind of namespace.
	bin, _ := mcnlabSelf()
	type started struct {
		node string
		pid  int
		done chan struct{}
	}
	var procs []started
	for _, node := range []string{"branch", "branch-h1", "app1", "transit-1"} {
		cmd := exec.Command(bin, "exec", "--lab", lab, node, "--", "sleep", "600")
		cmd.Env = append(os.Environ(), stateRootEnv+"="+state.Root)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		procs = append(procs, started{node, cmd.Process.Pid, done})
		ns := emulator.NamespaceName(lab, node)
		if !netns.Exists(ns) {
			ns = workloadNS(t, lab, node)
		}
		// Wait until it runs sleep inside the node's namespace.
		deadline := time.Now().Add(5 * time.Second)
		for !containsPID(nsPIDs(t, ns), cmd.Process.Pid) {
			if time.Now().After(deadline) {
				t.Fatalf("mcnlab exec %s -- sleep is not running in %s", node, ns)
			}
			time.Sleep(10 * time.Millisecond) // polling the exec's start, bounded
		}
	}
	if out, _, err := run(t, "destroy", "--lab", lab); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
	for _, p := range procs {
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Errorf("the process started by `mcnlab exec %s` (pid %d) outlives destroy", p.node, p.pid)
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
	}
}

func containsPID(pids []int, pid int) bool {
	for _, p := range pids {
		if p == pid {
			return true
		}
	}
	return false
}
