package realize

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// The SDK's InstanceStopped and InstanceRunning waiters wait on the
// dataplane: through an EC2 front-end that answers at once (not wrapped
// in InForce), a stop answers stopping and DescribeInstances says stopped
// only once the instance's namespace is gone; a start answers pending and
// says running only once the namespace is back and answers pings.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/how-ec2-instance-stop-start-works.html — stopping then stopped; pending then running
func TestPowerWaitersWaitOnDataplane(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.62.0.0/16")
	sub := l.subnet(v, "10.62.1.0/24")
	g := l.openGroup(v, "open", "10.62.0.0/16")
	a, b := l.instance(sub, g.ID), l.instance(sub, g.ID)
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP)

	c := l.ec2API(func(h http.Handler) http.Handler { return h }) // answers at once, not once in force
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ids := &ec2.DescribeInstancesInput{InstanceIds: []string{b.ID}}
	fast := func(min, max *time.Duration) { *min, *max = 20*time.Millisecond, 100*time.Millisecond }

	stop := must[*ec2.StopInstancesOutput](t)(c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{b.ID}}))
	if s := stop.StoppingInstances[0].CurrentState.Name; s != types.InstanceStateNameStopping {
		t.Fatalf("StopInstances answered %s, want stopping", s)
	}
	l.ok(ec2.NewInstanceStoppedWaiter(c, func(o *ec2.InstanceStoppedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) }).Wait(ctx, ids, 30*time.Second))
	if netns.Exists(l.ns(b)) {
		t.Fatalf("DescribeInstances says stopped while namespace %s still exists", l.ns(b))
	}
	l.pingFails(l.ns(a), b.PrivateIP)

	start := must[*ec2.StartInstancesOutput](t)(c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{b.ID}}))
	if s := start.StartingInstances[0].CurrentState.Name; s != types.InstanceStateNamePending {
		t.Fatalf("StartInstances answered %s, want pending", s)
	}
	l.ok(ec2.NewInstanceRunningWaiter(c, func(o *ec2.InstanceRunningWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) }).Wait(ctx, ids, 30*time.Second))
	if !netns.Exists(l.ns(b)) {
		t.Fatalf("DescribeInstances says running with no namespace %s", l.ns(b))
	}
	l.pingOK(l.ns(a), b.PrivateIP)

	// A second stop of a stopping instance is no error and changes
	// nothing; a sync settles it.
	must[[]model.StateChange](t)(l.cloud.StopInstances(acct, []string{a.ID}, false))
	must[[]model.StateChange](t)(l.cloud.StopInstances(acct, []string{a.ID}, false))
	l.sync()
	for _, i := range l.cloud.Instances(acct) {
		if i.ID == a.ID && i.State != model.InstanceStopped {
			t.Fatalf("after a sync, the stopped instance is %s", i.State)
		}
	}
}
