package aws_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// launchInVPC starts one instance in a new VPC and returns the lab, the
// instance's ID and its VPC.
func launchInVPC(t *testing.T, in *ec2.RunInstancesInput) (*lab, string, string) {
	t.Helper()
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	in.ImageId, in.MinCount, in.MaxCount, in.SubnetId = sdkaws.String("ami-12345678"), sdkaws.Int32(1), sdkaws.Int32(1), sub.SubnetId
	run := must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, in))
	return l, *run.Instances[0].InstanceId, *vpc.VpcId
}

// attr reads one attribute.
func attr(t *testing.T, c *ec2.Client, id string, a types.InstanceAttributeName) *ec2.DescribeInstanceAttributeOutput {
	t.Helper()
	return must[*ec2.DescribeInstanceAttributeOutput](t)(c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: &id, Attribute: a}))
}

// Termination protection set at launch refuses TerminateInstances with
// AWS's error until ModifyInstanceAttribute clears it; a terminate
// answers shutting-down (32) from running (16), a repeat terminated (48)
// from terminated, and Describe shows terminated.
func TestTerminationProtection(t *testing.T) {
	l, id, _ := launchInVPC(t, &ec2.RunInstancesInput{DisableApiTermination: sdkaws.Bool(true), InstanceInitiatedShutdownBehavior: types.ShutdownBehaviorTerminate,
		UserData: sdkaws.String(base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hi\n")))})
	if !sdkaws.ToBool(attr(t, l.a, id, types.InstanceAttributeNameDisableApiTermination).DisableApiTermination.Value) {
		t.Fatal("disableApiTermination not set at launch")
	}
	if v := sdkaws.ToString(attr(t, l.a, id, types.InstanceAttributeNameInstanceInitiatedShutdownBehavior).InstanceInitiatedShutdownBehavior.Value); v != "terminate" {
		t.Fatalf("shutdown behaviour %q", v)
	}
	ud, _ := base64.StdEncoding.DecodeString(sdkaws.ToString(attr(t, l.a, id, types.InstanceAttributeNameUserData).UserData.Value))
	if string(ud) != "#!/bin/sh\necho hi\n" {
		t.Fatalf("user data %q", ud)
	}
	_, err := l.a.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	wantAPIErrorMessage(t, err, "OperationNotPermitted", "The instance '"+id+"' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.")
	if s := describeOne(t, l.a, id).State.Name; s != types.InstanceStateNameRunning {
		t.Fatalf("a protected instance is %s", s)
	}
	must[*ec2.ModifyInstanceAttributeOutput](t)(l.a.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id,
		DisableApiTermination: &types.AttributeBooleanValue{Value: sdkaws.Bool(false)}}))
	term := must[*ec2.TerminateInstancesOutput](t)(l.a.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
	wantStateChange(t, term.TerminatingInstances, id, types.InstanceStateNameRunning, types.InstanceStateNameShuttingDown, 16, 32)
	if s := describeOne(t, l.a, id).State; s.Name != types.InstanceStateNameTerminated || sdkaws.ToInt32(s.Code) != 48 {
		t.Fatalf("after terminate the instance is %+v", s)
	}
	term = must[*ec2.TerminateInstancesOutput](t)(l.a.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
	wantStateChange(t, term.TerminatingInstances, id, types.InstanceStateNameTerminated, types.InstanceStateNameTerminated, 48, 48)
	if err := ec2.NewInstanceTerminatedWaiter(l.a).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 5e9); err != nil {
		t.Fatalf("InstanceTerminated waiter: %v", err)
	}
}

// ModifyInstanceAttribute changes the type only of a stopped instance,
// the groups (checked against the VPC), the source/destination check and
// the shutdown behaviour, in the structured and the Attribute/Value form.
func TestModifyInstanceAttribute(t *testing.T) {
	l, id, vpc := launchInVPC(t, &ec2.RunInstancesInput{InstanceType: types.InstanceTypeT3Micro})
	_, err := l.a.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, InstanceType: &types.AttributeValue{Value: sdkaws.String("t3.large")}})
	wantAPIErrorMessage(t, err, "IncorrectInstanceState", "The instance '"+id+"' is not in the 'stopped' state.")
	must[*ec2.StopInstancesOutput](t)(l.a.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}))
	must[*ec2.ModifyInstanceAttributeOutput](t)(l.a.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, InstanceType: &types.AttributeValue{Value: sdkaws.String("t3.large")}}))
	if v := sdkaws.ToString(attr(t, l.a, id, types.InstanceAttributeNameInstanceType).InstanceType.Value); v != "t3.large" {
		t.Fatalf("type %s after modify", v)
	}
	must[*ec2.StartInstancesOutput](t)(l.a.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}))
	if it := describeOne(t, l.a, id).InstanceType; it != types.InstanceTypeT3Large {
		t.Fatalf("started as %s", it)
	}

	sg := must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("app"), Description: sdkaws.String("app"), VpcId: &vpc}))
	must[*ec2.ModifyInstanceAttributeOutput](t)(l.a.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, Groups: []string{*sg.GroupId}}))
	g := attr(t, l.a, id, types.InstanceAttributeNameGroupSet).Groups
	if len(g) != 1 || sdkaws.ToString(g[0].GroupId) != *sg.GroupId || sdkaws.ToString(g[0].GroupName) != "app" {
		t.Fatalf("groups %+v", g)
	}
	if i := describeOne(t, l.a, id); len(i.SecurityGroups) != 1 || *i.SecurityGroups[0].GroupId != *sg.GroupId {
		t.Fatalf("described groups %+v", i.SecurityGroups)
	}
	other := mkVpc(t, l.a, "10.9.0.0/16", "other")
	osg := must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("o"), Description: sdkaws.String("o"), VpcId: other.VpcId}))
	_, err = l.a.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, Groups: []string{*osg.GroupId}})
	wantAPIError(t, err, "InvalidParameterValue")

	must[*ec2.ModifyInstanceAttributeOutput](t)(l.a.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id,
		Attribute: types.InstanceAttributeNameSourceDestCheck, Value: sdkaws.String("false")}))
	if sdkaws.ToBool(attr(t, l.a, id, types.InstanceAttributeNameSourceDestCheck).SourceDestCheck.Value) {
		t.Fatal("sourceDestCheck still on")
	}
	must[*ec2.ModifyInstanceAttributeOutput](t)(l.a.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id,
		InstanceInitiatedShutdownBehavior: &types.AttributeValue{Value: sdkaws.String("terminate")}}))
	if v := sdkaws.ToString(attr(t, l.a, id, types.InstanceAttributeNameInstanceInitiatedShutdownBehavior).InstanceInitiatedShutdownBehavior.Value); v != "terminate" {
		t.Fatalf("shutdown behaviour %s", v)
	}
	_, err = l.a.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id,
		InstanceInitiatedShutdownBehavior: &types.AttributeValue{Value: sdkaws.String("hibernate")}})
	wantAPIError(t, err, "InvalidParameterValue")
	if a := attr(t, l.a, id, types.InstanceAttributeNameEnaSupport); !sdkaws.ToBool(a.EnaSupport.Value) {
		t.Fatalf("enaSupport %+v", a.EnaSupport)
	}
	_, err = l.a.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: sdkaws.String("i-0123456789abcdef0"), Attribute: types.InstanceAttributeNameInstanceType})
	wantAPIError(t, err, "InvalidInstanceID.NotFound")
}

