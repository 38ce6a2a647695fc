package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	awsprov "github.com/mcnlab/mcnlab/controller/cloud/aws"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

const awsTransit = "../../topologies/aws-transit.yaml"

// deployAWSTransit deploys topologies/aws-transit.yaml (deployCloudLab).
func deployAWSTransit(t *testing.T) string { return deployCloudLab(t, awsTransit, "awt") }

// newTestLab names a fresh lab for the test, with the state in a temporary
// directory and the test's mcnlab binary for the lab's daemons, and
// destroys it when the test ends (checking that nothing is left).
func newTestLab(t *testing.T, prefix string) string {
	t.Helper()
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		roottest.Missing(t, "no TUN device: %v", err)
	}
	bin := roottest.MCNLab(t)
	roottest.UseTempState(t)
	old := labBase.Self
	labBase.Self = bin
	t.Cleanup(func() { labBase.Self = old })
	lab := roottest.LabName(t, prefix)
	t.Cleanup(func() {
		if _, _, err := run(t, "destroy", "--lab", lab); err != nil {
			t.Errorf("destroy: %v", err)
		}
		roottest.AssertGone(t, lab)
	})
	return lab
}

// deployCloudLab deploys a cloud topology under a test lab name with the
// built mcnlab as the lab's daemons, and destroys it (checking nothing is
// left) when the test ends.
func deployCloudLab(t *testing.T, file, prefix string) string {
	t.Helper()
	roottest.Require(t)
	for _, tool := range []string{"vtysh", "aws"} {
		if _, err := exec.LookPath(tool); err != nil {
			roottest.Missing(t, "%s is not installed: %v", tool, err)
		}
	}
	lab := newTestLab(t, prefix)
	start := time.Now()
	out, _, err := run(t, "deploy", "-t", file, "--lab", lab)
	if err != nil {
		t.Fatalf("deploy: %v\n%s\ncontroller log:\n%s", err, out, mcnlab.Tail(controllerLog(lab), 40))
	}
	t.Logf("deployed and converged in %s", time.Since(start).Round(time.Millisecond))
	// Runs before the destroy above: a failed test shows the daemons' logs.
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range []string{"cloud.log", "controller.log"} {
				t.Logf("%s ends:\n%s", f, mcnlab.Tail(filepath.Join(state.Dir(lab), f), 30))
			}
		}
	})
	return lab
}

func controllerLog(lab string) string { return filepath.Join(state.Dir(lab), "controller.log") }

// awsRoutes reads a subnet's route table with the AWS CLI from the lab's
// emulated cloud: destination -> target.
func awsRoutes(t *testing.T, lab, subnetKey string) map[string]string {
	t.Helper()
	lc, err := mcnlab.ReadEndpoint(lab, "aws")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("aws", "--endpoint-url", lc.URL, "--region", lc.Region, "--output", "json",
		"ec2", "describe-route-tables", "--filters", "Name=tag:Name,Values="+subnetKey)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+lc.Credentials.KeyID, "AWS_SECRET_ACCESS_KEY="+lc.Credentials.Secret,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws ec2 describe-route-tables: %v", err)
	}
	var ans struct {
		RouteTables []struct {
			Routes []struct {
				DestinationCidrBlock, GatewayId, InstanceId, NetworkInterfaceId string
			}
		}
	}
	if err := json.Unmarshal(b, &ans); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	if len(ans.RouteTables) != 1 {
		t.Fatalf("%d route tables named %s, want 1", len(ans.RouteTables), subnetKey)
	}
	out := map[string]string{}
	for _, r := range ans.RouteTables[0].Routes {
		out[r.DestinationCidrBlock] = r.GatewayId + r.InstanceId + r.NetworkInterfaceId
	}
	return out
}

