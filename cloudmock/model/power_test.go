package model

import (
	"slices"
	"testing"
	"time"
)

// powerLab is two running instances in one subnet, the first with an
// elastic IP.
func powerLab(t *testing.T) (*Cloud, []Instance, ElasticIP) {
	t.Helper()
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, err := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "az1", nil)
	if err != nil {
		t.Fatal(err)
	}
	is, err := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.AllocateAddress(acct, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AssociateAddress(acct, e.ID, is[0].ID); err != nil {
		t.Fatal(err)
	}
	return c, is, e
}

func instanceByID(t *testing.T, c *Cloud, id string) Instance {
	t.Helper()
	for _, i := range c.Instances(acct) {
		if i.ID == id {
			return i
		}
	}
	t.Fatalf("instance %s not listed", id)
	return Instance{}
}

func wantChanges(t *testing.T, got []StateChange, err error, want ...StateChange) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("state changes %+v, want %+v", got, want)
	}
}

// events collects the model's change events from the moment it is called.
type events struct{ ch chan Event }

func watch(t *testing.T, c *Cloud) *events {
	e := &events{ch: make(chan Event, 100)}
	sub := c.Subscribe(func(ev Event) { e.ch <- ev })
	t.Cleanup(sub.Close)
	return e
}

// next returns the next event, failing after a deadline.
func (e *events) next(t *testing.T) Event {
	t.Helper()
	select {
	case ev := <-e.ch:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no change event within 5 s")
		return Event{}
	}
}

// A stop leaves the instance's interface, address and elastic IP in place
// and emits an update; a start boots it again; repeating either changes
// nothing and emits nothing; a terminated instance can be neither, and a
// call naming one (or an unknown ID) changes none of the others.
func TestStopStartInstances(t *testing.T) {
	c, is, eip := powerLab(t)
	a, b := is[0], is[1]
	if a.Boots != 1 {
		t.Fatalf("a launched instance has booted %d times, want 1", a.Boots)
	}
	ev := watch(t, c)

	seq := c.Seq()
	ch, err := c.StopInstances(acct, []string{a.ID, a.ID}, false)
	wantChanges(t, ch, err, StateChange{ID: a.ID, Previous: InstanceRunning, Current: InstanceStopped})
	if got := ev.next(t); got.Kind != KindInstance || got.Op != OpUpdate || got.ID != a.ID {
		t.Fatalf("stop emitted %+v, want an update of instance %s", got, a.ID)
	}
	if c.Seq() != seq+1 {
		t.Fatalf("stop committed %d changes, want 1", c.Seq()-seq)
	}
	got := instanceByID(t, c, a.ID)
	if got.State != InstanceStopped || got.PrivateIP != a.PrivateIP || got.NetworkInterfaceID != a.NetworkInterfaceID || got.Boots != 1 {
		t.Fatalf("stopped instance = %+v; want stopped with address %s, interface %s, 1 boot", got, a.PrivateIP, a.NetworkInterfaceID)
	}
	if !slices.ContainsFunc(c.NetworkInterfaces(acct), func(e NetworkInterface) bool { return e.ID == a.NetworkInterfaceID && e.InstanceID == a.ID }) {
		t.Fatal("a stopped instance lost its network interface")
	}
	if e := c.ElasticIPs(acct)[0]; e.ID != eip.ID || e.Associate != a.NetworkInterfaceID {
		t.Fatalf("elastic IP %+v; want it still associated with %s", e, a.NetworkInterfaceID)
	}
	if s := instanceByID(t, c, b.ID).State; s != InstanceRunning {
		t.Fatalf("the other instance is %s", s)
	}

	seq = c.Seq()
	ch, err = c.StopInstances(acct, []string{a.ID}, true)
	wantChanges(t, ch, err, StateChange{ID: a.ID, Previous: InstanceStopped, Current: InstanceStopped})
	if c.Seq() != seq {
		t.Fatal("stopping a stopped instance committed a change")
	}

	ch, err = c.StartInstances(acct, []string{a.ID, b.ID})
	wantChanges(t, ch, err, StateChange{ID: a.ID, Previous: InstanceStopped, Current: InstanceRunning},
		StateChange{ID: b.ID, Previous: InstanceRunning, Current: InstanceRunning})
	if got := ev.next(t); got.Kind != KindInstance || got.ID != a.ID {
		t.Fatalf("start emitted %+v, want an update of instance %s", got, a.ID)
	}
	if got := instanceByID(t, c, a.ID); got.State != InstanceRunning || got.Boots != 2 || got.PrivateIP != a.PrivateIP {
		t.Fatalf("started instance = %+v; want running, 2 boots, address %s", got, a.PrivateIP)
	}
	if got := instanceByID(t, c, b.ID); got.Boots != 1 {
		t.Fatalf("starting a running instance booted it: %d boots", got.Boots)
	}

	// All or none: an unknown ID or a terminated instance stops nothing.
	seq = c.Seq()
	_, err = c.StopInstances(acct, []string{a.ID, "i-0123456789abcdef0"}, false)
	wantCode(t, err, CodeNotFound)
	if c.Seq() != seq || instanceByID(t, c, a.ID).State != InstanceRunning {
		t.Fatal("a stop naming an unknown instance stopped the known one")
	}
	if _, err := c.TerminateInstances(acct, []string{b.ID}); err != nil {
		t.Fatal(err)
	}
	seq = c.Seq()
	_, err = c.StopInstances(acct, []string{a.ID, b.ID}, false)
	wantCode(t, err, CodeIncorrectState)
	if want := "This instance '" + b.ID + "' is not in a state from which it can be stopped."; err.Error() != want {
		t.Errorf("stop of a terminated instance: %q, want %q", err, want)
	}
	_, err = c.StartInstances(acct, []string{b.ID})
	wantCode(t, err, CodeIncorrectState)
	if want := "This instance '" + b.ID + "' is not in a state from which it can be started."; err.Error() != want {
		t.Errorf("start of a terminated instance: %q, want %q", err, want)
	}
	if c.Seq() != seq || instanceByID(t, c, a.ID).State != InstanceRunning {
		t.Fatal("a refused call changed an instance")
	}
	_, err = c.StartInstances("999999999999", []string{a.ID})
	wantCode(t, err, CodeNotFound)

	// A stopped instance can be terminated; it then loses its interface.
	if _, err := c.StopInstances(acct, []string{a.ID}, false); err != nil {
		t.Fatal(err)
	}
	prev, err := c.TerminateInstances(acct, []string{a.ID})
	if err != nil || prev[a.ID] != InstanceStopped {
		t.Fatalf("terminate a stopped instance: previous %v, %v", prev, err)
	}
}

