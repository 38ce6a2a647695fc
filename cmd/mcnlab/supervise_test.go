package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
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
	c, err := mcnlab.API(lab)
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
	// The controller's status can still be the one it read before the
	// kill when the new process is already up: wait for its next read,
	// which sees the new boot and says so.
	for {
		log := mcnlab.Tail(controllerLog(lab), 200)
		if slices.ContainsFunc(strings.Split(log, "\n"), func(l string) bool {
			return strings.Contains(l, "gateway transit-1 (") && strings.Contains(l, ") restarted (boot")
		}) {
			break
		}
		if time.Since(killed) > 10*time.Second {
			t.Errorf("the controller's log does not say transit-1 restarted 10 s after the kill:\n%s", log)
			break
		}
		time.Sleep(20 * time.Millisecond) // polling the controller's log, bounded
	}
	if log := mcnlab.Tail(state.Dir(lab)+"/cloud.log", 200); !strings.Contains(log, fmt.Sprintf("pid %d exited", old)) {
		t.Errorf("the cloud's log does not say the gateway's pid %d exited:\n%s", old, log)
	}

	checkSecretsPrivate(t, lab)

	// One `mcnlab exec LAB NODE -- sleep` in each kind of namespace.
	bin := labBase.Self
	type started struct {
		node string
		pid  int
		done chan struct{}
	}
	var procs []started
	for _, node := range []string{"branch", "branch-h1", "app1", "transit-1"} {
		cmd := exec.Command(bin, "exec", "--lab", lab, node, "--", "sleep", "600")
		cmd.Env = append(os.Environ(), mcnlab.StateRootEnv+"="+state.Root)
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
	for _, f := range []string{mcnlab.CAFile(lab), mcnlab.CAKeyFile(lab)} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("the lab CA's %s after destroy: %v", f, err)
		}
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

