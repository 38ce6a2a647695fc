package aws

import "github.com/mcnlab/mcnlab/cloudmock/model"

// Stopping, starting and rebooting instances. The model's changes are in
// force when the call returns, so DescribeInstances already shows stopped
// (or running) while the call's answer names the transitional state that
// EC2 answers with: stopping for a stop, pending for a start. The SDKs'
// waiters (InstanceStopped, InstanceRunning) succeed on their first poll.

func init() {
	register("StopInstances", stopInstances)
	register("StartInstances", startInstances)
	register("RebootInstances", rebootInstances)
}

type stateChangesResp struct {
	meta
	Changes []xmlStateChange `xml:"instancesSet>item"`
}

// stateChanges answers a stop or a start: an instance whose state changed
// is reported in transit, one that was already there as it is.
func stateChanges(changes []model.StateChange, transit model.InstanceState) *stateChangesResp {
	r := &stateChangesResp{}
	for _, ch := range changes {
		cur := ch.Current
		if ch.Previous != ch.Current {
			cur = transit
		}
		r.Changes = append(r.Changes, xmlStateChange{InstanceID: ch.ID, Current: instanceState(cur), Previous: instanceState(ch.Previous)})
	}
	return r
}

// instanceIDs returns the request's InstanceId.N, which the power actions
// require.
func instanceIDs(c *call) ([]string, error) {
	ids := c.form.list("InstanceId")
	if len(ids) == 0 {
		return nil, errMissing("InstanceId")
	}
	return ids, nil
}

// stopInstances stops instances. Force and SkipOsShutdown make no
// difference (every stop is a power-off); Hibernate stops normally, as no
// instance here is enabled for hibernation.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StopInstances.html — InstanceId.N, Force, Hibernate, SkipOsShutdown; stoppingInstances with previousState and currentState (stopping)
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Hibernate.html — an instance not enabled for hibernation at launch cannot hibernate; if hibernation fails, a normal shutdown occurs
func stopInstances(h *Handler, c *call) (response, error) {
	ids, err := instanceIDs(c)
	if err != nil {
		return nil, err
	}
	force, err := c.form.boolp("Force")
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"Hibernate", "SkipOsShutdown"} {
		if _, err := c.form.boolp(k); err != nil {
			return nil, err
		}
	}
	changes, err := h.cloud.StopInstances(c.account, ids, force != nil && *force)
	if err != nil {
		return nil, err
	}
	return stateChanges(changes, model.InstanceStopping), nil
}

// startInstances starts stopped instances.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StartInstances.html — InstanceId.N, AdditionalInfo; startingInstances with previousState and currentState (pending)
func startInstances(h *Handler, c *call) (response, error) {
	ids, err := instanceIDs(c)
	if err != nil {
		return nil, err
	}
	changes, err := h.cloud.StartInstances(c.account, ids)
	if err != nil {
		return nil, err
	}
	return stateChanges(changes, model.InstancePending), nil
}

// rebootInstances reboots running instances and ignores the others.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RebootInstances.html — InstanceId.N; return true when the instances are valid and belong to you
func rebootInstances(h *Handler, c *call) (response, error) {
	ids, err := instanceIDs(c)
	if err != nil {
		return nil, err
	}
	if err := h.cloud.RebootInstances(c.account, ids); err != nil {
		return nil, err
	}
	return ok()
}
