package aws_test

import (
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// wantStateChange checks one item of a stop or start answer: the instance,
// and its previous and current state by name and EC2's numeric code.
func wantStateChange(t *testing.T, got []types.InstanceStateChange, id string, prev, cur types.InstanceStateName, prevCode, curCode int32) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("%d state changes, want 1: %+v", len(got), got)
	}
	c := got[0]
	if sdkaws.ToString(c.InstanceId) != id || c.PreviousState.Name != prev || sdkaws.ToInt32(c.PreviousState.Code) != prevCode ||
		c.CurrentState.Name != cur || sdkaws.ToInt32(c.CurrentState.Code) != curCode {
		t.Fatalf("state change %s %s(%d) -> %s(%d); want %s %s(%d) -> %s(%d)", sdkaws.ToString(c.InstanceId),
			c.PreviousState.Name, sdkaws.ToInt32(c.PreviousState.Code), c.CurrentState.Name, sdkaws.ToInt32(c.CurrentState.Code),
			id, prev, prevCode, cur, curCode)
	}
}

// describeOne returns the one instance with the given ID.
func describeOne(t *testing.T, c *ec2.Client, id string) types.Instance {
	t.Helper()
	d := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}))
	if len(d.Reservations) != 1 || len(d.Reservations[0].Instances) != 1 {
		t.Fatalf("describe %s: %+v", id, d.Reservations)
	}
	return d.Reservations[0].Instances[0]
}

// describedIDs lists the instances that match the filters.
func describedIDs(t *testing.T, c *ec2.Client, filters ...types.Filter) []string {
	t.Helper()
	d := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: filters}))
	var out []string
	for _, r := range d.Reservations {
		for _, i := range r.Instances {
			out = append(out, sdkaws.ToString(i.InstanceId))
		}
	}
	return out
}

