package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	ctlaws "github.com/mcnlab/mcnlab/controller/cloud/aws"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// stateServer is the built binary's `cloudmock serve --state FILE`, run as
// a process of its own so that the test can SIGKILL it.
type stateServer struct {
	cmd  *exec.Cmd
	addr string
	out  *strings.Builder
	kill func() // SIGKILL, then wait for the process
}

// startStateServe starts `mcnlab cloudmock serve --state path` on a free
// loopback port and waits (with a deadline) for its address file; the
// process is killed when the test ends.
func startStateServe(t *testing.T, bin, path string) *stateServer {
	t.Helper()
	return startStateServeWith(t, bin, path, "--account", "111122223333:AKIDSTATE:state-secret")
}

// startStateServeWith is startStateServe with the provider's and
// accounts' arguments given.
func startStateServeWith(t *testing.T, bin, path string, args ...string) *stateServer {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	s := &stateServer{out: &strings.Builder{}}
	s.cmd = exec.Command(bin, append([]string{"cloudmock", "serve", "--listen", "127.0.0.1:0", "--addr-file", addrFile, "--state", path}, args...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-exited
	})
	deadline := time.After(20 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			s.addr = string(b)
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("cloudmock serve --state exited: %v\n%s", err, s.out)
		case <-deadline:
			t.Fatalf("cloudmock serve --state wrote no address in 20s\n%s", s.out)
		case <-time.After(10 * time.Millisecond): // polling the address file, with a deadline
		}
	}
	// Kill is SIGKILL: the process gets no chance to save anything more.
	s.kill = func() {
		if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-exited
		exited <- nil
	}
	return s
}

func (s *stateServer) client() *ec2.Client {
	// BufferedBody: a request must not go out on a connection the killed
	// server left half-closed (aws-sdk-go-v2#2737, controller/cloud/aws).
	return ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String("http://" + s.addr),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSTATE", "state-secret", ""), RetryMaxAttempts: 1,
		HTTPClient: ctlaws.BufferedBody(nil)})
}

// describeAll is what a user sees of the account, as JSON per Describe call.
func describeAll(t *testing.T, c *ec2.Client) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	// put records a call's answer; v reads it only once err is nil.
	put := func(name string, v func() any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := json.Marshal(v())
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(b)
	}
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	put("DescribeVpcs", func() any { return vpcs.Vpcs }, err)
	subs, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	put("DescribeSubnets", func() any { return subs.Subnets }, err)
	sgs, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	put("DescribeSecurityGroups", func() any { return sgs.SecurityGroups }, err)
	inst, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	put("DescribeInstances", func() any { return inst.Reservations }, err)
	rts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{})
	put("DescribeRouteTables", func() any { return rts.RouteTables }, err)
	acls, err := c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{})
	put("DescribeNetworkAcls", func() any { return acls.NetworkAcls }, err)
	igws, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{})
	put("DescribeInternetGateways", func() any { return igws.InternetGateways }, err)
	eips, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	put("DescribeAddresses", func() any { return eips.Addresses }, err)
	tags, err := c.DescribeTags(ctx, &ec2.DescribeTagsInput{})
	put("DescribeTags", func() any { return tags.Tags }, err)
	return out
}

