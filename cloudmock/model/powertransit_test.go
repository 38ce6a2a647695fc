package model

import "testing"

// With power transitions on (a realizer follows the cloud), a stop leaves
// the instance stopping and a start pending until SettlePower; a settle of
// a change that has moved on since it was read does nothing; a start of a
// stopping instance is CodeIncorrectState; turning transitions off
// settles what is in transit.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html — stopping, stopped, pending, running
func TestPowerTransitions(t *testing.T) {
	c, is, _ := powerLab(t)
	a, b := is[0], is[1]
	c.SetPowerTransitions(true)
	ch, err := c.StopInstances(acct, []string{a.ID}, false)
	wantChanges(t, ch, err, StateChange{ID: a.ID, Previous: InstanceRunning, Current: InstanceStopped})
	if s := instanceByID(t, c, a.ID).State; s != InstanceStopping {
		t.Fatalf("after a stop in transit: %s, want stopping", s)
	}
	_, err = c.StartInstances(acct, []string{a.ID})
	wantCode(t, err, CodeIncorrectState)
	read := PowerInTransit(c.Instances(acct))
	if len(read) != 1 || read[0].ID != a.ID || read[0].State != InstanceStopping {
		t.Fatalf("in transit: %+v", read)
	}
	c.SettlePower(read)
	if s := instanceByID(t, c, a.ID).State; s != InstanceStopped {
		t.Fatalf("after SettlePower: %s, want stopped", s)
	}

	if _, err := c.StartInstances(acct, []string{a.ID}); err != nil {
		t.Fatal(err)
	}
	stale := PowerInTransit(c.Instances(acct))
	stale[0].Boots--
	c.SettlePower(stale)
	if s := instanceByID(t, c, a.ID).State; s != InstancePending {
		t.Fatalf("a stale settle moved the start on: %s", s)
	}
	if _, err := c.StopInstances(acct, []string{b.ID}, false); err != nil {
		t.Fatal(err)
	}
	// A snapshot restored where no realizer follows settles what was in
	// transit.
	snap, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	back := New()
	if err := back.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if sa, sb := instanceByID(t, back, a.ID).State, instanceByID(t, back, b.ID).State; sa != InstanceRunning || sb != InstanceStopped {
		t.Fatalf("restored without a realizer: %s and %s, want running and stopped", sa, sb)
	}
	c.SetPowerTransitions(false)
	if sa, sb := instanceByID(t, c, a.ID).State, instanceByID(t, c, b.ID).State; sa != InstanceRunning || sb != InstanceStopped {
		t.Fatalf("transitions off: %s and %s, want running and stopped", sa, sb)
	}
	ch, err = c.StopInstances(acct, []string{a.ID}, false)
	wantChanges(t, ch, err, StateChange{ID: a.ID, Previous: InstanceRunning, Current: InstanceStopped})
	if s := instanceByID(t, c, a.ID).State; s != InstanceStopped {
		t.Fatalf("without transitions a stop is in force at once: %s", s)
	}
}