// DescribeInstanceStatus answers running instances only unless
// IncludeAllInstances, with ok/passed checks for running ones and
// not-applicable otherwise, and filters as documented.
func TestDescribeInstanceStatus(t *testing.T) {
	l, id, _ := launchInVPC(t, &ec2.RunInstancesInput{})
	sub := describeOne(t, l.a, id).SubnetId
	run2 := must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-12345678"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: sub}))
	stopped := *run2.Instances[0].InstanceId
	must[*ec2.StopInstancesOutput](t)(l.a.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{stopped}}))

	st := must[*ec2.DescribeInstanceStatusOutput](t)(l.a.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{}))
	if len(st.InstanceStatuses) != 1 || *st.InstanceStatuses[0].InstanceId != id {
		t.Fatalf("default statuses %+v", st.InstanceStatuses)
	}
	s := st.InstanceStatuses[0]
	if s.InstanceStatus.Status != types.SummaryStatusOk || s.SystemStatus.Status != types.SummaryStatusOk || s.InstanceState.Name != types.InstanceStateNameRunning ||
		len(s.SystemStatus.Details) != 1 || s.SystemStatus.Details[0].Status != types.StatusTypePassed || sdkaws.ToString(s.AvailabilityZoneId) != "use1-az1" {
		t.Fatalf("running status %+v", s)
	}
	all := must[*ec2.DescribeInstanceStatusOutput](t)(l.a.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{IncludeAllInstances: sdkaws.Bool(true)}))
	if len(all.InstanceStatuses) != 2 {
		t.Fatalf("all statuses %+v", all.InstanceStatuses)
	}
	for _, c := range []struct {
		f    types.Filter
		want string
	}{{filter("instance-state-name", "stopped"), stopped}, {filter("instance-state-code", "16"), id},
		{filter("system-status.status", "not-applicable"), stopped}, {filter("instance-status.reachability", "passed"), id},
		{filter("availability-zone", "us-east-1a"), id + " " + stopped}} {
		out := must[*ec2.DescribeInstanceStatusOutput](t)(l.a.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{IncludeAllInstances: sdkaws.Bool(true), Filters: []types.Filter{c.f}}))
		var got []string
		for _, s := range out.InstanceStatuses {
			got = append(got, *s.InstanceId)
		}
		if strings.Join(got, " ") != c.want && !(len(got) == 2 && strings.Contains(c.want, got[0]) && strings.Contains(c.want, got[1])) {
			t.Errorf("filter %s=%v: %v, want %s", *c.f.Name, c.f.Values, got, c.want)
		}
	}
	_, err := l.a.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{Filters: []types.Filter{filter("bogus", "x")}})
	wantAPIError(t, err, "InvalidParameterValue")
	if err := ec2.NewInstanceStatusOkWaiter(l.a).Wait(ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}}, 5e9); err != nil {
		t.Fatalf("InstanceStatusOk waiter: %v", err)
	}
}