// StopInstances answers stopping and Describe shows stopped at once (the
// SDK's InstanceStopped waiter succeeds), with the instance's subnet,
// address, interface and elastic IP kept; StartInstances answers pending
// and the InstanceRunning waiter succeeds; repeats answer the state as it
// is; DryRun changes nothing; IDs are checked as for every action (not
// found, malformed); a terminated instance is neither stopped nor
// started (IncorrectInstanceState) and its reboot is ignored.
func TestStopStartRebootInstances(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	run := must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-12345678"),
		MinCount: sdkaws.Int32(2), MaxCount: sdkaws.Int32(2), SubnetId: sub.SubnetId}))
	i0, i1 := run.Instances[0], run.Instances[1]
	id0, id1 := *i0.InstanceId, *i1.InstanceId
	eip := must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
	must[*ec2.AssociateAddressOutput](t)(l.a.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: i0.InstanceId}))

	// DryRun answers DryRunOperation and stops nothing.
	_, err := l.a.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id0}, DryRun: sdkaws.Bool(true)})
	wantAPIError(t, err, "DryRunOperation")
	_, err = l.a.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id0}, DryRun: sdkaws.Bool(true)})
	wantAPIError(t, err, "DryRunOperation")
	_, err = l.a.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{id0}, DryRun: sdkaws.Bool(true)})
	wantAPIError(t, err, "DryRunOperation")
	if s := describeOne(t, l.a, id0).State.Name; s != types.InstanceStateNameRunning {
		t.Fatalf("after a dry run the instance is %s", s)
	}

	stop := must[*ec2.StopInstancesOutput](t)(l.a.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id0}}))
	wantStateChange(t, stop.StoppingInstances, id0, types.InstanceStateNameRunning, types.InstanceStateNameStopping, 16, 64)
	if err := ec2.NewInstanceStoppedWaiter(l.a).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id0}}, 10*time.Second); err != nil {
		t.Fatalf("InstanceStopped waiter: %v", err)
	}
	got := describeOne(t, l.a, id0)
	if got.State.Name != types.InstanceStateNameStopped || sdkaws.ToInt32(got.State.Code) != 80 {
		t.Fatalf("stopped instance described as %s(%d), want stopped(80)", got.State.Name, sdkaws.ToInt32(got.State.Code))
	}
	if sdkaws.ToString(got.PrivateIpAddress) != *i0.PrivateIpAddress || sdkaws.ToString(got.SubnetId) != *sub.SubnetId ||
		len(got.NetworkInterfaces) != 1 || sdkaws.ToString(got.NetworkInterfaces[0].NetworkInterfaceId) != *i0.NetworkInterfaces[0].NetworkInterfaceId {
		t.Fatalf("stopped instance %+v lost its subnet, address or interface", got)
	}
	addr := must[*ec2.DescribeAddressesOutput](t)(l.a.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}})).Addresses[0]
	if sdkaws.ToString(addr.InstanceId) != id0 || sdkaws.ToString(addr.PrivateIpAddress) != *i0.PrivateIpAddress {
		t.Fatalf("elastic IP %+v; want it still associated with the stopped %s", addr, id0)
	}
	if ids := describedIDs(t, l.a, filter("instance-state-name", "stopped")); len(ids) != 1 || ids[0] != id0 {
		t.Fatalf("instance-state-name=stopped matches %v, want [%s]", ids, id0)
	}
	if ids := describedIDs(t, l.a, filter("instance-state-code", "80")); len(ids) != 1 || ids[0] != id0 {
		t.Fatalf("instance-state-code=80 matches %v, want [%s]", ids, id0)
	}
	if ids := describedIDs(t, l.a, filter("instance-state-name", "running")); len(ids) != 1 || ids[0] != id1 {
		t.Fatalf("instance-state-name=running matches %v, want [%s]", ids, id1)
	}

	// Stopping a stopped instance is no error: stopped both before and after.
	stop = must[*ec2.StopInstancesOutput](t)(l.a.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id0}, Force: sdkaws.Bool(true)}))
	wantStateChange(t, stop.StoppingInstances, id0, types.InstanceStateNameStopped, types.InstanceStateNameStopped, 80, 80)

	start := must[*ec2.StartInstancesOutput](t)(l.a.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id0}}))
	wantStateChange(t, start.StartingInstances, id0, types.InstanceStateNameStopped, types.InstanceStateNamePending, 80, 0)
	if err := ec2.NewInstanceRunningWaiter(l.a).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id0}}, 10*time.Second); err != nil {
		t.Fatalf("InstanceRunning waiter: %v", err)
	}
	if got := describeOne(t, l.a, id0); got.State.Name != types.InstanceStateNameRunning || sdkaws.ToInt32(got.State.Code) != 16 ||
		sdkaws.ToString(got.PrivateIpAddress) != *i0.PrivateIpAddress {
		t.Fatalf("started instance described as %s(%d) at %s", got.State.Name, sdkaws.ToInt32(got.State.Code), sdkaws.ToString(got.PrivateIpAddress))
	}
	start = must[*ec2.StartInstancesOutput](t)(l.a.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id1}}))
	wantStateChange(t, start.StartingInstances, id1, types.InstanceStateNameRunning, types.InstanceStateNameRunning, 16, 16)

	must[*ec2.RebootInstancesOutput](t)(l.a.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{id0, id1}}))
	if s := describeOne(t, l.a, id0).State.Name; s != types.InstanceStateNameRunning {
		t.Fatalf("a rebooted instance is described as %s", s)
	}

	wantPowerIDErrors(t, l, id0)

	// A terminated instance is neither stopped nor started; its reboot is
	// ignored, and the InstanceRunning waiter fails at once on it.
	must[*ec2.TerminateInstancesOutput](t)(l.a.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id1}}))
	_, err = l.a.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id0, id1}})
	wantAPIErrorMessage(t, err, "IncorrectInstanceState", "This instance '"+id1+"' is not in a state from which it can be stopped.")
	if s := describeOne(t, l.a, id0).State.Name; s != types.InstanceStateNameRunning {
		t.Fatalf("a refused stop left %s %s", id0, s)
	}
	_, err = l.a.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id1}})
	wantAPIErrorMessage(t, err, "IncorrectInstanceState", "This instance '"+id1+"' is not in a state from which it can be started.")
	must[*ec2.RebootInstancesOutput](t)(l.a.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{id1}}))
	began := time.Now()
	if err := ec2.NewInstanceRunningWaiter(l.a).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id1}}, 30*time.Second); err == nil {
		t.Fatal("InstanceRunning waiter succeeded on a terminated instance")
	} else if d := time.Since(began); d > 10*time.Second {
		t.Fatalf("InstanceRunning waiter took %v to fail on a terminated instance: %v", d, err)
	}
}

// wantPowerIDErrors checks that stop, start and reboot answer an unknown
// instance, another account's or a malformed ID as EC2 does, and that a
// call naming one changes none of the others (id0 stays running).
func wantPowerIDErrors(t *testing.T, l *lab, id0 string) {
	t.Helper()
	// Unknown instances and other accounts' instances are not found, and a
	// call naming one changes none of the others.
	const unknown = "i-0123456789abcdef0"
	_, err := l.a.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id0, unknown}})
	wantAPIError(t, err, "InvalidInstanceID.NotFound")
	if s := describeOne(t, l.a, id0).State.Name; s != types.InstanceStateNameRunning {
		t.Fatalf("a stop naming an unknown instance left %s %s", id0, s)
	}
	_, err = l.a.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{unknown}})
	wantAPIError(t, err, "InvalidInstanceID.NotFound")
	_, err = l.a.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{unknown}})
	wantAPIError(t, err, "InvalidInstanceID.NotFound")
	_, err = l.b.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id0}})
	wantAPIError(t, err, "InvalidInstanceID.NotFound")
	// An ID not shaped like one is malformed, before DryRun is answered.
	_, err = l.a.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id0, "i-zz"}, DryRun: sdkaws.Bool(true)})
	wantAPIErrorMessage(t, err, "InvalidInstanceID.Malformed", `Invalid id: "i-zz"`)
	_, err = l.a.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{"vpc-0123456789abcdef0"}})
	wantAPIError(t, err, "InvalidInstanceID.Malformed")
	_, err = l.a.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{"instance"}})
	wantAPIError(t, err, "InvalidInstanceID.Malformed")
}
