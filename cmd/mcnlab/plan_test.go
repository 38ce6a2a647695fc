package main

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// serveModel runs `mcnlab cloudmock serve` (the API alone, no lab) with
// the given extra flags until the test ends and returns its URL.
func serveModel(t *testing.T, flags ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		root := newRoot()
		root.SetOut(&out)
		root.SetArgs(append([]string{"cloudmock", "serve", "--listen", addr}, flags...))
		done <- root.ExecuteContext(ctx)
	}()
	t.Cleanup(func() { stop(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("cloudmock serve did not listen: %v (%s)", err, out.String())
		}
		time.Sleep(10 * time.Millisecond) // polling the listener, bounded by the deadline
	}
}

// `mcnlab plan` against an empty account lists every call and makes none;
// apply makes exactly those; a second apply makes none.
func TestPlanApplyAgainstEmptyAccount(t *testing.T) {
	url := serveModel(t, "--line", "dc1")
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
}
