package aws_test

import (
	"errors"
	"maps"
	"net/netip"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// ReadEnd reads an instance's security groups with their rule IDs, its
// subnet's route table (the learned and static routes with their kinds)
// and its subnet's network ACL, entries added by another client
// included; an unknown key is an error naming it.
func TestReadEnd(t *testing.T) {
	e := newEnv(t)
	inv, _ := e.apply(t, lab())
	if _, err := e.p.SyncRoutes(ctx, "prod-vpc/app", map[netip.Prefix]string{pfx("10.9.0.0/16"): "gw1"}); err != nil {
		t.Fatal(err)
	}
	acls, err := e.ec2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{
		{Name: sdkaws.String("association.subnet-id"), Values: []string{inv.Subnets["prod-vpc/app"]}}}})
	if err != nil || len(acls.NetworkAcls) != 1 {
		t.Fatalf("describe network ACL: %v %+v", err, acls)
	}
	acl := sdkaws.ToString(acls.NetworkAcls[0].NetworkAclId)
	if _, err := e.ec2.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: &acl, RuleNumber: sdkaws.Int32(50),
		Protocol: sdkaws.String("6"), PortRange: &types.PortRange{From: sdkaws.Int32(22), To: sdkaws.Int32(22)},
		CidrBlock: sdkaws.String("10.2.0.0/16"), RuleAction: types.RuleActionDeny, Egress: sdkaws.Bool(false)}); err != nil {
		t.Fatal(err)
	}

	end, err := e.p.ReadEnd(ctx, "app1")
	if err != nil {
		t.Fatal(err)
	}
	app := inv.Instances["app1"]
	if end.Instance != app.ID || end.Address != app.PrivateIP || end.Subnet != inv.Subnets["prod-vpc/app"] || end.SubnetCIDR != pfx("10.1.1.0/24") {
		t.Errorf("end %+v, want %s at %s in %s", end, app.ID, app.PrivateIP, inv.Subnets["prod-vpc/app"])
	}
	if len(end.Groups) != 1 || end.Groups[0].ID != inv.Groups["web"] || len(end.Groups[0].Ingress) != 2 || len(end.Groups[0].Egress) != 1 {
		t.Fatalf("groups %+v, want web with 2 ingress rules and the default egress rule", end.Groups)
	}
	for _, r := range append(end.Groups[0].Ingress, end.Groups[0].Egress...) {
		if !strings.HasPrefix(r.ID, "sgr-") {
			t.Errorf("rule %+v has no security group rule ID", r)
		}
	}
	if r := end.Groups[0].Egress[0]; r.Protocol != cloud.ProtocolAll || r.Source != pfx("0.0.0.0/0") {
		t.Errorf("egress %+v, want all to 0.0.0.0/0", r)
	}
	kinds := map[string]cloud.RouteKind{}
	for _, r := range end.Table.Routes {
		kinds[r.Destination.String()] = r.Kind
	}
	want := map[string]cloud.RouteKind{"10.1.0.0/16": cloud.RouteLocal, "10.9.0.0/16": cloud.RouteInstance, "192.168.0.0/16": cloud.RoutePrivateLine}
	if end.Table.ID != inv.RouteTables["prod-vpc/app"] || !maps.Equal(kinds, want) {
		t.Errorf("route table %s %v, want %s %v", end.Table.ID, kinds, inv.RouteTables["prod-vpc/app"], want)
	}
	if r := end.Table.Lookup(pfx("10.9.1.1/32").Addr()); r == nil || r.Target != inv.Instances["gw1"].Interface {
		t.Errorf("lookup 10.9.1.1: %+v, want gw1's interface", r)
	}
	if end.ACL == nil || end.ACL.ID != acl {
		t.Fatalf("ACL %+v, want %s", end.ACL, acl)
	}
	var found bool
	for _, x := range end.ACL.Inbound {
		found = found || (x.Number == 50 && !x.Allow && x.Protocol == cloud.ProtocolTCP && x.FromPort == 22 && x.Source == pfx("10.2.0.0/16"))
	}
	if !found {
		t.Errorf("inbound entries %+v, want rule 50 deny tcp 22 from 10.2.0.0/16", end.ACL.Inbound)
	}

	if _, err := e.p.ReadEnd(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "instance nope") {
		t.Errorf("ReadEnd(nope) = %v, want an error naming instance nope", err)
	} else if errors.Unwrap(err) == nil {
		t.Errorf("ReadEnd(nope) = %v, want a wrapped error", err)
	}
}
