package model

// Stopping, starting and rebooting instances. The model's changes are in
// force when the call returns: a stopped instance is stopped at once, a
// started one running at once; front-ends report the transitional state
// that their cloud answers the call with (InstanceStopping, InstancePending).
// While a realizer follows the cloud, a stop or start stays in that
// transitional state until the realizer settles it (powertransit.go).
//
// A stopped instance keeps its network interface, its private address, its
// security groups and its elastic IP association; only what ran on it is
// lost. The realizer removes a stopped instance's namespace (a powered-off
// VM) and makes it again, with the same address, when it starts.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/how-ec2-instance-stop-start-works.html — a stopped instance retains its private IPv4 addresses, its network interfaces and its Elastic IP addresses; data in RAM is lost

// StateChange is one instance's state before and after a stop or a start.
type StateChange struct {
	ID       string
	Previous InstanceState
	// Current is the state in force once the call has returned.
	Current InstanceState
}

// powerTargetsLocked checks that every ID names an instance of the account
// and returns them once each, in the order given: a call with one unknown
// ID changes nothing.
func (c *Cloud) powerTargetsLocked(account string, ids []string) ([]*Instance, error) {
	seen := map[string]bool{}
	var out []*Instance
	for _, id := range ids {
		i, err := c.instanceLocked(account, id)
		if err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, i)
		}
	}
	return out, nil
}

// StopInstances stops running instances, all or none. Stopping a stopped
// instance changes nothing and is no error (its previous and current
// states are both stopped); stopping a terminated one is
// CodeIncorrectState. force is accepted for the API's Force flag and makes
// no difference here: every stop is immediate, a power-off.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StopInstances.html — Force; the answer gives each instance's previous and current state
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — IncorrectInstanceState: the instance is in an incorrect state for the requested action (a terminated instance is never stopped or started again)
func (c *Cloud) StopInstances(account string, ids []string, force bool) ([]StateChange, error) {
	return c.power(account, ids, "stopped", InstanceRunning, InstanceStopped)
}

// StartInstances starts stopped instances, all or none; each start is a
// boot (Boots grows by one). Starting a running instance changes nothing
// and is no error; starting a terminated one is CodeIncorrectState.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StartInstances.html — starts an instance that was stopped; the answer gives each instance's previous and current state
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — IncorrectInstanceState: the instance is in an incorrect state for the requested action (a terminated instance is never stopped or started again)
func (c *Cloud) StartInstances(account string, ids []string) ([]StateChange, error) {
	return c.power(account, ids, "started", InstanceStopped, InstanceRunning)
}

// power moves the instances ids from state from to state to, all or
// none (a terminated one refuses with CodeIncorrectState, verb saying what
// it cannot be); one already in to is left as it is. Entering running is a
// boot (Boots grows by one).
func (c *Cloud) power(account string, ids []string, verb string, from, to InstanceState) ([]StateChange, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	insts, err := c.powerTargetsLocked(account, ids)
	if err != nil {
		return nil, err
	}
	for _, i := range insts {
		if i.State == InstanceTerminated {
			return nil, errf(CodeIncorrectState, KindInstance, i.ID, "This instance '%s' is not in a state from which it can be %s.", i.ID, verb)
		}
	}
	mid := c.transitLocked(to)
	for _, i := range insts {
		if i.State != from && i.State != to && i.State != mid {
			return nil, errf(CodeIncorrectState, KindInstance, i.ID, "This instance '%s' is not in a state from which it can be %s.", i.ID, verb)
		}
	}
	out := make([]StateChange, 0, len(insts))
	for _, i := range insts {
		out = append(out, StateChange{ID: i.ID, Previous: i.State, Current: to})
		if i.State == from {
			i.State = mid
			if to == InstanceRunning {
				i.Boots++
			}
			c.emitLocked(KindInstance, OpUpdate, i.ID, account)
			if e, ok := c.enis[i.NetworkInterfaceID]; ok {
				c.refreshPublicIPLocked(e) // released at a stop, a new one at a start
			}
		}
	}
	return out, nil
}

// RebootInstances reboots running instances: each boots again (Boots grows
// by one) with the same interface and address, losing whatever ran on it.
// It succeeds when every ID names an instance of the account. Reboots of
// terminated instances are ignored, as documented; so are reboots of
// stopped instances, which AWS does not document (the API reference says
// only that the call succeeds when the instances are valid and yours):
// there is nothing running to reboot, and the instance stays stopped.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RebootInstances.html — succeeds if the instances are valid and belong to you; requests to reboot terminated instances are ignored
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-reboot.html — a rebooted instance stays on its host and keeps its private and Elastic IP addresses
func (c *Cloud) RebootInstances(account string, ids []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	insts, err := c.powerTargetsLocked(account, ids)
	if err != nil {
		return err
	}
	for _, i := range insts {
		if i.State == InstanceRunning {
			i.Boots++
			c.emitLocked(KindInstance, OpUpdate, i.ID, account)
		}
	}
	return nil
}
