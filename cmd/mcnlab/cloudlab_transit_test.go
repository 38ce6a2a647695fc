package main

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/store"
	"github.com/mcnlab/mcnlab/emulator"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// The demo topology end to end: route approval, propagation into the spoke
// route tables (read with the AWS CLI) and withdrawal, segmentation dropped
// at the transit, the API's roles, a controller restart under a probe, and
// the reachability matrix.
func TestAWSTransitLab(t *testing.T) {
	lab := deployAWSTransit(t)
	c, err := mcnlab.API(lab)
	if err != nil {
		t.Fatal(err)
	}
	adminURL, adminTok, err := api.ControllerEndpoint(lab)
	if err != nil {
		t.Fatal(err)
	}
	x := &transitLab{t: t, lab: lab, ctx: context.Background(), c: c, adminURL: adminURL, adminTok: adminTok,
		prodNS: workloadNS(t, lab, "prod-app")}
	x.nothingApprovedYet()
	x.rolesRefuseApproval()
	x.approveAndWithdraw()
	x.approvalRules()
	x.revoke()
	x.segmentation()
	x.controllerRestart()
	// The matrix: every pair as the intent expects.
	checkMatrix(t, lab)
	x.gatewayFailover()
}

// transitLab is the deployed demo lab that TestAWSTransitLab takes through
// its stages, one method each, in order.
type transitLab struct {
	t                  *testing.T
	lab                string
	ctx                context.Context
	c                  *api.Client // the admin's
	adminURL, adminTok string
	viewer             string // a read-only token (rolesRefuseApproval)
	prodNS             string // prod-app's namespace
}

// The route table and addresses the stages use.
const prodApp = "prod-vpc/app"

var (
	dcApp     = netip.MustParseAddr("10.100.0.10")
	sharedWeb = netip.MustParseAddr("10.3.1.10")
)

func ownVPC(r map[string]string) bool { _, ok := r["10.1.0.0/16"]; return ok }

// nothingApprovedYet: both on-prem prefixes are pending, none is in a
// spoke route table, the other spokes are.
func (x *transitLab) nothingApprovedYet() {
	t, lab, ctx, c := x.t, x.lab, x.ctx, x.c
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
	r, _, ok := waitRoutes(t, lab, prodApp, 5*time.Second, func(r map[string]string) bool {
		return r["10.2.0.0/16"] != "" && r["10.3.0.0/16"] != ""
	})
	if !ok || !ownVPC(r) {
		t.Fatalf("prod's app route table %v: want local 10.1.0.0/16 and the learned 10.2.0.0/16 and 10.3.0.0/16", r)
	}
	if _, ok := r["10.100.0.0/24"]; ok {
		t.Errorf("an unapproved on-prem prefix reached a spoke route table: %v", r)
	}
	if reach(t, x.prodNS, dcApp, 3) {
		t.Errorf("prod-app reaches dc1-app before its prefix is approved")
	}
}