// A reboot boots a running instance again (one update each), keeping its
// address; reboots of stopped and terminated instances are ignored; an
// unknown ID fails the whole call.
func TestRebootInstances(t *testing.T) {
	c, is, _ := powerLab(t)
	a, b := is[0], is[1]
	seq := c.Seq()
	if err := c.RebootInstances(acct, []string{a.ID, a.ID}); err != nil {
		t.Fatal(err)
	}
	if got := instanceByID(t, c, a.ID); got.Boots != 2 || got.State != InstanceRunning || got.PrivateIP != a.PrivateIP {
		t.Fatalf("rebooted instance = %+v; want running, 2 boots, address %s", got, a.PrivateIP)
	}
	if c.Seq() != seq+1 {
		t.Fatalf("reboot committed %d changes, want 1", c.Seq()-seq)
	}
	wantCode(t, c.RebootInstances(acct, []string{a.ID, "i-0123456789abcdef0"}), CodeNotFound)
	if got := instanceByID(t, c, a.ID); got.Boots != 2 {
		t.Fatalf("a refused reboot booted the instance: %d boots", got.Boots)
	}

	if _, err := c.StopInstances(acct, []string{a.ID}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TerminateInstances(acct, []string{b.ID}); err != nil {
		t.Fatal(err)
	}
	seq = c.Seq()
	if err := c.RebootInstances(acct, []string{a.ID, b.ID}); err != nil {
		t.Fatalf("reboot of a stopped and a terminated instance: %v, want it ignored", err)
	}
	if c.Seq() != seq {
		t.Fatal("a reboot of stopped and terminated instances committed a change")
	}
	if got := instanceByID(t, c, a.ID); got.State != InstanceStopped || got.Boots != 2 {
		t.Fatalf("stopped instance after a reboot = %+v; want still stopped, 2 boots", got)
	}
}
