package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestSecurityGroups(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sg := must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("web"), Description: sdkaws.String("web tier"), VpcId: vpc.VpcId}))
	_, err := l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("web"), Description: sdkaws.String("again"), VpcId: vpc.VpcId})
	wantAPIError(t, err, "InvalidGroup.Duplicate")
	perm := types.IpPermission{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(443), ToPort: sdkaws.Int32(443), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("0.0.0.0/0"), Description: sdkaws.String("https")}}}
	out := must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{perm}}))
	if !sdkaws.ToBool(out.Return) || len(out.SecurityGroupRules) != 1 || sdkaws.ToString(out.SecurityGroupRules[0].CidrIpv4) != "0.0.0.0/0" {
		t.Fatalf("authorize returned %+v", out)
	}
	_, err = l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{perm}})
	wantAPIError(t, err, "InvalidPermission.Duplicate")
	// Reference another group.
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{{
		IpProtocol: sdkaws.String("-1"), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: sg.GroupId}}}}}))
	_, err = l.a.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{{IpProtocol: sdkaws.String("-1"), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("0.0.0.0/0")}}}}})
	wantAPIError(t, err, "InvalidPermission.Duplicate") // the default allow-all egress rule

	got := must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*sg.GroupId}})).SecurityGroups[0]
	if len(got.IpPermissions) != 2 || len(got.IpPermissionsEgress) != 1 {
		t.Fatalf("group has %d ingress / %d egress, want 2/1", len(got.IpPermissions), len(got.IpPermissionsEgress))
	}
	p := got.IpPermissions[0]
	if sdkaws.ToString(p.IpProtocol) != "tcp" || sdkaws.ToInt32(p.FromPort) != 443 || sdkaws.ToString(p.IpRanges[0].Description) != "https" {
		t.Fatalf("first ingress permission = %+v", p)
	}
	if sdkaws.ToString(got.IpPermissions[1].UserIdGroupPairs[0].GroupId) != *sg.GroupId {
		t.Fatalf("group reference lost: %+v", got.IpPermissions[1])
	}
	byName := must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"web"}}))
	if len(byName.SecurityGroups) != 1 {
		t.Fatalf("by name: %d groups", len(byName.SecurityGroups))
	}

	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupIngress.html — in a non-default VPC, a rule that does not exist is InvalidPermission.NotFound and no rule is revoked
	_, err = l.a.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{perm,
		{IpProtocol: sdkaws.String("udp"), FromPort: sdkaws.Int32(53), ToPort: sdkaws.Int32(53), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("10.0.0.0/8")}}}}})
	wantAPIErrorMessage(t, err, "InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
	rev := must[*ec2.RevokeSecurityGroupIngressOutput](t)(l.a.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{perm}}))
	if !sdkaws.ToBool(rev.Return) || len(rev.UnknownIpPermissions) != 0 || len(rev.RevokedSecurityGroupRules) != 1 ||
		sdkaws.ToString(rev.RevokedSecurityGroupRules[0].CidrIpv4) != "0.0.0.0/0" || sdkaws.ToInt32(rev.RevokedSecurityGroupRules[0].FromPort) != 443 {
		t.Fatalf("revoke = %+v", rev)
	}
	must[*ec2.RevokeSecurityGroupEgressOutput](t)(l.a.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{{IpProtocol: sdkaws.String("-1"), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("0.0.0.0/0")}}}}}))
	got = must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*sg.GroupId}})).SecurityGroups[0]
	if len(got.IpPermissions) != 1 || len(got.IpPermissionsEgress) != 0 {
		t.Fatalf("after revoke %d ingress / %d egress, want 1/0", len(got.IpPermissions), len(got.IpPermissionsEgress))
	}

	var many []types.IpPermission
	for i := range 60 {
		many = append(many, types.IpPermission{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(int32(2000 + i)), ToPort: sdkaws.Int32(int32(2000 + i)), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("10.0.0.0/8")}}})
	}
	_, err = l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: many})
	wantAPIError(t, err, "RulesPerSecurityGroupLimitExceeded")

	def := must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("group-name", "default")}})).SecurityGroups[0]
	_, err = l.a.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: def.GroupId})
	wantAPIError(t, err, "CannotDelete")
	if _, err := l.a.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId}); err != nil {
		t.Fatal(err)
	}
	_, err = l.a.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})
	wantAPIError(t, err, "InvalidGroup.NotFound")
}

