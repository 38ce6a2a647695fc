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

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/store"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

const awsTransit = "../../topologies/aws-transit.yaml"

// deployAWSTransit deploys topologies/aws-transit.yaml (deployCloudLab).
func deployAWSTransit(t *testing.T) string { return deployCloudLab(t, awsTransit, "awt") }

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
	c := ec2.New(ec2.Options{Region: lc.Region, BaseEndpoint: sdkaws.String(lc.URL),
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

// The demo topology end to end: route approval, propagation into the spoke
// route tables (read with the AWS CLI) and withdrawal, segmentation dropped
// at the transit, the API's roles, a controller restart under a probe, and
// the reachability matrix.
func TestAWSTransitLab(t *testing.T) {
	lab := deployAWSTransit(t)
	ctx := context.Background()
	c, err := mcnlab.API(lab)
	if err != nil {
		t.Fatal(err)
	}
	prod := "prod-vpc/app"
	ownVPC := func(r map[string]string) bool { _, ok := r["10.1.0.0/16"]; return ok }

	// Nothing approved yet: both on-prem prefixes are pending, none is in a
	// spoke route table, the other spokes are.
	pending, err := c.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pend []string
	for _, p := range pending {
		pend = append(pend, p.Site+" "+p.Prefix.String())
	}
	if got := strings.Join(pend, ", "); got != "dc1 10.100.0.0/24, dc1 10.101.0.0/24" {
		t.Errorf("pending routes %q, want both of dc1's", got)
	}
	r, _, ok := waitRoutes(t, lab, prod, 5*time.Second, func(r map[string]string) bool {
		return r["10.2.0.0/16"] != "" && r["10.3.0.0/16"] != ""
	})
	if !ok || !ownVPC(r) {
		t.Fatalf("prod's app route table %v: want local 10.1.0.0/16 and the learned 10.2.0.0/16 and 10.3.0.0/16", r)
	}
	if _, ok := r["10.100.0.0/24"]; ok {
		t.Errorf("an unapproved on-prem prefix reached a spoke route table: %v", r)
	}
	dcApp := netip.MustParseAddr("10.100.0.10")
	prodNS := workloadNS(t, lab, "prod-app")
	if reach(t, prodNS, dcApp, 3) {
		t.Errorf("prod-app reaches dc1-app before its prefix is approved")
	}

	// A read-only token cannot approve; no token gets 401.
	adminURL, adminTok, err := api.ControllerEndpoint(lab)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.NewClient(adminURL, "").Approve(ctx, "dc1", "10.100.0.0/24"); !statusIs(err, 401) {
		t.Errorf("approve without a token: %v, want 401", err)
	}
	nt, err := api.NewClient(adminURL, adminTok).CreateToken(ctx, "viewer", store.RoleReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.NewClient(adminURL, nt.Token).Approve(ctx, "dc1", "10.100.0.0/24"); !statusIs(err, 403) {
		t.Errorf("approve with a read-only token: %v, want 403", err)
	}

	// Approve one prefix from the CLI: it reaches the spoke route tables
	// within seconds and becomes reachable; the other stays out.
	if out, _, err := run(t, "routes", "approve", "dc1", "10.100.0.0/24", "--lab", lab); err != nil {
		t.Fatalf("routes approve: %v\n%s", err, out)
	}
	r, took, ok := waitRoutes(t, lab, prod, 10*time.Second, func(r map[string]string) bool { return r["10.100.0.0/24"] != "" })
	if !ok {
		t.Fatalf("approved 10.100.0.0/24 not in prod's route table after %s: %v", took, r)
	}
	t.Logf("approved prefix in the spoke route table after %s", took.Round(time.Millisecond))
	want := []string{"10.1.0.0/16", "10.100.0.0/24", "10.2.0.0/16", "10.3.0.0/16"}
	var have []string
	for d := range r {
		have = append(have, d)
	}
	slices.Sort(have)
	if !slices.Equal(have, want) {
		t.Errorf("prod's app route table holds %v, want exactly %v (local + propagated)", have, want)
	}
	if !waitReach(t, prodNS, dcApp, 10*time.Second) {
		t.Errorf("prod-app does not reach dc1-app once approved")
	}

	// Withdrawn at the FRR router: gone from the route table within 2 s.
	vtysh(t, lab, "dc1", "configure terminal", "router bgp 65100", "address-family ipv4 unicast", "no network 10.100.0.0/24")
	r, took, ok = waitRoutes(t, lab, prod, 5*time.Second, func(r map[string]string) bool { _, in := r["10.100.0.0/24"]; return !in })
	t.Logf("withdrawn prefix gone from the spoke route table after %s", took.Round(time.Millisecond))
	if !ok || took > 2*time.Second {
		t.Errorf("withdrawn 10.100.0.0/24 still in prod's route table after %s (limit 2s): %v", took, r)
	}
	vtysh(t, lab, "dc1", "configure terminal", "router bgp 65100", "address-family ipv4 unicast", "network 10.100.0.0/24")
	if _, took, ok := waitRoutes(t, lab, prod, 10*time.Second, func(r map[string]string) bool { return r["10.100.0.0/24"] != "" }); !ok {
		t.Fatalf("re-advertised 10.100.0.0/24 not back after %s", took)
	}

	// Approvals follow the topology's rules. dc1 starts advertising
	// shared-web's subnet (what once cut shared-web off from three
	// sources): it waits as pending, and approving it is refused with the
	// reason, as are the default routes and a prefix dc1 does not
	// advertise; shared-web stays reachable.
	vtysh(t, lab, "dc1", "configure terminal", "router bgp 65100", "address-family ipv4 unicast", "network 10.3.1.0/24")
	waitPending(t, c, "dc1", "10.3.1.0/24", true)
	adv := "site dc1 advertises 10.100.0.0/24, 10.101.0.0/24"
	for _, rc := range []struct{ prefix, reason string }{
		{"10.3.1.0/24", "10.3.1.0/24 overlaps VPC shared-vpc (10.3.0.0/16): a cloud route table cannot hold a route inside its VPC's own range; " + adv},
		{"0.0.0.0/0", "0.0.0.0/0 is not inside anything site dc1 advertises (10.100.0.0/24, 10.101.0.0/24); approve one of those or a prefix inside one"},
		{"10.102.0.0/24", "10.102.0.0/24 is not inside anything site dc1 advertises (10.100.0.0/24, 10.101.0.0/24); approve one of those or a prefix inside one"},
		{"::/0", "::/0 is IPv6; site dc1 advertises IPv4 prefixes only (10.100.0.0/24, 10.101.0.0/24): the cloud intent is IPv4 only, so approve one of those or a prefix inside one"},
	} {
		_, _, err := run(t, "routes", "approve", "dc1", rc.prefix, "--lab", lab)
		var ae *api.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 422 || ae.Message != rc.reason || !strings.Contains(err.Error(), rc.reason) {
			t.Errorf("routes approve dc1 %s: %v\n want 422: %s", rc.prefix, err, rc.reason)
		}
	}
	if a, err := c.Approved(ctx); err != nil || len(a) != 1 || a[0].Prefix != netip.MustParsePrefix("10.100.0.0/24") {
		t.Errorf("approved routes after the refusals: %+v %v; want only 10.100.0.0/24", a, err)
	}
	if r := sdkRoutes(t, lab, "shared-vpc/app"); r["10.3.1.0/24"] != "" {
		t.Errorf("shared's app route table holds 10.3.1.0/24: %v", r)
	}
	if !reach(t, prodNS, netip.MustParseAddr("10.3.1.10"), 3) {
		t.Errorf("prod-app does not reach shared-web while dc1 advertises 10.3.1.0/24")
	}
	vtysh(t, lab, "dc1", "configure terminal", "router bgp 65100", "address-family ipv4 unicast", "no network 10.3.1.0/24")
	waitPending(t, c, "dc1", "10.3.1.0/24", false)

	// Revoking the approval: a read-only token may not; an operator's
	// revoke takes the route out of every spoke route table within 2 s,
	// prod-app no longer reaches dc1-app, and the route is pending again.
	spokeTables := []string{"prod-vpc/app", "dev-vpc/app", "shared-vpc/app"}
	has := func(r map[string]string) bool { return r["10.100.0.0/24"] != "" }
	if took, ok := waitEveryTable(t, lab, spokeTables, time.Now(), 10*time.Second, has); !ok {
		t.Fatalf("10.100.0.0/24 not in every spoke route table after %s", took)
	}
	if _, err := api.NewClient(adminURL, nt.Token).Revoke(ctx, "dc1", "10.100.0.0/24"); !statusIs(err, 403) {
		t.Errorf("revoke with a read-only token: %v, want 403", err)
	}
	op, err := api.NewClient(adminURL, adminTok).CreateToken(ctx, "ops", store.RoleOperator)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, _, err := run(t, "routes", "revoke", "dc1", "10.100.0.0/24", "--lab", lab, "--token", op.Token)
	if err != nil || out != "revoked the approval of 10.100.0.0/24 from site dc1 on transit transit\n" {
		t.Fatalf("routes revoke: %v %q", err, out)
	}
	took, ok = waitEveryTable(t, lab, spokeTables, start, 5*time.Second, func(r map[string]string) bool { return !has(r) })
	t.Logf("revoked prefix gone from every spoke route table (%s) after %s", strings.Join(spokeTables, ", "), took.Round(time.Millisecond))
	if !ok || took > 2*time.Second {
		t.Errorf("revoked 10.100.0.0/24 still in a spoke route table after %s (limit 2s)", took)
	}
	if reach(t, prodNS, dcApp, 3) {
		t.Errorf("prod-app reaches dc1-app after its approval was revoked")
	}
	waitPending(t, c, "dc1", "10.100.0.0/24", true)
	if _, _, err := run(t, "routes", "revoke", "dc1", "10.100.0.0/24", "--lab", lab); !statusIs(err, 404) {
		t.Errorf("revoke again: %v, want 404", err)
	}
	// Approved again, for what follows.
	if out, _, err := run(t, "routes", "approve", "dc1", "10.100.0.0/24", "--lab", lab, "--wait", "10s"); err != nil {
		t.Fatalf("routes approve again: %v\n%s", err, out)
	}
	if took, ok := waitEveryTable(t, lab, spokeTables, time.Now(), 10*time.Second, has); !ok {
		t.Fatalf("re-approved 10.100.0.0/24 not back in every spoke route table after %s", took)
	}
	if !waitReach(t, prodNS, dcApp, 10*time.Second) {
		t.Errorf("prod-app does not reach dc1-app once approved again")
	}

	// Segmentation: prod and dev are not connected; the transit drops it.
	devApp := netip.MustParseAddr("10.2.1.10")
	before := drops(t, c, "prod", "dev")
	if reach(t, prodNS, devApp, 5) {
		t.Errorf("prod-app reaches dev-app across domains")
	}
	if after := drops(t, c, "prod", "dev"); after < before+5 {
		t.Errorf("transit gateways dropped %d prod->dev packets, want at least 5 more than %d", after, before)
	}
	if !reach(t, prodNS, netip.MustParseAddr("10.3.1.10"), 3) || !reach(t, workloadNS(t, lab, "dev-app"), netip.MustParseAddr("10.3.1.10"), 3) {
		t.Errorf("prod or dev does not reach shared")
	}

	// Restart the controller while a probe crosses the transit: not one
	// probe lost.
	pr := probeDuring(t, prodNS, netip.MustParseAddr("10.3.1.10"), func() {
		if out, _, err := run(t, "controller", "restart", "--lab", lab); err != nil {
			t.Fatalf("controller restart: %v\n%s", err, out)
		}
		if err := mcnlab.WaitConverged(ctx, os.Stdout, lab, 30*time.Second); err != nil {
			t.Fatal(err)
		}
	})
	if pr.Lost != 0 {
		t.Errorf("%d probes lost across a controller restart", pr.Lost)
	}
	// The restarted controller found everything as wanted: it made no
	// cloud call and pushed no configuration.
	logb, err := os.ReadFile(controllerLog(lab))
	if err != nil {
		t.Fatal(err)
	}
	since := string(logb[strings.LastIndex(string(logb), "API on"):])
	for _, l := range strings.Split(since, "\n") {
		if strings.Contains(l, "configured gateway") || strings.Contains(l, "aws-lab: ") {
			t.Errorf("the restarted controller changed something: %s", l)
		}
	}

	// The matrix: every pair as the intent expects.
	checkMatrix(t, lab)

	// HA: prod-1's gateway dies; the controller points prod's route
	// tables at prod-2 and traffic resumes; the cloud restarts prod-1's
	// gateway, the controller configures it again, and the route tables
	// go back to prod-1.
	_, instances, err := mcnlab.PlanAndInstances(ctx, lab)
	if err != nil {
		t.Fatal(err)
	}
	node := strings.TrimPrefix(emulator.InstanceNamespace(lab, instances["prod-1"].ID), emulator.NamespaceName(lab, ""))
	pids, err := emulator.NodePIDs(lab, node)
	if err != nil || len(pids) != 1 {
		t.Fatalf("prod-1's gateway: pids %v, %v", pids, err)
	}
	shared := netip.MustParseAddr("10.3.1.10")
	var moved, back time.Duration
	pr = probeDuring(t, prodNS, shared, func() {
		if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		eni := instances["prod-2"].Interface
		start := time.Now()
		for r := sdkRoutes(t, lab, prod); r["10.3.0.0/16"] != eni; r = sdkRoutes(t, lab, prod) {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("prod's route table still points elsewhere than prod-2 (%s) 10 s after prod-1 died: %v", eni, r)
			}
			time.Sleep(10 * time.Millisecond) // polling the cloud's route table, bounded
		}
		moved = time.Since(start)
		// Back at prod-1 once its restarted gateway is up again: read
		// through the SDK, then the AWS CLI.
		one := instances["prod-1"].Interface
		if r, took, ok := waitRoutes(t, lab, prod, 15*time.Second, func(r map[string]string) bool { return r["10.3.0.0/16"] == one }); !ok {
			t.Errorf("prod's route table does not go back to the restarted prod-1 (%s) within %s: %v", one, took, r)
		} else {
			back = took
		}
	})
	t.Logf("prod-1 killed: route tables moved to prod-2 in %s, back to the restarted prod-1 %s later; %d probes lost, longest outage %s",
		moved.Round(time.Millisecond), back.Round(time.Millisecond), pr.Lost, pr.Outage.Round(time.Millisecond))
	if pr.Outage > 3*time.Second {
		t.Errorf("prod-app lost shared-web for %s when prod-1 died, want under 3 s", pr.Outage)
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
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	in, ok := instances[name]
	if !ok {
		t.Fatalf("no instance %s in the lab's cloud", name)
	}
	return emulator.InstanceNamespace(lab, in.ID)
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
// fails for each pair not as the intent expects.
func checkMatrix(t *testing.T, lab string) {
	t.Helper()
	cm, err := mcnlab.Reachability(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	cm.Print(&sb)
	t.Log("\n" + sb.String())
	if n := cm.Mismatches(); n > 0 {
		t.Errorf("%d pairs not as expected", n)
	}
}

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
