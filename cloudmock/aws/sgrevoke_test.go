package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Security group rules revoked by their IDs, through the Go SDK: the
// answer names each rule revoked; an unknown ID, or one of the other
// direction, is InvalidSecurityGroupRuleId.NotFound and revokes nothing.
// In the default VPC a permission that matches no rule is answered in
// unknownIpPermissionSet beside the rules that were revoked.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupIngress.html — SecurityGroupRuleId.N; revokedSecurityGroupRuleSet; unknownIpPermissionSet for a default VPC
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupEgress.html — the same for outbound rules
func TestRevokeSecurityGroupRulesByID(t *testing.T) {
	l := newLab(t)
	c := l.a
	// No VpcId: the group is the default VPC's.
	sg := must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("ids"), Description: sdkaws.String("ids")})).GroupId
	tcp := func(port int32, cidr string) types.IpPermission {
		return types.IpPermission{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(port), ToPort: sdkaws.Int32(port), IpRanges: []types.IpRange{{CidrIp: sdkaws.String(cidr)}}}
	}
	in := must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg,
		IpPermissions: []types.IpPermission{tcp(22, "10.0.0.0/8"), tcp(443, "0.0.0.0/0"), tcp(8080, "192.0.2.0/24")}})).SecurityGroupRules
	// The answer lists the rules by ID; name them by port.
	byPort := map[int32]string{}
	for _, r := range in {
		byPort[*r.FromPort] = *r.SecurityGroupRuleId
	}
	egress := must[*ec2.DescribeSecurityGroupRulesOutput](t)(c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("group-id", *sg)}}))
	var egressID string
	for _, r := range egress.SecurityGroupRules {
		if sdkaws.ToBool(r.IsEgress) {
			egressID = *r.SecurityGroupRuleId
		}
	}
	if len(byPort) != 3 || egressID == "" {
		t.Fatalf("authorized %d rules, egress rule %q", len(in), egressID)
	}

	_, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg, SecurityGroupRuleIds: []string{byPort[22], "sgr-0123456789abcdef0"}})
	wantAPIErrorMessage(t, err, "InvalidSecurityGroupRuleId.NotFound", "The security group rule ID 'sgr-0123456789abcdef0' does not exist")
	_, err = c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg, SecurityGroupRuleIds: []string{egressID}})
	wantAPIError(t, err, "InvalidSecurityGroupRuleId.NotFound")
	rules := func() int {
		return len(must[*ec2.DescribeSecurityGroupRulesOutput](t)(c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("group-id", *sg)}})).SecurityGroupRules)
	}
	if n := rules(); n != 4 {
		t.Fatalf("a refused revoke left %d rules, want 4", n)
	}

	rev := must[*ec2.RevokeSecurityGroupIngressOutput](t)(c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg,
		SecurityGroupRuleIds: []string{byPort[22], byPort[443]}}))
	if !sdkaws.ToBool(rev.Return) || len(rev.RevokedSecurityGroupRules) != 2 || len(rev.UnknownIpPermissions) != 0 {
		t.Fatalf("revoke by ID: %+v", rev)
	}
	r0 := rev.RevokedSecurityGroupRules[0]
	if *r0.SecurityGroupRuleId != byPort[22] || *r0.GroupId != *sg || sdkaws.ToBool(r0.IsEgress) || *r0.IpProtocol != "tcp" ||
		*r0.FromPort != 22 || *r0.ToPort != 22 || *r0.CidrIpv4 != "10.0.0.0/8" {
		t.Fatalf("revoked rule: %s %s %s %v %s %d-%d", sdkaws.ToString(r0.SecurityGroupRuleId), sdkaws.ToString(r0.GroupId), sdkaws.ToString(r0.IpProtocol), sdkaws.ToBool(r0.IsEgress), sdkaws.ToString(r0.CidrIpv4), sdkaws.ToInt32(r0.FromPort), sdkaws.ToInt32(r0.ToPort))
	}
	if n := rules(); n != 2 {
		t.Fatalf("after revoking two: %d rules, want 2", n)
	}

	// Default VPC: the unknown permission is answered, the known one revoked.
	rev = must[*ec2.RevokeSecurityGroupIngressOutput](t)(c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg,
		IpPermissions: []types.IpPermission{tcp(8080, "192.0.2.0/24"), tcp(53, "10.0.0.0/8")}}))
	if len(rev.RevokedSecurityGroupRules) != 1 || *rev.RevokedSecurityGroupRules[0].SecurityGroupRuleId != byPort[8080] ||
		len(rev.UnknownIpPermissions) != 1 || *rev.UnknownIpPermissions[0].FromPort != 53 {
		t.Fatalf("revoke in the default VPC: revoked %+v unknown %+v", rev.RevokedSecurityGroupRules, rev.UnknownIpPermissions)
	}

	out := must[*ec2.RevokeSecurityGroupEgressOutput](t)(c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: sg, SecurityGroupRuleIds: []string{egressID}}))
	if len(out.RevokedSecurityGroupRules) != 1 || !sdkaws.ToBool(out.RevokedSecurityGroupRules[0].IsEgress) || *out.RevokedSecurityGroupRules[0].IpProtocol != "-1" {
		t.Fatalf("revoke egress by ID: %+v", out.RevokedSecurityGroupRules)
	}
	if n := rules(); n != 0 {
		t.Fatalf("after revoking everything: %d rules", n)
	}
}
