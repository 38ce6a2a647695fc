package aws_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/aws"
)

// TestSetPower stops an instance and starts it again through the EC2
// API: DescribeInstances reports it stopped, then running; the
// controller's next plan neither relaunches nor terminates it; an
// unknown key is an error.
func TestSetPower(t *testing.T) {
	e := newEnv(t)
	inv, _ := e.apply(t, lab())
	id := inv.Instances["gw1"].ID
	state := func() types.InstanceStateName {
		out, err := e.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		if err != nil || len(out.Reservations) != 1 {
			t.Fatalf("describe %s: %v", id, err)
		}
		return out.Reservations[0].Instances[0].State.Name
	}
	if err := e.p.SetPower(ctx, "gw1", false); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != types.InstanceStateNameStopped {
		t.Fatalf("after SetPower(false) gw1 is %s, want stopped", s)
	}
	calls, err := e.p.Plan(ctx, lab())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		if c.Action == "RunInstances" || c.Action == "TerminateInstances" {
			t.Errorf("a stopped instance makes the plan call %s", c)
		}
	}
	if err := e.p.SetPower(ctx, "gw1", true); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != types.InstanceStateNameRunning {
		t.Fatalf("after SetPower(true) gw1 is %s, want running", s)
	}
	// Through cloud.New, as the lab makes it: the multi-region provider.
	rp, err := cloud.New(ctx, aws.Name, cloud.Config{Owner: owner, Region: region, Credentials: "lab", Endpoint: &cloud.Endpoint{URL: *e.cfg.BaseEndpoint, Region: region,
		Credentials: cloud.Credentials{KeyID: cred.AccessKeyID, Secret: cred.SecretAccessKey}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := rp.(cloud.Powerer).SetPower(ctx, "gw1", false); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != types.InstanceStateNameStopped {
		t.Fatalf("after the regional provider's SetPower(false) gw1 is %s, want stopped", s)
	}
	if err := e.p.SetPower(ctx, "nope", false); err == nil || !strings.Contains(err.Error(), "instance nope") {
		t.Fatalf("SetPower of an unknown key: %v, want one naming instance nope", err)
	}
}
