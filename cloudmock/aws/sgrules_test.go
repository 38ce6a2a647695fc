package aws_test

import (
	"encoding/json"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// sgRules lists the rules DescribeSecurityGroupRules answers.
func sgRules(t *testing.T, c *ec2.Client, in *ec2.DescribeSecurityGroupRulesInput) []types.SecurityGroupRule {
	t.Helper()
	return must[*ec2.DescribeSecurityGroupRulesOutput](t)(c.DescribeSecurityGroupRules(ctx, in)).SecurityGroupRules
}

// Every rule has an sgr- ID: the new group's egress rule, rules added with
// tags (TagSpecification security-group-rule) answered in
// securityGroupRuleSet; DescribeSecurityGroupRules by ID and by each
// documented filter; CreateTags on a rule; a revoked rule is gone.
func TestSecurityGroupRuleIDs(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sg := *must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("web"),
		Description: sdkaws.String("web"), VpcId: vpc.VpcId})).GroupId
	own := sgRules(t, l.a, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("group-id", sg)}})
	if len(own) != 1 || !sdkaws.ToBool(own[0].IsEgress) || sdkaws.ToString(own[0].CidrIpv4) != "0.0.0.0/0" || !strings.HasPrefix(*own[0].SecurityGroupRuleId, "sgr-") ||
		sdkaws.ToString(own[0].IpProtocol) != "-1" || sdkaws.ToInt32(own[0].FromPort) != -1 {
		t.Fatalf("a new group's rules: %+v", own)
	}
	auth := must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &sg,
		IpPermissions: []types.IpPermission{{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(443), ToPort: sdkaws.Int32(443),
			IpRanges: []types.IpRange{{CidrIp: sdkaws.String("10.1.0.0/16"), Description: sdkaws.String("https from b")}}},
			{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(22), ToPort: sdkaws.Int32(22), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: &sg}}}},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroupRule, Tags: []types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String("in")}}}}}))
	if len(auth.SecurityGroupRules) != 2 {
		t.Fatalf("securityGroupRuleSet %+v", auth.SecurityGroupRules)
	}
	var https, ssh types.SecurityGroupRule
	for _, r := range auth.SecurityGroupRules {
		if sdkaws.ToInt32(r.FromPort) == 443 {
			https = r
		} else {
			ssh = r
		}
		if len(r.Tags) != 1 || *r.Tags[0].Value != "in" || sdkaws.ToBool(r.IsEgress) || sdkaws.ToString(r.GroupId) != sg {
			t.Fatalf("added rule %+v", r)
		}
	}
	if sdkaws.ToString(https.Description) != "https from b" || sdkaws.ToString(https.CidrIpv4) != "10.1.0.0/16" ||
		ssh.ReferencedGroupInfo == nil || sdkaws.ToString(ssh.ReferencedGroupInfo.GroupId) != sg {
		t.Fatalf("added rules https %+v ssh %+v", https, ssh)
	}
	byID := sgRules(t, l.a, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{*https.SecurityGroupRuleId}})
	if len(byID) != 1 || *byID[0].SecurityGroupRuleId != *https.SecurityGroupRuleId || !strings.HasSuffix(sdkaws.ToString(byID[0].SecurityGroupRuleArn), ":security-group-rule/"+*https.SecurityGroupRuleId) {
		t.Fatalf("by ID: %+v", byID)
	}
	if got := sgRules(t, l.a, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("tag:Name", "in"), filter("security-group-rule-id", *ssh.SecurityGroupRuleId)}}); len(got) != 1 {
		t.Fatalf("tag and ID filters: %+v", got)
	}
	must[*ec2.CreateTagsOutput](t)(l.a.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*own[0].SecurityGroupRuleId}, Tags: []types.Tag{{Key: sdkaws.String("role"), Value: sdkaws.String("out")}}}))
	if got := sgRules(t, l.a, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("tag-key", "role")}}); len(got) != 1 || *got[0].SecurityGroupRuleId != *own[0].SecurityGroupRuleId {
		t.Fatalf("tagged with CreateTags: %+v", got)
	}
	tags := must[*ec2.DescribeTagsOutput](t)(l.a.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-id", *own[0].SecurityGroupRuleId)}}))
	if len(tags.Tags) != 1 || tags.Tags[0].ResourceType != types.ResourceTypeSecurityGroupRule {
		t.Fatalf("DescribeTags of a rule: %+v", tags.Tags)
	}
	_, err := l.a.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{"sgr-0123456789abcdef0"}})
	wantAPIError(t, err, "InvalidSecurityGroupRuleId.NotFound")
	_, err = l.a.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{"sgr-xyz"}})
	wantAPIError(t, err, "InvalidSecurityGroupRuleId.Malformed")
	_, err = l.a.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("ip-protocol", "tcp")}})
	wantAPIError(t, err, "InvalidParameterValue")
	if got := sgRules(t, l.b, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("group-id", sg)}}); len(got) != 0 {
		t.Fatalf("account B sees A's rules: %+v", got)
	}

	must[*ec2.RevokeSecurityGroupIngressOutput](t)(l.a.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &sg,
		IpPermissions: []types.IpPermission{{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(443), ToPort: sdkaws.Int32(443), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("10.1.0.0/16")}}}}}))
	_, err = l.a.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{*https.SecurityGroupRuleId}})
	wantAPIError(t, err, "InvalidSecurityGroupRuleId.NotFound")
	_, err = l.a.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*https.SecurityGroupRuleId}, Tags: []types.Tag{{Key: sdkaws.String("a"), Value: sdkaws.String("b")}}})
	if err == nil {
		t.Fatal("a revoked rule can still be tagged")
	}
}

