// Package cloudtest holds checks that every provider's tests share,
// against the provider's emulated API.
package cloudtest

import (
	"context"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// Power checks a provider's cloud.Powerer after d is applied: instance
// key stops (state reads "stopped" from the emulated cloud), the next
// plan of d makes no call while it is stopped, it starts ("running"),
// and an unknown key is an error naming it.
func Power(t *testing.T, p cloud.Provider, d cloud.Desired, key string, state func() string) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := p.Apply(ctx, d); err != nil {
		t.Fatal(err)
	}
	pw, ok := p.(cloud.Powerer)
	if !ok {
		t.Fatalf("%T is no cloud.Powerer", p)
	}
	if err := pw.SetPower(ctx, key, false); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != "stopped" {
		t.Fatalf("after SetPower(false) %s is %s, want stopped", key, s)
	}
	if calls, err := p.Plan(ctx, d); err != nil || len(calls) > 0 {
		t.Errorf("a stopped instance makes the plan call %v (%v)", calls, err)
	}
	if err := pw.SetPower(ctx, key, true); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != "running" {
		t.Fatalf("after SetPower(true) %s is %s, want running", key, s)
	}
	if err := pw.SetPower(ctx, "nope", false); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("SetPower of an unknown key: %v, want an error naming nope", err)
	}
}