// TestCloudmockStateSurvivesSIGKILL creates objects through the AWS SDK in
// `cloudmock serve --state FILE`, SIGKILLs the process right after the
// last call is answered, restarts it on the same file and checks that
// every Describe answers as before (IDs, tags, rules), that a retried
// RunInstances with the same client token gets the first instance, that a
// new VPC gets a new ID, and that the AWS CLI sees the saved VPC.
func TestCloudmockStateSurvivesSIGKILL(t *testing.T) {
	bin := roottest.MCNLab(t)
	path := filepath.Join(t.TempDir(), "cloud.db")
	srv := startStateServe(t, bin, path)
	c := srv.client()
	ctx := context.Background()
	call := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\n%s", what, err, srv.out)
		}
	}
	tagSpec := func(rt types.ResourceType, k, v string) []types.TagSpecification {
		return []types.TagSpecification{{ResourceType: rt, Tags: []types.Tag{{Key: sdkaws.String(k), Value: sdkaws.String(v)}}}}
	}
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.40.0.0/16"), TagSpecifications: tagSpec(types.ResourceTypeVpc, "Name", "persisted")})
	call("CreateVpc", err)
	sub, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: sdkaws.String("10.40.1.0/24"), TagSpecifications: tagSpec(types.ResourceTypeSubnet, "tier", "web")})
	call("CreateSubnet", err)
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc.Vpc.VpcId, GroupName: sdkaws.String("web"), Description: sdkaws.String("web servers")})
	call("CreateSecurityGroup", err)
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{{
		IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(443), ToPort: sdkaws.Int32(443), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("0.0.0.0/0"), Description: sdkaws.String("https")}}}}})
	call("AuthorizeSecurityGroupIngress", err)
	runIn := &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-12345678"), InstanceType: types.InstanceTypeT3Micro, MinCount: sdkaws.Int32(2), MaxCount: sdkaws.Int32(2),
		SubnetId: sub.Subnet.SubnetId, SecurityGroupIds: []string{*sg.GroupId}, ClientToken: sdkaws.String("persist-test-token"),
		TagSpecifications: tagSpec(types.ResourceTypeInstance, "role", "app")}
	run, err := c.RunInstances(ctx, runIn)
	call("RunInstances", err)
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	call("CreateInternetGateway", err)
	_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: vpc.Vpc.VpcId})
	call("AttachInternetGateway", err)
	_, err = c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
	call("AllocateAddress", err)
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*vpc.Vpc.VpcId, *sg.GroupId}, Tags: []types.Tag{{Key: sdkaws.String("env"), Value: sdkaws.String("lab")}}})
	call("CreateTags", err)
	before := describeAll(t, c)

	srv.kill()
	srv = startStateServe(t, bin, path)
	c = srv.client()
	after := describeAll(t, c)
	for name, want := range before {
		if after[name] != want {
			t.Errorf("%s after SIGKILL and restart:\n got  %s\n want %s", name, after[name], want)
		}
	}
	if !strings.Contains(after["DescribeTags"], `"persisted"`) || !strings.Contains(after["DescribeSecurityGroups"], `"https"`) {
		t.Errorf("tags or rules missing after restart: %s %s", after["DescribeTags"], after["DescribeSecurityGroups"])
	}

	// The client token outlived the process: a retry gets the same
	// instances, not two more.
	again, err := c.RunInstances(ctx, runIn)
	call("RunInstances again", err)
	ids := func(r *ec2.RunInstancesOutput) []string {
		var out []string
		for _, i := range r.Instances {
			out = append(out, *i.InstanceId)
		}
		return out
	}
	if !slices.Equal(ids(again), ids(run)) {
		t.Errorf("RunInstances retried with its client token after a restart: got %v, want %v", ids(again), ids(run))
	}
	inst, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	call("DescribeInstances", err)
	if n := len(inst.Reservations); n != 1 {
		t.Errorf("%d reservations after the retry, want 1", n)
	}

	// New objects get new IDs.
	vpc2, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.41.0.0/16")})
	call("CreateVpc after restart", err)
	if *vpc2.Vpc.VpcId == *vpc.Vpc.VpcId || strings.Contains(before["DescribeVpcs"], *vpc2.Vpc.VpcId) {
		t.Errorf("new VPC %s has an ID the saved cloud already used", *vpc2.Vpc.VpcId)
	}

	// The AWS CLI, where installed, sees the saved VPC and its tag.
	if aws, err := exec.LookPath("aws"); err == nil && !testing.Short() {
		cmd := exec.CommandContext(t.Context(), aws, "--endpoint-url", "http://"+srv.addr, "--output", "json", "ec2", "describe-vpcs", "--vpc-ids", *vpc.Vpc.VpcId)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDSTATE", "AWS_SECRET_ACCESS_KEY=state-secret", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), *vpc.Vpc.VpcId) || !strings.Contains(string(out), "persisted") {
			t.Errorf("aws ec2 describe-vpcs after restart: %v\n%s", err, out)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file %s: mode %v, %v; want 0600", path, fi.Mode(), err)
	}
}

// TestCloudmockStateRefusesADamagedFile checks that serve names the file
// when it is not a cloud state database, and does not overwrite it.
func TestCloudmockStateRefusesADamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	junk := []byte(strings.Repeat("this is not a database\n", 100))
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	root := newRoot()
	root.SetArgs([]string{"cloudmock", "serve", "--listen", "127.0.0.1:0", "--state", path})
	root.SetOut(&strings.Builder{})
	root.SetErr(&strings.Builder{})
	err := root.ExecuteContext(t.Context())
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a cloud state file") {
		t.Errorf("serve on a damaged state file: got %v, want an error naming %s", err, path)
	}
	if b, _ := os.ReadFile(path); string(b) != string(junk) {
		t.Error("serve changed the damaged state file")
	}
	if errors.Is(err, context.Canceled) {
		t.Error("serve ran instead of failing")
	}
}