// SIGKILL the lab's controller or cloud while deploy waits for it: deploy
// fails within 5 s, naming the dead daemon, and rolls back.
func TestDeployFailsWhenADaemonDies(t *testing.T) {
	for _, daemon := range []string{mcnlab.ControllerDaemon, mcnlab.CloudDaemon} {
		t.Run(daemon, func(t *testing.T) {
			roottest.Require(t)
			bin := roottest.MCNLab(t)
			roottest.UseTempState(t)
			old := labBase.Self
			labBase.Self = bin
			t.Cleanup(func() { labBase.Self = old })
			lab := roottest.LabName(t, "adk")
			t.Cleanup(func() {
				run(t, "destroy", "--lab", lab)
				roottest.AssertGone(t, lab)
			})
			type result struct {
				out string
				err error
			}
			done := make(chan result, 1)
			go func() {
				var out strings.Builder
				root := newRoot()
				root.SetOut(&out)
				root.SetErr(&out)
				root.SetArgs([]string{"deploy", "-t", "testdata/aws-edge.yaml", "--lab", lab})
				err := root.Execute()
				done <- result{out.String(), err}
			}()
			var victim state.Process
			deadline := time.Now().Add(60 * time.Second)
			for victim.PID == 0 {
				if p, ok := mcnlab.DaemonOf(lab, daemon); ok && p.Alive() {
					victim = p
					break
				}
				select {
				case r := <-done:
					t.Fatalf("deploy ended before the %s started: %v\n%s", daemon, r.err, r.out)
				case <-time.After(5 * time.Millisecond): // polling the state for the daemon, bounded by deadline
				}
				if time.Now().After(deadline) {
					t.Fatalf("the %s was never recorded", daemon)
				}
			}
			if err := syscall.Kill(victim.PID, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed := time.Now()
			select {
			case r := <-done:
				took := time.Since(killed)
				t.Logf("deploy failed %s after the %s was killed: %v", took.Round(time.Millisecond), daemon, r.err)
				if r.err == nil {
					t.Fatalf("deploy succeeded with its %s killed", daemon)
				}
				if !strings.Contains(r.err.Error(), daemon) || !strings.Contains(r.err.Error(), "died") {
					t.Errorf("deploy's error does not name the dead %s: %v", daemon, r.err)
				}
				if took > 5*time.Second+daemonStopAllowance {
					t.Errorf("deploy took %s to fail after its %s died, want 5 s (plus the rollback)", took, daemon)
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("deploy still waits 60 s after its %s was killed", daemon)
			}
			roottest.AssertGone(t, lab)
		})
	}
}

// daemonStopAllowance is what the rollback after a failed deploy may add
// on a loaded machine (it stops the other daemon and removes every
// namespace).
const daemonStopAllowance = 10 * time.Second

// After deploy, the lab's supervisor restarts a controller or a cloud that
// died: the controller comes back and the lab is converged again; a cloud
// killed under a 10 ms probe stream comes back on its state file and
// adopts its namespaces and gateway daemons without losing a probe, while
// the controller keeps running. `controller stop` is left stopped.
func TestSupervisorRestartsDaemons(t *testing.T) {
	lab := deployCloudLab(t, "testdata/aws-edge.yaml", "asu")
	killed, _, again := killDaemon(t, lab, mcnlab.ControllerDaemon)
	restartedIn := time.Since(killed)
	took := restartedIn + labConverged(t, lab, 60*time.Second)
	// The other daemon was not touched.
	if c, _ := mcnlab.DaemonOf(lab, mcnlab.CloudDaemon); !c.Alive() {
		t.Errorf("the cloud died with the controller")
	}
	t.Logf("controller killed: restarted as pid %d in %s, lab converged again %s after the kill", again.PID,
		restartedIn.Round(time.Millisecond), took.Round(time.Millisecond))
	cloudKillKeepsTraffic(t, lab)
	log := mcnlab.Tail(filepath.Join(state.Dir(lab), "supervisor.log"), 100)
	for _, want := range []string{"the controller of lab " + lab, "restarted the controller (pid", "the cloud of lab " + lab, "restarted the cloud (pid"} {
		if !strings.Contains(log, want) {
			t.Errorf("supervisor log lacks %q:\n%s", want, log)
		}
	}
	// A controller stopped on purpose stays stopped.
	if out, _, err := run(t, "controller", "stop", "--lab", lab); err != nil {
		t.Fatalf("controller stop: %v\n%s", err, out)
	}
	// Watched for ten of the supervisor's rounds: nothing starts it.
	for end := time.Now().Add(10 * mcnlab.SupervisorInterval); time.Now().Before(end); time.Sleep(mcnlab.SupervisorInterval / 2) {
		if p, ok := mcnlab.DaemonOf(lab, mcnlab.ControllerDaemon); ok {
			t.Fatalf("the supervisor restarted a controller stopped on purpose (pid %d)", p.PID)
		}
	}
	if out, _, err := run(t, "controller", "start", "--lab", lab); err != nil {
		t.Fatalf("controller start: %v\n%s", err, out)
	}
	if p, ok := mcnlab.DaemonOf(lab, mcnlab.ControllerDaemon); !ok || !p.Alive() {
		t.Errorf("controller not running after controller start")
	}
}

// labConverged waits until the lab's controller reports it converged and
// returns how long that took.
func labConverged(t *testing.T, lab string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if c, err := mcnlab.API(lab); err == nil {
			if st, err := c.Status(context.Background()); err == nil && st.Converged {
				return time.Since(start)
			}
		}
		if time.Since(start) > limit {
			t.Fatalf("lab not converged %s after the kill; supervisor log:\n%s", limit, mcnlab.Tail(filepath.Join(state.Dir(lab), "supervisor.log"), 30))
		}
		time.Sleep(50 * time.Millisecond) // polling the controller, bounded by limit
	}
}

// killDaemon SIGKILLs the lab's daemon and returns once the supervisor has
// restarted it.
func killDaemon(t *testing.T, lab, daemon string) (killed time.Time, p, again state.Process) {
	t.Helper()
	p, ok := mcnlab.DaemonOf(lab, daemon)
	if !ok || !p.Alive() {
		t.Fatalf("no live %s recorded", daemon)
	}
	if err := syscall.Kill(p.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed = time.Now()
	for {
		again, _ = mcnlab.DaemonOf(lab, daemon)
		if again.PID != 0 && again != p && again.Alive() {
			break
		}
		if time.Since(killed) > 30*time.Second {
			t.Fatalf("the %s was not restarted within 30 s: %+v then %+v; supervisor log:\n%s", daemon, p, again,
				mcnlab.Tail(filepath.Join(state.Dir(lab), "supervisor.log"), 30))
		}
		time.Sleep(20 * time.Millisecond) // polling the state for the restart, bounded
	}
	return killed, p, again
}

// cloudKillKeepsTraffic kills the cloud of an aws-edge lab under a 10 ms
// probe stream from the site's host through its gateway, the site's
// connection (tunnels over the internet, or BGP over the private line) and
// the transit gateway instances (gateway daemons the cloud supervises) to
// the spoke's workload: the restarted cloud reloads its model from
// cloud.db and adopts the namespaces, links and daemons, so not one probe
// is lost, and the controller keeps running. An adopted daemon killed
// afterwards is restarted.
func cloudKillKeepsTraffic(t *testing.T, lab string) {
	t.Helper()
	if out, _, err := run(t, "routes", "approve", "branch", "10.200.0.0/24", "--lab", lab, "--wait", "10s"); err != nil {
		t.Fatalf("routes approve: %v\n%s", err, out)
	}
	branch := emulator.NamespaceName(lab, "branch-h1")
	app1 := netip.MustParseAddr("10.1.1.10")
	if !waitReach(t, branch, app1, 10*time.Second) {
		t.Fatal("branch-h1 does not reach app1 once the branch's prefix is approved")
	}
	before, _ := state.Load(lab)
	inodes := map[string]uint64{}
	gateways := map[string]int{}
	for _, n := range before.Nodes {
		var st unix.Stat_t
		if err := unix.Stat(netns.Path(n.Namespace), &st); err == nil {
			inodes[n.Namespace] = st.Ino
		}
		if n.Kind == "instance" {
			if pid := gatewayIn(t, n.Namespace); pid != 0 {
				gateways[n.Namespace] = pid
			}
		}
	}
	if len(gateways) == 0 {
		t.Fatal("no gateway daemon runs in the cloud's instances")
	}
	ctl, _ := mcnlab.DaemonOf(lab, mcnlab.ControllerDaemon)
	// A namespace the dead cloud recorded for an instance the restored
	// model no longer has (as when its termination was saved but not yet
	// made): the restarted cloud removes it.
	stale := emulator.InstanceNamespace(lab, "i-00000000deadbeef0")
	if err := netns.Create(stale); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = netns.Delete(stale) })
	nodes, err := state.Part(lab, "cloud")
	if err != nil {
		t.Fatal(err)
	}
	nodes = append(nodes, state.Node{Name: strings.TrimPrefix(stale, emulator.NamespaceName(lab, "")), Kind: "instance", Namespace: stale})
	if err := state.SavePart(lab, "cloud", nodes); err != nil {
		t.Fatal(err)
	}
	pr := probeDuring(t, branch, app1, func() {
		killed, _, again := killDaemon(t, lab, mcnlab.CloudDaemon)
		labConverged(t, lab, 60*time.Second)
		t.Logf("cloud killed: restarted as pid %d, lab converged %s after the kill", again.PID, time.Since(killed).Round(time.Millisecond))
	})
	if pr.Lost > 0 {
		t.Errorf("%d of %d probes lost while the cloud was killed and restarted (longest gap %s)", pr.Lost, pr.Sent, pr.Outage)
	}
	if now, _ := mcnlab.DaemonOf(lab, mcnlab.ControllerDaemon); now != ctl || !ctl.Alive() {
		t.Errorf("the controller was restarted with the cloud: pid %d, then %d", ctl.PID, now.PID)
	}
	after, _ := state.Load(lab)
	recorded := map[string]bool{}
	for _, n := range after.Nodes {
		recorded[n.Namespace] = true
	}
	// (The lab's main state may still list it: recording a restarted
	// daemon saves the cloud's part into it, as state.Load merges parts.)
	part, _ := state.Part(lab, "cloud")
	if netns.Exists(stale) || slices.ContainsFunc(part, func(n state.Node) bool { return n.Namespace == stale }) {
		t.Errorf("the dead cloud's namespace %s of no instance of the model is still there (exists %v) or in the cloud's record %v", stale, netns.Exists(stale), part)
	}
	for ns, ino := range inodes {
		var st unix.Stat_t
		if err := unix.Stat(netns.Path(ns), &st); err != nil || st.Ino != ino || !recorded[ns] {
			t.Errorf("namespace %s was not adopted as it was (inode %d, now %d, %v; recorded %v)", ns, ino, st.Ino, err, recorded[ns])
		}
	}
	for ns, pid := range gateways {
		if now := gatewayIn(t, ns); now != pid {
			t.Errorf("the gateway daemon in %s was restarted (pid %d, now %d), not adopted", ns, pid, now)
		}
	}
	// The restarted cloud supervises the adopted daemons: one killed now
	// is restarted.
	for ns, pid := range gateways {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for gatewayIn(t, ns) == 0 || gatewayIn(t, ns) == pid {
			if time.Now().After(deadline) {
				t.Fatalf("the adopted gateway daemon in %s, killed, was not restarted in 30 s; cloud log:\n%s", ns, mcnlab.Tail(filepath.Join(state.Dir(lab), "cloud.log"), 20))
			}
			time.Sleep(20 * time.Millisecond) // polling for the restart, bounded
		}
		break
	}
	labConverged(t, lab, 60*time.Second)
	checkMatrix(t, lab)
	log := mcnlab.Tail(filepath.Join(state.Dir(lab), "supervisor.log"), 100)
	if !strings.Contains(log, "adopted its dataplane") {
		t.Errorf("supervisor log does not say the restarted cloud adopted its dataplane:\n%s", log)
	}
}

