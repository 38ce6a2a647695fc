package model

import (
	"testing"
	"time"
)

// A terminated instance is listed and found for TerminatedVisible, then
// gone; a protected one is not terminated; type changes need a stop.
func TestTerminatedInstanceGoes(t *testing.T) {
	c := New()
	c.AddAccount(Account{ID: acct})
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, err := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "us-east-1a", nil)
	if err != nil {
		t.Fatal(err)
	}
	insts, err := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, ImageID: "ami-1", Count: 2, DisableAPITermination: true})
	if err != nil {
		t.Fatal(err)
	}
	a, b := insts[0].ID, insts[1].ID
	if _, err := c.TerminateInstances(acct, []string{a}); CodeOf(err) != CodeCannotDelete {
		t.Fatalf("terminate a protected instance: %v", err)
	}
	typ := "t3.large"
	if err := c.ModifyInstance(acct, a, InstanceChange{Type: &typ}); CodeOf(err) != CodeIncorrectState {
		t.Fatalf("type change while running: %v", err)
	}
	off := false
	for _, id := range []string{a, b} {
		if err := c.ModifyInstance(acct, id, InstanceChange{DisableAPITermination: &off}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.TerminateInstances(acct, []string{a}); err != nil {
		t.Fatal(err)
	}
	if len(c.Instances(acct)) != 2 {
		t.Fatal("a just terminated instance is not listed")
	}
	c.mu.Lock()
	c.instances[a].TerminatedAt = time.Now().Add(-TerminatedVisible - time.Minute)
	c.mu.Unlock()
	if got := c.Instances(acct); len(got) != 1 || got[0].ID != b {
		t.Fatalf("listed after an hour: %+v", got)
	}
	if _, err := c.TerminateInstances(acct, []string{a}); CodeOf(err) != CodeNotFound {
		t.Fatalf("a gone instance is found: %v", err)
	}
	if _, err := c.TerminateInstances(acct, []string{b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.KindOf(acct, a); CodeOf(err) != CodeNotFound {
		t.Fatalf("a gone instance keeps its owner record: %v", err)
	}
}