// sdkRoutes reads a route table as awsRoutes does, through the AWS SDK
// for Go: milliseconds a call where the CLI takes most of a second, so
// that a wait on it measures the lab rather than the CLI's start-up.
func sdkRoutes(t *testing.T, lab, subnetKey string) map[string]string {
	t.Helper()
	lc, err := mcnlab.ReadEndpoint(lab, "aws")
	if err != nil {
		t.Fatal(err)
	}
	c := ec2.New(ec2.Options{Region: lc.Region, BaseEndpoint: sdkaws.String(lc.URL), HTTPClient: awsprov.BufferedBody(nil),
		Credentials: credentials.NewStaticCredentialsProvider(lc.Credentials.KeyID, lc.Credentials.Secret, "")})
	out, err := c.DescribeRouteTables(context.Background(), &ec2.DescribeRouteTablesInput{
		Filters: []ec2types.Filter{{Name: sdkaws.String("tag:Name"), Values: []string{subnetKey}}}})
	if err != nil {
		t.Fatalf("DescribeRouteTables %s: %v", subnetKey, err)
	}
	if len(out.RouteTables) != 1 {
		t.Fatalf("%d route tables named %s, want 1", len(out.RouteTables), subnetKey)
	}
	m := map[string]string{}
	for _, r := range out.RouteTables[0].Routes {
		m[sdkaws.ToString(r.DestinationCidrBlock)] = sdkaws.ToString(r.GatewayId) + sdkaws.ToString(r.InstanceId) + sdkaws.ToString(r.NetworkInterfaceId)
	}
	return m
}

// waitRoutes polls a route table through the SDK until cond holds, timing
// it, then reads it with the AWS CLI, whose view must satisfy cond too and
// is returned.
func waitRoutes(t *testing.T, lab, subnet string, limit time.Duration, cond func(map[string]string) bool) (map[string]string, time.Duration, bool) {
	t.Helper()
	start := time.Now()
	for {
		r := sdkRoutes(t, lab, subnet)
		took := time.Since(start)
		if cond(r) {
			cli := awsRoutes(t, lab, subnet)
			if !cond(cli) {
				t.Errorf("the AWS CLI reads %s as %v; the SDK read it as %v just before", subnet, cli, r)
			}
			return cli, took, true
		}
		if took > limit {
			return r, took, false
		}
		time.Sleep(20 * time.Millisecond) // polling the cloud's route table, bounded by limit
	}
}

// waitEveryTable polls route tables through the SDK until cond holds for
// every one of them, timing it from start, then reads each with the AWS
// CLI, whose view must satisfy cond too.
func waitEveryTable(t *testing.T, lab string, subnets []string, start time.Time, limit time.Duration, cond func(map[string]string) bool) (time.Duration, bool) {
	t.Helper()
	for {
		all := true
		for _, sub := range subnets {
			all = all && cond(sdkRoutes(t, lab, sub))
		}
		took := time.Since(start)
		if all {
			for _, sub := range subnets {
				if cli := awsRoutes(t, lab, sub); !cond(cli) {
					t.Errorf("the AWS CLI reads %s as %v; the SDK read it otherwise just before", sub, cli)
				}
			}
			return took, true
		}
		if took > limit {
			return took, false
		}
		time.Sleep(20 * time.Millisecond) // polling the cloud's route tables, bounded by limit
	}
}

// waitPending polls the controller's pending routes until site's prefix is
// among them (in) or not (!in).
func waitPending(t *testing.T, c *api.Client, site, prefix string, in bool) {
	t.Helper()
	want := netip.MustParsePrefix(prefix)
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err := c.Pending(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(p, func(r api.PendingRoute) bool { return r.Site == site && r.Prefix == want }) == in {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pending routes %+v: want %s from %s in them: %v", p, prefix, site, in)
		}
		time.Sleep(50 * time.Millisecond) // polling the controller, bounded by the deadline
	}
}

// vtysh runs commands against a site router's FRR.
func vtysh(t *testing.T, lab, node string, cmds ...string) {
	t.Helper()
	args := []string{"--vty_socket", emulator.NodeDir(lab, node)}
	for _, c := range cmds {
		args = append(args, "-c", c)
	}
	if out, err := exec.Command("vtysh", args...).CombinedOutput(); err != nil {
		t.Fatalf("vtysh %v: %v\n%s", cmds, err, out)
	}
}

// statusIs reports whether err is an API error with the given status.
func statusIs(err error, code int) bool {
	var ae *api.APIError
	return errors.As(err, &ae) && ae.StatusCode == code
}

// workloadNS returns the namespace of a workload instance.
func workloadNS(t *testing.T, lab, name string) string {
	t.Helper()
	return emulator.InstanceNamespace(lab, instanceID(t, lab, name))
}