// TestCloudRestartKeepsPrivateLine: the site reaches the spoke over BGP on
// the private line (a Direct Connect virtual interface whose link the
// cloud made); killing the cloud loses no probe, as its successor adopts
// the line's link instead of remaking it.
func TestCloudRestartKeepsPrivateLine(t *testing.T) {
	src, err := os.ReadFile("testdata/aws-edge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "edge.yaml")
	if err := os.WriteFile(file, []byte(strings.Replace(string(src), "type: tunnel", "type: private-line", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	cloudKillKeepsTraffic(t, deployCloudLab(t, file, "asl"))
}

// checkSecretsPrivate holds that a user other than root finds neither the
// lab cloud's secret key nor the controller's admin token anywhere it can
// read: the lab's state directory, or any process's command line (what ps
// shows); and that the published development key and no token are refused.
func checkSecretsPrivate(t *testing.T, lab string) {
	t.Helper()
	lc, err := mcnlab.ReadEndpoint(lab, "aws")
	if err != nil {
		t.Fatal(err)
	}
	token, err := os.ReadFile(api.TokenFile(lab))
	if err != nil {
		t.Fatal(err)
	}
	caKey, err := os.ReadFile(mcnlab.CAKeyFile(lab))
	if err != nil {
		t.Fatal(err)
	}
	if lc.CAFile != mcnlab.CAFile(lab) {
		t.Errorf("the cloud's endpoint record names CA %q, want the lab's %s", lc.CAFile, mcnlab.CAFile(lab))
	}
	secrets := map[string]string{"cloud secret key": lc.Credentials.Secret, "admin token": strings.TrimSpace(string(token)), "CA key": string(caKey)}
	if lc.Credentials.Secret == mcnlab.DevSecret || lc.Credentials.KeyID == mcnlab.DevAccessKey {
		t.Errorf("the lab's cloud uses the published development key")
	}
	// Everything user nobody can read there, and every command line.
	sh := exec.Command("/bin/sh", "-c", `find "$1" -type f -exec cat {} + 2>/dev/null; cat /proc/[0-9]*/cmdline 2>/dev/null; exit 0`, "sh", state.Dir(lab))
	sh.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	seen, err := sh.Output()
	if err != nil {
		t.Fatalf("read as user nobody: %v", err)
	}
	if len(seen) == 0 {
		t.Fatal("user nobody read nothing at all (the check would prove nothing)")
	}
	for what, v := range secrets {
		if strings.Contains(string(seen), v) {
			t.Errorf("user nobody can read the lab's %s", what)
		}
	}
	for _, f := range []string{mcnlab.EndpointsFile(lab), api.TokenFile(lab), filepath.Join(state.Dir(lab), "cloud.addr"), mcnlab.CAKeyFile(lab)} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", f, fi.Mode().Perm(), err)
		}
	}
	// The development key and a missing token get nothing.
	c := ec2.New(ec2.Options{Region: lc.Region, BaseEndpoint: sdkaws.String(lc.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(mcnlab.DevAccessKey, mcnlab.DevSecret, "")})
	if _, err := c.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{}); err == nil || !strings.Contains(err.Error(), "AuthFailure") {
		t.Errorf("DescribeVpcs with the development key: %v; want AuthFailure", err)
	}
	url, err := api.ControllerURL(lab)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.NewClient(url, "").Status(context.Background()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("controller status without a token: %v; want 401", err)
	}
}

// deploy --retain keeps a lab that did not converge, in phase failed with
// the reason, for inspect to show; destroy removes it. Without --retain the
// same deploy leaves nothing.
func TestDeployRetainKeepsAFailedLab(t *testing.T) {
	old := labBase.ConvergeTimeout
	labBase.ConvergeTimeout = time.Millisecond // nothing converges that fast
	t.Cleanup(func() { labBase.ConvergeTimeout = old })
	lab := roottest.LabName(t, "art")
	roottest.Require(t)
	bin := roottest.MCNLab(t)
	roottest.UseTempState(t)
	oldSelf := labBase.Self
	labBase.Self = bin
	t.Cleanup(func() { labBase.Self = oldSelf })
	t.Cleanup(func() {
		run(t, "destroy", "--lab", lab)
		roottest.AssertGone(t, lab)
	})
	_, _, err := run(t, "deploy", "-t", "testdata/aws-edge.yaml", "--lab", lab)
	if err == nil || !strings.Contains(err.Error(), "did not converge within 1ms") || !strings.Contains(err.Error(), "(lab "+lab+" destroyed)") {
		t.Fatalf("deploy without --retain: %v; want it not converged and destroyed", err)
	}
	roottest.AssertGone(t, lab)

	_, _, err = run(t, "deploy", "-t", "testdata/aws-edge.yaml", "--lab", lab, "--retain")
	want := "(lab " + lab + " kept as it is: `mcnlab inspect --lab " + lab + "` shows it, `mcnlab destroy --lab " + lab + "` removes it)"
	if err == nil || !strings.Contains(err.Error(), "did not converge within 1ms") || !strings.Contains(err.Error(), want) {
		t.Fatalf("deploy --retain: %v; want it not converged and kept", err)
	}
	rec, err := state.Load(lab)
	if err != nil || rec.Phase != state.PhaseFailed || !strings.Contains(rec.Error, "did not converge") {
		t.Fatalf("kept lab: %+v, %v; want phase failed with the reason", rec, err)
	}
	out, _, err := run(t, "inspect", "--lab", lab)
	if err != nil || !strings.Contains(out, "deploy failed: lab "+lab+" did not converge within 1ms") {
		t.Errorf("inspect of the kept lab: %v\n%s", err, out)
	}
	if out, _, err := run(t, "destroy", "--lab", lab); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
	roottest.AssertGone(t, lab)
}
