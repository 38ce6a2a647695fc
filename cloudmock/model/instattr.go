package model

import (
	"slices"
	"time"
)

// Instance attributes and the end of a terminated instance.

// TerminatedVisible is how long a terminated instance stays listed (and
// found by its ID); after that it is gone.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html — recently terminated instances might appear in the returned results; this interval is usually less than one hour
const TerminatedVisible = time.Hour

// gone reports whether a terminated instance has passed TerminatedVisible.
// An instance terminated before the model kept the time (an older
// snapshot) stays.
func (i *Instance) gone(now time.Time) bool {
	return i.State == InstanceTerminated && !i.TerminatedAt.IsZero() && now.Sub(i.TerminatedAt) > TerminatedVisible
}

// forgetGoneLocked drops the terminated instances that are gone.
func (c *Cloud) forgetGoneLocked() {
	now := time.Now()
	for id, i := range c.instances {
		if i.gone(now) {
			delete(c.instances, id)
			c.forgetLocked(KindInstance, id, i.Account)
		}
	}
}

// InstanceChange is what ModifyInstance changes; nil fields stay.
type InstanceChange struct {
	Type                  *string
	DisableAPITermination *bool
	ShutdownBehavior      *string
	UserData              *string
	SourceDestCheck       *bool
	// SecurityGroupIDs, if not nil, become the primary interface's
	// groups (at least one, of the instance's network).
	SecurityGroupIDs []string
}

// ModifyInstance changes one attribute of an instance, or several, all
// or none. A terminated instance is not modified (CodeIncorrectState); the
// type and the user data change only while it is stopped.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceAttribute.html — one attribute per call; to change the instance type or user data, the instance must be stopped
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/change-instance-type.html — you must stop an instance before changing its type
func (c *Cloud) ModifyInstance(account, id string, ch InstanceChange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, err := c.instanceLocked(account, id)
	if err != nil {
		return err
	}
	if i.State == InstanceTerminated {
		return errf(CodeIncorrectState, KindInstance, id, "The instance '%s' is not in a state from which it can be modified.", id)
	}
	if (ch.Type != nil || ch.UserData != nil) && i.State != InstanceStopped {
		return errf(CodeIncorrectState, KindInstance, id, "The instance '%s' is not in the 'stopped' state.", id)
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceAttribute.html — groupSet and sourceDestCheck are the network interface's: with several interfaces, name the interface (ModifyNetworkInterfaceAttribute)
	if ch.SourceDestCheck != nil || ch.SecurityGroupIDs != nil {
		if err := c.soleInterfaceLocked(i); err != nil {
			return err
		}
	}
	e := c.enis[i.NetworkInterfaceID]
	if ch.SecurityGroupIDs != nil {
		if len(ch.SecurityGroupIDs) == 0 {
			return errf(CodeInvalidParameter, KindInstance, id, "an instance needs at least one security group")
		}
		for _, g := range ch.SecurityGroupIDs {
			sg, err := c.ruleSetLocked(account, FlavorSecurityGroup, g)
			if err != nil {
				return err
			}
			if e != nil {
				if err := c.checkInterfaceSetLocked(sg, e); err != nil {
					return err
				}
			}
		}
	}
	set(&i.Type, ch.Type)
	set(&i.DisableAPITermination, ch.DisableAPITermination)
	set(&i.ShutdownBehavior, ch.ShutdownBehavior)
	set(&i.UserData, ch.UserData)
	if e != nil {
		set(&e.SourceDestCheck, ch.SourceDestCheck)
		if ch.SecurityGroupIDs != nil {
			e.SecurityGroupIDs = slices.Clone(ch.SecurityGroupIDs)
			i.SecurityGroupIDs = slices.Clone(ch.SecurityGroupIDs)
		}
		if ch.SourceDestCheck != nil || ch.SecurityGroupIDs != nil {
			c.emitLocked(KindNetworkInterface, OpUpdate, e.ID, account)
		}
	}
	c.emitLocked(KindInstance, OpUpdate, id, account)
	return nil
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// SetInstanceNetworkTags replaces an instance's network tags (GCP's
// instances.setTags).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances/setTags — replaces the instance's tags
func (c *Cloud) SetInstanceNetworkTags(account, id string, tags []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, err := c.instanceLocked(account, id)
	if err != nil {
		return err
	}
	i.NetworkTags = slices.Clone(tags)
	c.emitLocked(KindInstance, OpUpdate, id, account)
	return nil
}