// The AWS CLI's instance attribute commands, as scripts use them.
func TestInstanceAttributeCLI(t *testing.T) {
	l, id, _ := launchInVPC(t, &ec2.RunInstancesInput{})
	cli := awsCLI(t, l)
	if out, err := cli("modify-instance-attribute", "--instance-id", id, "--disable-api-termination"); err != nil {
		t.Fatalf("modify-instance-attribute: %v\n%s", err, out)
	}
	out, err := cli("terminate-instances", "--instance-ids", id)
	if err == nil || !strings.Contains(out, "OperationNotPermitted") {
		t.Fatalf("terminate a protected instance: %v\n%s", err, out)
	}
	if out, err = cli("modify-instance-attribute", "--instance-id", id, "--no-source-dest-check"); err != nil {
		t.Fatalf("--no-source-dest-check: %v\n%s", err, out)
	}
	out, err = cli("describe-instance-attribute", "--instance-id", id, "--attribute", "sourceDestCheck")
	var a struct{ SourceDestCheck struct{ Value bool } }
	if err != nil || json.Unmarshal([]byte(out), &a) != nil || a.SourceDestCheck.Value || !strings.Contains(out, `"SourceDestCheck"`) {
		t.Fatalf("describe-instance-attribute: %v\n%s", err, out)
	}
	out, err = cli("describe-instance-status", "--instance-ids", id)
	if err != nil || !strings.Contains(out, `"Status": "ok"`) {
		t.Fatalf("describe-instance-status: %v\n%s", err, out)
	}
}