// ModifySecurityGroupRules rewrites a rule in place (same ID), refuses a
// duplicate and an unknown ID; rule descriptions change by ID or by
// permission, ingress and egress.
func TestModifySecurityGroupRules(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sg := *must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("web"),
		Description: sdkaws.String("web"), VpcId: vpc.VpcId})).GroupId
	auth := must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &sg,
		IpPermissions: []types.IpPermission{{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(80), ToPort: sdkaws.Int32(80),
			IpRanges: []types.IpRange{{CidrIp: sdkaws.String("10.1.0.0/16")}, {CidrIp: sdkaws.String("10.2.0.0/16")}}}}}))
	r1, r2 := auth.SecurityGroupRules[0], auth.SecurityGroupRules[1]
	if sdkaws.ToString(r1.CidrIpv4) != "10.1.0.0/16" {
		r1, r2 = r2, r1
	}
	must[*ec2.ModifySecurityGroupRulesOutput](t)(l.a.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: &sg,
		SecurityGroupRules: []types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: r1.SecurityGroupRuleId, SecurityGroupRule: &types.SecurityGroupRuleRequest{
			IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(8080), ToPort: sdkaws.Int32(8081), CidrIpv4: sdkaws.String("10.3.0.5/16"), Description: sdkaws.String("alt")}}}}))
	got := sgRules(t, l.a, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{*r1.SecurityGroupRuleId}})[0]
	if sdkaws.ToInt32(got.FromPort) != 8080 || sdkaws.ToInt32(got.ToPort) != 8081 || sdkaws.ToString(got.CidrIpv4) != "10.3.0.0/16" || sdkaws.ToString(got.Description) != "alt" {
		t.Fatalf("modified rule %+v", got)
	}
	g := must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{sg}})).SecurityGroups[0]
	if len(g.IpPermissions) != 2 {
		t.Fatalf("permissions after modify %+v", g.IpPermissions)
	}
	_, err := l.a.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: &sg,
		SecurityGroupRules: []types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: r1.SecurityGroupRuleId, SecurityGroupRule: &types.SecurityGroupRuleRequest{
			IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(80), ToPort: sdkaws.Int32(80), CidrIpv4: sdkaws.String("10.2.0.0/16")}}}})
	wantAPIError(t, err, "InvalidPermission.Duplicate")
	_, err = l.a.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: &sg,
		SecurityGroupRules: []types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: sdkaws.String("sgr-0123456789abcdef0"), SecurityGroupRule: &types.SecurityGroupRuleRequest{
			IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(1), ToPort: sdkaws.Int32(1), CidrIpv4: sdkaws.String("10.9.0.0/16")}}}})
	wantAPIErrorMessage(t, err, "InvalidSecurityGroupRuleId.NotFound", "The security group rule ID 'sgr-0123456789abcdef0' does not exist")

	must[*ec2.UpdateSecurityGroupRuleDescriptionsIngressOutput](t)(l.a.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{
		GroupName: sdkaws.String("web"), IpPermissions: []types.IpPermission{{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(80), ToPort: sdkaws.Int32(80),
			IpRanges: []types.IpRange{{CidrIp: sdkaws.String("10.2.0.0/16"), Description: sdkaws.String("from two")}}}}}))
	if d := sgRules(t, l.a, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{*r2.SecurityGroupRuleId}})[0].Description; sdkaws.ToString(d) != "from two" {
		t.Fatalf("description by permission %q", sdkaws.ToString(d))
	}
	egress := sgRules(t, l.a, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("group-id", sg)}})
	var eid string
	for _, r := range egress {
		if sdkaws.ToBool(r.IsEgress) {
			eid = *r.SecurityGroupRuleId
		}
	}
	must[*ec2.UpdateSecurityGroupRuleDescriptionsEgressOutput](t)(l.a.UpdateSecurityGroupRuleDescriptionsEgress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsEgressInput{
		GroupId: &sg, SecurityGroupRuleDescriptions: []types.SecurityGroupRuleDescription{{SecurityGroupRuleId: &eid, Description: sdkaws.String("anywhere")}}}))
	g = must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{sg}})).SecurityGroups[0]
	if sdkaws.ToString(g.IpPermissionsEgress[0].IpRanges[0].Description) != "anywhere" {
		t.Fatalf("egress description %+v", g.IpPermissionsEgress)
	}
	_, err = l.a.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{GroupId: &sg,
		IpPermissions: []types.IpPermission{{IpProtocol: sdkaws.String("udp"), FromPort: sdkaws.Int32(53), ToPort: sdkaws.Int32(53), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("10.2.0.0/16"), Description: sdkaws.String("x")}}}}})
	wantAPIError(t, err, "InvalidPermission.NotFound")
	// An egress rule's ID is not an ingress rule's.
	_, err = l.a.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{
		GroupId: &sg, SecurityGroupRuleDescriptions: []types.SecurityGroupRuleDescription{{SecurityGroupRuleId: &eid, Description: sdkaws.String("no")}}})
	wantAPIError(t, err, "InvalidSecurityGroupRuleId.NotFound")
}