// reach pings dst from ns up to n times and reports whether one came back.
func reach(t *testing.T, ns string, dst netip.Addr, n int) bool {
	t.Helper()
	p, err := probe.NewPinger(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ok := false
	for i := 1; i <= n; i++ {
		if _, err := p.Ping(dst, i, 300*time.Millisecond); err == nil {
			ok = true
		}
	}
	return ok
}

// waitReach pings until an answer or the limit.
func waitReach(t *testing.T, ns string, dst netip.Addr, limit time.Duration) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	_, err := probe.WaitReachable(ctx, ns, dst, 100*time.Millisecond)
	return err == nil
}

// drops sums the transit gateways' drop counters from one domain to
// another.
func drops(t *testing.T, c *api.Client, from, to string) uint64 {
	t.Helper()
	s, err := c.Segmentation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, d := range s.Drops {
		if d.From == from && d.To == to {
			n += d.Packets
		}
	}
	return n
}

// probeTimeout is how long a probe waits for its answer before it counts
// as lost (generous: the machine is loaded while tests run).
const probeTimeout = time.Second

// probeResult is what a probe stream saw.
type probeResult struct {
	Sent, Lost int
	// Outage is the longest time between two answered probes.
	Outage time.Duration
}

// probeDuring pings dst from ns every 10 ms while f runs and for two
// seconds after (the restarted controller's first reconciliations, a
// failover's settling).
func probeDuring(t *testing.T, ns string, dst netip.Addr, f func()) probeResult {
	t.Helper()
	p, err := probe.NewPinger(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	stop := make(chan struct{})
	done := make(chan probeResult)
	go func() {
		var r probeResult
		last := time.Now()
		for seq := 1; ; seq++ {
			select {
			case <-stop:
				done <- r
				return
			default:
			}
			r.Sent++
			if _, err := p.Ping(dst, seq, probeTimeout); err != nil {
				r.Lost++
			} else {
				r.Outage = max(r.Outage, time.Since(last))
				last = time.Now()
			}
			time.Sleep(10 * time.Millisecond) // pacing the probe stream
		}
	}()
	f()
	time.Sleep(2 * time.Second) // keep probing while things settle
	close(stop)
	r := <-done
	t.Logf("%d probes sent, %d lost, longest gap between answers %s", r.Sent, r.Lost, r.Outage.Round(time.Millisecond))
	if r.Sent < 50 {
		t.Errorf("only %d probes sent", r.Sent)
	}
	return r
}

// A site whose edge is an mcnlab gateway reaches the transit over the
// emulated internet through WireGuard tunnels, or over a private line
// with BGP over VXLAN: its prefix waits for approval, then the spoke
// reaches the site's host.
func TestAWSGatewaySite(t *testing.T) {
	src, err := os.ReadFile("testdata/aws-edge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, conn := range []string{"tunnel", "private-line"} {
		t.Run(conn, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "edge.yaml")
			y := strings.Replace(string(src), "type: tunnel", "type: "+conn, 1)
			if err := os.WriteFile(file, []byte(y), 0o644); err != nil {
				t.Fatal(err)
			}
			testGatewaySite(t, deployCloudLab(t, file, "awe"))
		})
	}
}

func testGatewaySite(t *testing.T, lab string) {
	ctx := context.Background()
	c, err := mcnlab.API(lab)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := c.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Prefix != netip.MustParsePrefix("10.200.0.0/24") || pending[0].Site != "branch" {
		t.Fatalf("pending %+v, want branch's 10.200.0.0/24", pending)
	}
	appNS := workloadNS(t, lab, "app1")
	host := netip.MustParseAddr("10.200.0.10")
	if reach(t, appNS, host, 2) {
		t.Errorf("app1 reaches the branch before its prefix is approved")
	}
	if out, _, err := run(t, "routes", "approve", "branch", "10.200.0.0/24", "--lab", lab, "--wait", "10s"); err != nil {
		t.Fatalf("routes approve: %v\n%s", err, out)
	}
	if !waitReach(t, appNS, host, 10*time.Second) {
		t.Errorf("app1 does not reach branch-h1 over the tunnels once approved")
	}
	// exec finds a cloud instance by its name in the topology.
	bin := labBase.Self
	cmd := exec.Command(bin, "exec", "--lab", lab, "app1", "--", "ping", "-c1", "-W2", host.String())
	cmd.Env = append(os.Environ(), mcnlab.StateRootEnv+"="+state.Root)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("mcnlab exec app1 -- ping %s: %v\n%s", host, err, out)
	}
	checkMatrix(t, lab)
}