func TestNetworkAcls(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	acl := must[*ec2.CreateNetworkAclOutput](t)(l.a.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: vpc.VpcId})).NetworkAcl
	if sdkaws.ToBool(acl.IsDefault) || len(acl.Entries) != 2 || acl.Entries[0].RuleAction != types.RuleActionDeny || sdkaws.ToInt32(acl.Entries[0].RuleNumber) != 32767 {
		t.Fatalf("new NACL = %+v", acl.Entries)
	}
	entry := &ec2.CreateNetworkAclEntryInput{NetworkAclId: acl.NetworkAclId, RuleNumber: sdkaws.Int32(100), Protocol: sdkaws.String("6"), RuleAction: types.RuleActionAllow,
		Egress: sdkaws.Bool(false), CidrBlock: sdkaws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: sdkaws.Int32(443), To: sdkaws.Int32(443)}}
	must[*ec2.CreateNetworkAclEntryOutput](t)(l.a.CreateNetworkAclEntry(ctx, entry))
	_, err := l.a.CreateNetworkAclEntry(ctx, entry)
	wantAPIError(t, err, "NetworkAclEntryAlreadyExists")
	entry.RuleAction = types.RuleActionDeny
	must[*ec2.ReplaceNetworkAclEntryOutput](t)(l.a.ReplaceNetworkAclEntry(ctx, &ec2.ReplaceNetworkAclEntryInput{NetworkAclId: acl.NetworkAclId, RuleNumber: sdkaws.Int32(100), Protocol: sdkaws.String("6"),
		RuleAction: types.RuleActionDeny, Egress: sdkaws.Bool(false), CidrBlock: sdkaws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: sdkaws.Int32(80), To: sdkaws.Int32(80)}}))
	for i := int32(1); i < 20; i++ {
		must[*ec2.CreateNetworkAclEntryOutput](t)(l.a.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: acl.NetworkAclId, RuleNumber: sdkaws.Int32(200 + i), Protocol: sdkaws.String("-1"),
			RuleAction: types.RuleActionAllow, Egress: sdkaws.Bool(false), CidrBlock: sdkaws.String("10.0.0.0/8")}))
	}
	_, err = l.a.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: acl.NetworkAclId, RuleNumber: sdkaws.Int32(300), Protocol: sdkaws.String("-1"),
		RuleAction: types.RuleActionAllow, Egress: sdkaws.Bool(false), CidrBlock: sdkaws.String("10.0.0.0/8")})
	wantAPIError(t, err, "NetworkAclEntryLimitExceeded")
	got := must[*ec2.DescribeNetworkAclsOutput](t)(l.a.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{*acl.NetworkAclId}})).NetworkAcls[0]
	e := got.Entries[0]
	if sdkaws.ToInt32(e.RuleNumber) != 100 || e.RuleAction != types.RuleActionDeny || sdkaws.ToInt32(e.PortRange.From) != 80 || sdkaws.ToString(e.Protocol) != "6" {
		t.Fatalf("replaced entry = %+v", e)
	}
	must[*ec2.DeleteNetworkAclEntryOutput](t)(l.a.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: acl.NetworkAclId, RuleNumber: sdkaws.Int32(100), Egress: sdkaws.Bool(false)}))

	// Move the subnet from the default NACL to ours, the way tools do it.
	def := must[*ec2.DescribeNetworkAclsOutput](t)(l.a.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("association.subnet-id", *sub.SubnetId)}})).NetworkAcls
	if len(def) != 1 || !sdkaws.ToBool(def[0].IsDefault) {
		t.Fatalf("subnet's NACL = %+v, want the default one", def)
	}
	var assocID string
	for _, a := range def[0].Associations {
		if *a.SubnetId == *sub.SubnetId {
			assocID = *a.NetworkAclAssociationId
		}
	}
	must[*ec2.ReplaceNetworkAclAssociationOutput](t)(l.a.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: &assocID, NetworkAclId: acl.NetworkAclId}))
	now := must[*ec2.DescribeNetworkAclsOutput](t)(l.a.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("association.subnet-id", *sub.SubnetId)}})).NetworkAcls
	if len(now) != 1 || *now[0].NetworkAclId != *acl.NetworkAclId {
		t.Fatalf("subnet still on %v", now)
	}
	_, err = l.a.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: acl.NetworkAclId})
	wantAPIError(t, err, "DependencyViolation")
	_, err = l.a.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: def[0].NetworkAclId})
	wantAPIError(t, err, "InvalidParameterValue")
}

func TestDescribeUnknownGroupName(t *testing.T) {
	l := newLab(t)
	mkVpc(t, l.a, "10.0.0.0/16", "x")
	_, err := l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"default", "nope"}})
	wantAPIError(t, err, "InvalidGroup.NotFound")
}
