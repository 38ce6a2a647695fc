package aws_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/aws"
)

// The controller's GuardDuty side through the SDK against cloudmock:
// Ensure makes the detector and the threat intel set once (idempotent
// after); Callers reads a recorded finding's remote address and subnet;
// Block puts a deny entry for the address in the subnet's network ACL
// ahead of the allow rule 100, and a second Block finds it.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html — the lowest numbered matching rule decides
func TestGuardDutyEnforcement(t *testing.T) {
	m := model.New()
	srv := httptest.NewServer(cmaws.New(m, cmaws.Config{Region: region, Credentials: []cmaws.Credential{cred}}))
	t.Cleanup(srv.Close)
	cfg := config(srv.URL)
	det := aws.NewRegional(cfg, owner, cloud.Desired{}).ThreatDetection("")
	acct := cred.AccountID
	attacker := netip.MustParseAddr("192.0.2.66")
	if err := m.PutThreatList(acct, "s3://lab/threats.txt", []netip.Prefix{netip.PrefixFrom(attacker, 32)}); err != nil {
		t.Fatal(err)
	}
	calls, err := det.Ensure(ctx, "threats", "s3://lab/threats.txt")
	if err != nil || len(calls) != 2 {
		t.Fatalf("Ensure = %v, %v; want CreateDetector and CreateThreatIntelSet", calls, err)
	}
	if calls, err := det.Ensure(ctx, "threats", "s3://lab/threats.txt"); err != nil || len(calls) != 0 {
		t.Fatalf("Ensure again = %v, %v; want no call", calls, err)
	}

	n, err := m.CreateNetworkIn(acct, region, netip.MustParsePrefix("10.0.0.0/16"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.CreateSubnet(acct, n.ID, netip.MustParsePrefix("10.0.1.0/24"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	is, err := m.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.RecordFinding(acct, model.Observation{InstanceID: is[0].ID, LocalPort: 80, Remote: attacker, RemotePort: 40000}); err != nil {
		t.Fatal(err)
	}
	callers, err := det.Callers(ctx)
	if err != nil || len(callers) != 1 || callers[0].Remote != attacker || callers[0].Subnet != s.ID || callers[0].Instance != is[0].ID || callers[0].FirstSeen.IsZero() {
		t.Fatalf("Callers = %+v, %v", callers, err)
	}
	rule, call, err := det.Block(ctx, s.ID, attacker)
	if err != nil || call == nil || rule != 1 {
		t.Fatalf("Block = %d, %v, %v; want rule 1 and a call", rule, call, err)
	}
	if again, call, err := det.Block(ctx, s.ID, attacker); err != nil || call != nil || again != rule {
		t.Fatalf("Block again = %d, %v, %v; want rule %d, no call", again, call, err, rule)
	}
	out, err := ec2.NewFromConfig(cfg).DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{
		{Name: sdkaws.String("association.subnet-id"), Values: []string{s.ID}}}})
	if err != nil || len(out.NetworkAcls) != 1 {
		t.Fatalf("DescribeNetworkAcls = %+v, %v", out, err)
	}
	found := false
	for _, e := range out.NetworkAcls[0].Entries {
		if !sdkaws.ToBool(e.Egress) && sdkaws.ToInt32(e.RuleNumber) == 1 {
			found = e.RuleAction == types.RuleActionDeny && sdkaws.ToString(e.CidrBlock) == "192.0.2.66/32"
		}
	}
	if !found {
		t.Errorf("no inbound deny rule 1 for 192.0.2.66/32 in %+v", out.NetworkAcls[0].Entries)
	}
}
