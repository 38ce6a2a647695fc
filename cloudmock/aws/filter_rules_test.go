package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestSecurityGroupPermissionFilters filters groups by what their rules
// allow, as a script auditing open SSH does.
func TestSecurityGroupPermissionFilters(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "f")
	mk := func(name string) string {
		return *must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: &name, Description: &name, VpcId: vpc.VpcId})).GroupId
	}
	ssh, web := mk("ssh"), mk("web")
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &ssh,
		IpPermissions: []types.IpPermission{{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(22), ToPort: sdkaws.Int32(22), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("0.0.0.0/0")}}}}}))
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &web,
		IpPermissions: []types.IpPermission{{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(443), ToPort: sdkaws.Int32(443), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: &ssh}}}}}))
	for _, tc := range []struct {
		filters []types.Filter
		want    []string
	}{
		{[]types.Filter{filter("ip-permission.from-port", "22"), filter("ip-permission.cidr", "0.0.0.0/0")}, []string{ssh}},
		{[]types.Filter{filter("ip-permission.to-port", "443")}, []string{web}},
		{[]types.Filter{filter("ip-permission.protocol", "6"), filter("vpc-id", *vpc.VpcId)}, []string{ssh, web}},
		{[]types.Filter{filter("ip-permission.group-name", "ssh")}, []string{web}},
		{[]types.Filter{filter("ip-permission.group-id", ssh), filter("ip-permission.user-id", credA.AccountID)}, []string{web}},
		{[]types.Filter{filter("ip-permission.from-port", "80")}, nil},
		// Every new group allows all egress: protocol -1 to 0.0.0.0/0.
		{[]types.Filter{filter("egress.ip-permission.protocol", "-1"), filter("group-name", "web")}, []string{web}},
		{[]types.Filter{filter("ip-permission.ipv6-cidr", "*")}, nil},
	} {
		got := must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: tc.filters}))
		var ids []string
		for _, g := range got.SecurityGroups {
			ids = append(ids, *g.GroupId)
		}
		if !sameSet(ids, tc.want) {
			t.Errorf("filters %s: groups %v, want %v", filterString(tc.filters), ids, tc.want)
		}
	}
}

// TestNetworkACLEntryFilters finds ACLs by their entries.
func TestNetworkACLEntryFilters(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "f")
	acl := *must[*ec2.CreateNetworkAclOutput](t)(l.a.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: vpc.VpcId})).NetworkAcl.NetworkAclId
	must[*ec2.CreateNetworkAclEntryOutput](t)(l.a.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: &acl, RuleNumber: sdkaws.Int32(90),
		Protocol: sdkaws.String("6"), RuleAction: types.RuleActionDeny, Egress: sdkaws.Bool(false), CidrBlock: sdkaws.String("198.51.100.7/32"),
		PortRange: &types.PortRange{From: sdkaws.Int32(22), To: sdkaws.Int32(22)}}))
	for _, tc := range []struct {
		filters []types.Filter
		want    int
	}{
		{[]types.Filter{filter("entry.rule-action", "deny"), filter("entry.cidr", "198.51.100.7/32")}, 1},
		{[]types.Filter{filter("entry.port-range.from", "22"), filter("entry.protocol", "6"), filter("entry.egress", "false")}, 1},
		{[]types.Filter{filter("entry.port-range.to", "23")}, 0},
		// The default ACL allows everything (rule 100) and denies the rest (*).
		{[]types.Filter{filter("entry.rule-action", "allow"), filter("default", "true"), filter("vpc-id", *vpc.VpcId)}, 1},
		{[]types.Filter{filter("entry.icmp.type", "*")}, 0},
	} {
		got := must[*ec2.DescribeNetworkAclsOutput](t)(l.a.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: tc.filters}))
		if len(got.NetworkAcls) != tc.want {
			t.Errorf("filters %s: %d ACLs, want %d", filterString(tc.filters), len(got.NetworkAcls), tc.want)
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		if seen[x]--; seen[x] < 0 {
			return false
		}
	}
	return true
}

func filterString(fs []types.Filter) string {
	s := ""
	for _, f := range fs {
		s += *f.Name + "=" + f.Values[0] + " "
	}
	return s
}
