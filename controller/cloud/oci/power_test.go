package oci_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/cloud"
)

// TestSetPower stops spoke-1 and starts it again through InstanceAction:
// the cloud holds it stopped, then running; the controller's next plan
// makes no call; an unknown key is an error naming it.
func TestSetPower(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	p := e.p.(cloud.Powerer)
	state := func() model.InstanceState {
		for _, in := range e.cloud.Instances(tenancy) {
			if in.PrivateIP == ip("10.1.0.10") {
				return in.State
			}
		}
		t.Fatal("no instance has 10.1.0.10")
		return ""
	}
	if err := p.SetPower(ctx, "spoke-1", false); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != model.InstanceStopped {
		t.Fatalf("after SetPower(false) spoke-1 is %s, want stopped", s)
	}
	if calls, err := e.p.Plan(ctx, desired()); err != nil || len(calls) > 0 {
		t.Errorf("a stopped instance makes the plan call %v (%v)", calls, err)
	}
	if err := p.SetPower(ctx, "spoke-1", true); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != model.InstanceRunning {
		t.Fatalf("after SetPower(true) spoke-1 is %s, want running", s)
	}
	if err := p.SetPower(ctx, "nope", false); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("SetPower of an unknown key: %v, want an error naming nope", err)
	}
}
