package realize

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/emulator/probe"
)

// Driven by the AWS SDK through the EC2 front-end wrapped in InForce, a
// security group change is true in the dataplane the moment the SDK call
// returns: one echo request, without retry, proves it.
func TestThroughEC2API(t *testing.T) {
	l := newLab(t)
	c := l.ec2API(l.r.InForce)
	ctx := context.Background()

	vpc := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.0.0.0/16")})).Vpc
	sub := func(cidr string) *string {
		return must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String(cidr)})).Subnet.SubnetId
	}
	sa, sb := sub("10.0.1.0/24"), sub("10.0.2.0/24")
	sg := must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		VpcId: vpc.VpcId, GroupName: sdkaws.String("g"), Description: sdkaws.String("g")})).GroupId
	run := func(subnet *string) types.Instance {
		return must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-12345678"),
			MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: subnet, SecurityGroupIds: []string{*sg}})).Instances[0]
	}
	a, b := run(sa), run(sb)
	hA, _ := l.cloud.Handle(*a.InstanceId)
	nsA := l.r.instanceNS(hA)
	dst := netip.MustParseAddr(*b.PrivateIpAddress)
	perm := []types.IpPermission{{IpProtocol: sdkaws.String("icmp"), FromPort: sdkaws.Int32(-1), ToPort: sdkaws.Int32(-1),
		IpRanges: []types.IpRange{{CidrIp: sdkaws.String("10.0.1.0/24")}}}}

	once := func(seq int) error {
		p, err := probe.NewPinger(nsA)
		l.ok(err)
		defer p.Close()
		_, err = p.Ping(dst, seq, 2*time.Second)
		return err
	}
	if err := once(1); err == nil {
		t.Fatal("reply before any inbound rule")
	}
	start := time.Now()
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg, IpPermissions: perm}))
	t.Logf("AuthorizeSecurityGroupIngress answered, in force, after %v", time.Since(start))
	if err := once(2); err != nil {
		t.Fatalf("the call returned, but the rule is not in force: %v", err)
	}
	must[*ec2.RevokeSecurityGroupIngressOutput](t)(c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg, IpPermissions: perm}))
	if err := once(3); err == nil {
		t.Fatal("the rule was revoked, but a new flow got a reply")
	}
}

// ec2API serves the EC2 front-end over the lab's cloud, wrapped by wrap,
// and returns an SDK client of account acct for it.
func (l *lab) ec2API(wrap func(http.Handler) http.Handler) *ec2.Client {
	cred := cmaws.Credential{AccountID: acct, AccessKeyID: "AKIAAAAAAAAAAAAAAAAA", SecretAccessKey: "secret"}
	srv := httptest.NewServer(wrap(cmaws.New(l.cloud, cmaws.Config{Region: "us-east-1", Credentials: []cmaws.Credential{cred}})))
	l.t.Cleanup(srv.Close)
	return ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(cred.AccessKeyID, cred.SecretAccessKey, "")})
}
