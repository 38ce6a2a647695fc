package model

// Stops and starts in transit. A cloud whose instances are made real
// (cloudmock/realize) holds a stopped instance in InstanceStopping, and a
// started one in InstancePending, until the realizer has taken its host
// down or brought it up and settles the change (SettlePower): so a
// client that waits for stopped or running (the SDK waiters
// InstanceStopped and InstanceRunning) waits on the dataplane. Without a
// realizer a change is in force at once, as before.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html — a started instance is pending until it is running; a stopped one is stopping until it is stopped
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/how-ec2-instance-stop-start-works.html — the instance state changes to stopping and then stopped; when started, to pending and then running

// PowerChange is an instance's stop or start in transit as a realizer read
// it: its state (InstanceStopping or InstancePending) and boot count.
type PowerChange struct {
	Account, ID string
	State       InstanceState
	Boots       int
}

// SetPowerTransitions says whether stops and starts pass through
// InstanceStopping and InstancePending (on, while a realizer follows the
// cloud) or are in force at once (off); turning it off settles every
// change in transit.
func (c *Cloud) SetPowerTransitions(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.powerTransit = on
	if !on {
		c.settleAllLocked()
	}
}

// settleAllLocked settles every stop and start in transit.
func (c *Cloud) settleAllLocked() {
	for _, id := range sortedKeys(c.instances) {
		i := c.instances[id]
		c.settleLocked(PowerChange{Account: i.Account, ID: i.ID, State: i.State, Boots: i.Boots})
	}
}

// transitLocked is the state a stop (to InstanceStopped) or a start (to
// InstanceRunning) leaves an instance in when the call returns.
func (c *Cloud) transitLocked(to InstanceState) InstanceState {
	switch {
	case !c.powerTransit:
		return to
	case to == InstanceStopped:
		return InstanceStopping
	default:
		return InstancePending
	}
}

// PowerInTransit returns the changes in transit among instances.
func PowerInTransit(instances []Instance) []PowerChange {
	var out []PowerChange
	for _, i := range instances {
		if i.State == InstanceStopping || i.State == InstancePending {
			out = append(out, PowerChange{Account: i.Account, ID: i.ID, State: i.State, Boots: i.Boots})
		}
	}
	return out
}

// SettlePower completes changes in transit that a realizer has put in
// force: stopping becomes stopped, pending running. A change that has
// moved on since the realizer read it (another stop or start, a
// termination) is left alone.
func (c *Cloud) SettlePower(done []PowerChange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range done {
		c.settleLocked(d)
	}
}

func (c *Cloud) settleLocked(d PowerChange) {
	i, ok := c.instances[d.ID]
	if !ok || i.Account != d.Account || i.State != d.State || i.Boots != d.Boots {
		return
	}
	switch i.State {
	case InstanceStopping:
		i.State = InstanceStopped
	case InstancePending:
		i.State = InstanceRunning
	default:
		return
	}
	c.emitLocked(KindInstance, OpUpdate, i.ID, i.Account)
	if e, ok := c.enis[i.NetworkInterfaceID]; ok {
		c.refreshPublicIPLocked(e) // a public address once running
	}
}
