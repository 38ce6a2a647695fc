package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/realize"
	awsprov "github.com/mcnlab/mcnlab/controller/cloud/aws"
)

// servedCloud is a `mcnlab cloudmock serve` running in-process.
type servedCloud struct {
	Addr string // host:port it listens on
	out  *lockedBuffer
	stop func() error
}

// Stop stops the server and returns its error; it is idempotent.
func (s *servedCloud) Stop() error { return s.stop() }

// Output is what the server printed.
func (s *servedCloud) Output() string { return s.out.String() }

// startServe runs `mcnlab cloudmock serve args...` in-process on a port
// the kernel picks (--listen 127.0.0.1:0, --addr-file), waits until it
// listens (failing the test if it stops first), and stops it when the
// test ends.
func startServe(t *testing.T, args ...string) *servedCloud {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out := &lockedBuffer{}
	go func() {
		root := newRoot()
		root.SetOut(out)
		root.SetArgs(append([]string{"cloudmock", "serve", "--listen", "127.0.0.1:0", "--addr-file", addrFile}, args...))
		done <- root.ExecuteContext(ctx)
	}()
	var once sync.Once
	var serveErr error
	s := &servedCloud{out: out, stop: func() error {
		once.Do(func() { cancel(); serveErr = <-done })
		return serveErr
	}}
	t.Cleanup(func() { s.Stop() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil {
			s.Addr = string(b)
			return s
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("cloudmock serve stopped: %v (output %q)", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("cloudmock serve did not listen within 20s (output %q)", out.String())
		}
		time.Sleep(10 * time.Millisecond) // polling for the address file, bounded by the deadline
	}
}

// `mcnlab plan` against an empty account lists every call and makes none;
// apply makes exactly those; a second apply makes none.
func TestPlanApplyAgainstEmptyAccount(t *testing.T) {
	// aws-transit raises its elastic IPs quota to 8 (quotas: in the file).
	url := "http://" + startServe(t, "--line", "dc1", "--quota", "elastic-ips-per-region=8").Addr
	plan, _, err := run(t, "plan", "-t", awsTransit, "--endpoint", url)
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, plan)
	}
	for _, want := range []string{
		"aws-lab: ec2 CreateVpc prod-vpc CidrBlock=10.1.0.0/16",
		"aws-lab: ec2 CreateSubnet prod-vpc/app",
		"aws-lab: ec2 RunInstances transit-1",
		"aws-lab: ec2 ModifyInstanceAttribute transit-1",
		"aws-lab: ec2 AllocateAddress transit-1",
		"aws-lab: ec2 CreateVpnGateway transit-vpc",
		"aws-lab: directconnect CreatePrivateVirtualInterface dc1-vif",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	m := regexp.MustCompile(`(?m)^(\d+) calls to make$`).FindStringSubmatch(plan)
	if m == nil {
		t.Fatalf("plan does not end with the number of calls:\n%s", plan)
	}
	again, _, err := run(t, "plan", "-t", awsTransit, "--endpoint", url)
	if err != nil || again != plan {
		t.Errorf("plan made changes: a second plan differs (%v):\n%s", err, again)
	}
	apply, _, err := run(t, "apply", "-t", awsTransit, "--endpoint", url)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, apply)
	}
	if !strings.Contains(apply, m[1]+" calls made") {
		t.Errorf("apply made other than the %s planned calls:\n%s", m[1], apply)
	}
	for _, cmd := range []string{"apply", "plan"} {
		out, _, err := run(t, cmd, "-t", awsTransit, "--endpoint", url)
		if err != nil || strings.TrimSpace(out) != "no changes: the accounts match the intent" {
			t.Errorf("%s after apply: %v\n%s", cmd, err, out)
		}
	}

	// One more subnet in the file: apply makes only its calls.
	src, err := os.ReadFile(awsTransit)
	if err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(t.TempDir(), "aws-transit.yaml")
	y := strings.Replace(string(src), "subnets: {gw: 10.1.0.0/24, app: 10.1.1.0/24}", "subnets: {gw: 10.1.0.0/24, app: 10.1.1.0/24, db: 10.1.2.0/24}", 1)
	if err := os.WriteFile(changed, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "apply", "-t", changed, "--endpoint", url)
	if err != nil {
		t.Fatalf("apply with a new subnet: %v\n%s", err, out)
	}
	var actions []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(l); len(f) >= 4 && f[0] == "aws-lab:" {
			actions = append(actions, f[2]+" "+f[3])
		}
	}
	if got, want := strings.Join(actions, ", "), "CreateSubnet prod-vpc/db, CreateRouteTable prod-vpc/db, AssociateRouteTable prod-vpc/db"; got != want {
		t.Errorf("apply with a new subnet made %q, want %q:\n%s", got, want, out)
	}
}

// The controller names the gateway image without importing cloudmock: the
// two names must be one.
func TestGatewayImageAgrees(t *testing.T) {
	if awsprov.GatewayImage != realize.GatewayImage {
		t.Errorf("the controller launches gateways from %q, the lab's cloud runs them from %q", awsprov.GatewayImage, realize.GatewayImage)
	}
}