// rolesRefuseApproval: a read-only token cannot approve; no token gets 401.
func (x *transitLab) rolesRefuseApproval() {
	t, ctx := x.t, x.ctx
	if _, err := api.NewClient(x.adminURL, "").Approve(ctx, "dc1", "10.100.0.0/24"); !statusIs(err, 401) {
		t.Errorf("approve without a token: %v, want 401", err)
	}
	nt, err := api.NewClient(x.adminURL, x.adminTok).CreateToken(ctx, "viewer", store.RoleReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	x.viewer = nt.Token
	if _, err := api.NewClient(x.adminURL, x.viewer).Approve(ctx, "dc1", "10.100.0.0/24"); !statusIs(err, 403) {
		t.Errorf("approve with a read-only token: %v, want 403", err)
	}
}

// approveAndWithdraw: one prefix approved from the CLI reaches the spoke
// route tables within seconds and becomes reachable, the other stays out;
// withdrawn at the FRR router it is gone from the route table within 2 s.
func (x *transitLab) approveAndWithdraw() {
	t, lab := x.t, x.lab
	if out, _, err := run(t, "routes", "approve", "dc1", "10.100.0.0/24", "--lab", lab); err != nil {
		t.Fatalf("routes approve: %v\n%s", err, out)
	}
	r, took, ok := waitRoutes(t, lab, prodApp, 10*time.Second, func(r map[string]string) bool { return r["10.100.0.0/24"] != "" })
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
	if !waitReach(t, x.prodNS, dcApp, 10*time.Second) {
		t.Errorf("prod-app does not reach dc1-app once approved")
	}
	vtysh(t, lab, "dc1", "configure terminal", "router bgp 65100", "address-family ipv4 unicast", "no network 10.100.0.0/24")
	r, took, ok = waitRoutes(t, lab, prodApp, 5*time.Second, func(r map[string]string) bool { _, in := r["10.100.0.0/24"]; return !in })
	t.Logf("withdrawn prefix gone from the spoke route table after %s", took.Round(time.Millisecond))
	if !ok || took > 2*time.Second {
		t.Errorf("withdrawn 10.100.0.0/24 still in prod's route table after %s (limit 2s): %v", took, r)
	}
	vtysh(t, lab, "dc1", "configure terminal", "router bgp 65100", "address-family ipv4 unicast", "network 10.100.0.0/24")
	if _, took, ok := waitRoutes(t, lab, prodApp, 10*time.Second, func(r map[string]string) bool { return r["10.100.0.0/24"] != "" }); !ok {
		t.Fatalf("re-advertised 10.100.0.0/24 not back after %s", took)
	}
}

// approvalRules: dc1 starts advertising shared-web's subnet (what once
// cut shared-web off from three sources): it waits as pending, and
// approving it is refused with the reason, as are the default routes and a
// prefix dc1 does not advertise; shared-web stays reachable.
func (x *transitLab) approvalRules() {
	t, lab, ctx, c := x.t, x.lab, x.ctx, x.c
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
	if !reach(t, x.prodNS, sharedWeb, 3) {
		t.Errorf("prod-app does not reach shared-web while dc1 advertises 10.3.1.0/24")
	}
	vtysh(t, lab, "dc1", "configure terminal", "router bgp 65100", "address-family ipv4 unicast", "no network 10.3.1.0/24")
	waitPending(t, c, "dc1", "10.3.1.0/24", false)
}

// revoke: a read-only token may not revoke an approval; an operator's
// revoke takes the route out of every spoke route table within 2 s,
// prod-app no longer reaches dc1-app, and the route is pending again; it
// is approved again for what follows.
func (x *transitLab) revoke() {
	t, lab, ctx, c := x.t, x.lab, x.ctx, x.c
	spokeTables := []string{"prod-vpc/app", "dev-vpc/app", "shared-vpc/app"}
	has := func(r map[string]string) bool { return r["10.100.0.0/24"] != "" }
	if took, ok := waitEveryTable(t, lab, spokeTables, time.Now(), 10*time.Second, has); !ok {
		t.Fatalf("10.100.0.0/24 not in every spoke route table after %s", took)
	}
	if _, err := api.NewClient(x.adminURL, x.viewer).Revoke(ctx, "dc1", "10.100.0.0/24"); !statusIs(err, 403) {
		t.Errorf("revoke with a read-only token: %v, want 403", err)
	}
	op, err := api.NewClient(x.adminURL, x.adminTok).CreateToken(ctx, "ops", store.RoleOperator)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, _, err := run(t, "routes", "revoke", "dc1", "10.100.0.0/24", "--lab", lab, "--token", op.Token)
	if err != nil || out != "revoked the approval of 10.100.0.0/24 from site dc1 on transit transit\n" {
		t.Fatalf("routes revoke: %v %q", err, out)
	}
	took, ok := waitEveryTable(t, lab, spokeTables, start, 5*time.Second, func(r map[string]string) bool { return !has(r) })
	t.Logf("revoked prefix gone from every spoke route table (%s) after %s", strings.Join(spokeTables, ", "), took.Round(time.Millisecond))
	if !ok || took > 2*time.Second {
		t.Errorf("revoked 10.100.0.0/24 still in a spoke route table after %s (limit 2s)", took)
	}
	if reach(t, x.prodNS, dcApp, 3) {
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
	if !waitReach(t, x.prodNS, dcApp, 10*time.Second) {
		t.Errorf("prod-app does not reach dc1-app once approved again")
	}
}

// segmentation: prod and dev are not connected; the transit drops it.
func (x *transitLab) segmentation() {
	t, lab, c := x.t, x.lab, x.c
	devApp := netip.MustParseAddr("10.2.1.10")
	before := drops(t, c, "prod", "dev")
	if reach(t, x.prodNS, devApp, 5) {
		t.Errorf("prod-app reaches dev-app across domains")
	}
	if after := drops(t, c, "prod", "dev"); after < before+5 {
		t.Errorf("transit gateways dropped %d prod->dev packets, want at least 5 more than %d", after, before)
	}
	if !reach(t, x.prodNS, sharedWeb, 3) || !reach(t, workloadNS(t, lab, "dev-app"), sharedWeb, 3) {
		t.Errorf("prod or dev does not reach shared")
	}
}

// controllerRestart: the controller restarts while a probe crosses the
// transit, and not one probe is lost; the restarted controller finds
// everything as wanted, makes no cloud call and pushes no configuration.
func (x *transitLab) controllerRestart() {
	t, lab, ctx := x.t, x.lab, x.ctx
	pr := probeDuring(t, x.prodNS, sharedWeb, func() {
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
}

// gatewayFailover: prod-1's gateway dies; the controller points prod's
// route tables at prod-2 and traffic resumes; the cloud restarts prod-1's
// gateway, the controller configures it again, and the route tables go
// back to prod-1.
func (x *transitLab) gatewayFailover() {
	t, lab, ctx := x.t, x.lab, x.ctx
	_, instances, err := mcnlab.PlanAndInstances(ctx, lab)
	if err != nil {
		t.Fatal(err)
	}
	node := strings.TrimPrefix(emulator.InstanceNamespace(lab, instances["prod-1"].ID), emulator.NamespaceName(lab, ""))
	pids, err := emulator.NodePIDs(lab, node)
	if err != nil || len(pids) != 1 {
		t.Fatalf("prod-1's gateway: pids %v, %v", pids, err)
	}
	var moved, back time.Duration
	pr := probeDuring(t, x.prodNS, sharedWeb, func() {
		if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		eni := instances["prod-2"].Interface
		start := time.Now()
		for r := sdkRoutes(t, lab, prodApp); r["10.3.0.0/16"] != eni; r = sdkRoutes(t, lab, prodApp) {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("prod's route table still points elsewhere than prod-2 (%s) 10 s after prod-1 died: %v", eni, r)
			}
			time.Sleep(10 * time.Millisecond) // polling the cloud's route table, bounded
		}
		moved = time.Since(start)
		// Back at prod-1 once its restarted gateway is up again: read
		// through the SDK, then the AWS CLI.
		one := instances["prod-1"].Interface
		if r, took, ok := waitRoutes(t, lab, prodApp, 15*time.Second, func(r map[string]string) bool { return r["10.3.0.0/16"] == one }); !ok {
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