// The AWS CLI's describe-security-group-rules and authorize with
// --tag-specifications, as people's scripts run them.
func TestSecurityGroupRulesCLI(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sg := *must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("web"),
		Description: sdkaws.String("web"), VpcId: vpc.VpcId})).GroupId
	cli := awsCLI(t, l)
	out, err := cli("authorize-security-group-ingress", "--group-id", sg, "--protocol", "tcp", "--port", "443", "--cidr", "10.1.0.0/16",
		"--tag-specifications", "ResourceType=security-group-rule,Tags=[{Key=Name,Value=https}]")
	var auth struct {
		SecurityGroupRules []struct{ SecurityGroupRuleId string }
	}
	if err != nil || json.Unmarshal([]byte(out), &auth) != nil || len(auth.SecurityGroupRules) != 1 {
		t.Fatalf("authorize-security-group-ingress: %v\n%s", err, out)
	}
	out, err = cli("describe-security-group-rules", "--filters", "Name=tag:Name,Values=https")
	if err != nil || !strings.Contains(out, auth.SecurityGroupRules[0].SecurityGroupRuleId) || !strings.Contains(out, `"CidrIpv4": "10.1.0.0/16"`) {
		t.Fatalf("describe-security-group-rules: %v\n%s", err, out)
	}
	out, err = cli("modify-security-group-rules", "--group-id", sg, "--security-group-rules",
		"SecurityGroupRuleId="+auth.SecurityGroupRules[0].SecurityGroupRuleId+",SecurityGroupRule={IpProtocol=tcp,FromPort=8443,ToPort=8443,CidrIpv4=10.1.0.0/16}")
	if err != nil {
		t.Fatalf("modify-security-group-rules: %v\n%s", err, out)
	}
	out, err = cli("describe-security-group-rules", "--security-group-rule-ids", auth.SecurityGroupRules[0].SecurityGroupRuleId)
	if err != nil || !strings.Contains(out, `"FromPort": 8443`) {
		t.Fatalf("after modify: %v\n%s", err, out)
	}
}