// checkMatrix pings every pair of the lab's endpoints, logs the matrix and
// fails for each pair not as the intent expects; it returns the last
// matrix measured.
func checkMatrix(t *testing.T, lab string) *mcnlab.Matrix {
	t.Helper()
	// A site's FRR may reset its BGP session once just after deploy
	// returns (emulator/routers.go: bgpd re-registers BFD when the session
	// comes up) and has its routes again a few seconds later: the matrix
	// is measured again until it is as expected or matrixSettle is over,
	// and every round that was not is logged.
	deadline := time.Now().Add(matrixSettle)
	for round := 1; ; round++ {
		cm, err := mcnlab.Reachability(context.Background(), lab)
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		cm.Print(&sb)
		n := cm.Mismatches()
		if n == 0 || time.Now().After(deadline) {
			t.Log("\n" + sb.String())
			if n > 0 {
				t.Errorf("%d pairs not as expected after %s (%d rounds)", n, matrixSettle, round)
			}
			return cm
		}
		t.Logf("round %d: %d pairs not as expected yet:\n%s", round, n, sb.String())
	}
}

// matrixSettle is how long checkMatrix measures again while pairs are not
// as expected.
const matrixSettle = 15 * time.Second

// Two transits joined by a transit peering: spokes on each reach each
// other, and a site prefix approved at one transit (in the file) reaches
// the spoke of the other, while the unapproved one reaches neither. The
// site runs BIRD.
func TestAWSTransitPeering(t *testing.T) {
	lab := deployCloudLab(t, "testdata/aws-peering.yaml", "awp")
	c, err := mcnlab.API(lab)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := c.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Prefix != netip.MustParsePrefix("10.121.0.0/24") {
		t.Errorf("pending %+v, want only dc's 10.121.0.0/24 (10.120.0.0/24 is approved in the file)", pending)
	}
	r, _, ok := waitRoutes(t, lab, "wa-vpc/app", 10*time.Second, func(r map[string]string) bool {
		return r["10.21.0.0/16"] != "" && r["10.120.0.0/24"] != ""
	})
	if !ok {
		t.Errorf("wa's route table %v lacks ea's VPC or dc's approved prefix, learned across the peering", r)
	}
	if _, in := r["10.121.0.0/24"]; in {
		t.Errorf("the unapproved 10.121.0.0/24 reached wa's route table: %v", r)
	}
	checkMatrix(t, lab)
}

// A cloud lab whose cloud and controller were killed (SIGKILL: no clean
// up) is still removed whole by destroy: the gateways in the instances'
// namespaces, the namespaces the cloud recorded, the site's, the state.
func TestDestroyAfterCloudCrash(t *testing.T) {
	lab := deployCloudLab(t, "testdata/aws-edge.yaml", "awk")
	rec, err := state.Load(lab)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Daemons) != 3 {
		t.Fatalf("lab records daemons %+v, want the cloud, the controller and the supervisor", rec.Daemons)
	}
	// Every daemon dies (the supervisor first, or it would restart the
	// others).
	slices.Reverse(rec.Daemons)
	for _, d := range rec.Daemons {
		if err := syscall.Kill(d.Process.PID, syscall.SIGKILL); err != nil {
			t.Fatalf("kill %s: %v", d.Name, err)
		}
	}
	for _, d := range rec.Daemons {
		deadline := time.Now().Add(5 * time.Second)
		for d.Process.Alive() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond) // polling the killed process's exit, bounded
		}
	}
	var gateways []int
	for _, n := range rec.Nodes {
		if n.Kind == "instance" {
			pids, _ := emulator.NodePIDs(lab, strings.TrimPrefix(n.Namespace, emulator.NamespaceName(lab, "")))
			gateways = append(gateways, pids...)
		}
	}
	if len(gateways) < 3 {
		t.Fatalf("found %d gateway processes in the instances' namespaces, want at least 3", len(gateways))
	}
	if out, _, err := run(t, "destroy", "--lab", lab); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
	roottest.AssertGone(t, lab)
	for _, pid := range gateways {
		// A zombie waiting for init to reap it has left its namespaces.
		if _, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid)); err == nil {
			t.Errorf("gateway pid %d outlives destroy", pid)
		}
	}
}
