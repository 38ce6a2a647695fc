package model

import (
	"net/netip"
	"slices"
	"testing"
)

func mustPrefixList(t *testing.T, c *Cloud, max int, cidrs ...string) PrefixList {
	t.Helper()
	var es []PrefixListEntry
	for _, s := range cidrs {
		es = append(es, PrefixListEntry{CIDR: pfx(s), Description: "d " + s})
	}
	p, err := c.CreatePrefixList(acct, PrefixListSpec{Name: "corp", MaxEntries: max, Entries: es})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

func TestPrefixListVersions(t *testing.T) {
	c := newCloud(t)
	empty := mustPrefixList(t, c, 3)
	if empty.Version() != 0 || empty.State != PrefixListCreateComplete {
		t.Fatalf("a list made without entries: version %d state %s, want 0 create-complete", empty.Version(), empty.State)
	}
	// Host bits are cleared, as AWS stores CIDRs canonical.
	p := mustPrefixList(t, c, 3, "10.1.0.1/16")
	if p.Version() != 1 || p.Entries()[0].CIDR != pfx("10.1.0.0/16") {
		t.Fatalf("got version %d entries %v", p.Version(), p.Entries())
	}
	_, err := c.ModifyPrefixList(acct, p.ID, PrefixListChange{CurrentVersion: ptr(int64(2)), Add: []PrefixListEntry{{CIDR: pfx("10.2.0.0/16")}}})
	wantCode(t, err, CodeConflict) // PrefixListVersionMismatch
	_, err = c.ModifyPrefixList(acct, p.ID, PrefixListChange{Add: []PrefixListEntry{{CIDR: pfx("10.2.0.0/16")}}})
	wantCode(t, err, CodeInvalidParameter) // the version is needed to change entries
	p, err = c.ModifyPrefixList(acct, p.ID, PrefixListChange{CurrentVersion: ptr(int64(1)), Add: []PrefixListEntry{{CIDR: pfx("10.2.0.0/16")}}, Remove: []netip.Prefix{pfx("10.1.0.0/16")}})
	if err != nil || p.Version() != 2 || p.State != PrefixListModifyComplete || !slices.Equal(p.CIDRs(), []netip.Prefix{pfx("10.2.0.0/16")}) {
		t.Fatalf("modify: %v, version %d state %s cidrs %v", err, p.Version(), p.State, p.CIDRs())
	}
	_, err = c.ModifyPrefixList(acct, p.ID, PrefixListChange{CurrentVersion: ptr(int64(2)), Remove: []netip.Prefix{pfx("10.9.0.0/16")}})
	wantCode(t, err, CodeInvalidParameter) // InvalidPrefixListModification
	_, err = c.ModifyPrefixList(acct, p.ID, PrefixListChange{CurrentVersion: ptr(int64(2)), Add: []PrefixListEntry{{CIDR: pfx("10.3.0.0/16")}, {CIDR: pfx("10.4.0.0/16")}, {CIDR: pfx("10.5.0.0/16")}}})
	wantCode(t, err, CodeLimitExceeded) // PrefixListMaxEntriesExceeded
	// A name change keeps the version.
	if p, err = c.ModifyPrefixList(acct, p.ID, PrefixListChange{Name: ptr("corp2")}); err != nil || p.Version() != 2 || p.Name != "corp2" {
		t.Fatalf("rename: %v, version %d name %s", err, p.Version(), p.Name)
	}
	old, err := c.PrefixListEntries(acct, p.ID, 1)
	if err != nil || len(old) != 1 || old[0].CIDR != pfx("10.1.0.0/16") || old[0].Description != "d 10.1.0.1/16" {
		t.Fatalf("entries of version 1: %v %v", old, err)
	}
	p, err = c.RestorePrefixListVersion(acct, p.ID, 1, 2)
	if err != nil || p.Version() != 3 || p.State != PrefixListRestoreComplete || p.CIDRs()[0] != pfx("10.1.0.0/16") {
		t.Fatalf("restore: %v, version %d cidrs %v", err, p.Version(), p.CIDRs())
	}
	_, err = c.RestorePrefixListVersion(acct, p.ID, 1, 2)
	wantCode(t, err, CodeConflict)
	// Every version is kept in a snapshot.
	snap, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	back := New()
	if err := back.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if got, err := back.PrefixListEntries(acct, p.ID, 2); err != nil || len(got) != 1 || got[0].CIDR != pfx("10.2.0.0/16") {
		t.Fatalf("restored version 2: %v %v", got, err)
	}
}

func TestPrefixListReferences(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	p := mustPrefixList(t, c, 10, "192.168.1.0/24", "192.168.2.0/24")
	sg, err := c.CreateRuleSet(acct, RuleSetSpec{Flavor: FlavorSecurityGroup, NetworkID: n.ID, Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddRules(acct, FlavorSecurityGroup, sg.ID, []Rule{{Direction: Ingress, Protocol: "tcp", FromPort: 443, ToPort: 443, Peer: Peer{PrefixListID: p.ID}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreatePrefixListRoute(acct, n.MainRouteTableID, p.ID, Target{Kind: TargetBlackhole}); err == nil {
		t.Fatal("a blackhole target was accepted")
	}
	igw, _ := c.CreateInternetGateway(acct, nil)
	if err := c.AttachInternetGateway(acct, igw.ID, n.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.CreatePrefixListRoute(acct, n.MainRouteTableID, p.ID, Target{Kind: TargetInternetGateway, ID: igw.ID}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.CreatePrefixListRoute(acct, n.MainRouteTableID, p.ID, Target{Kind: TargetInternetGateway, ID: igw.ID}), CodeAlreadyExists)
	users, _ := c.PrefixListAssociations(acct, p.ID)
	if len(users) != 2 {
		t.Fatalf("associations: %v, want the route table and the group", users)
	}
	_, err = c.DeletePrefixList(acct, p.ID)
	wantCode(t, err, CodeDependency)
	rt, _ := c.RouteTable(acct, n.MainRouteTableID)
	got := c.ExpandRoutes(rt)
	if len(got) != 3 || got[1].Destination != pfx("192.168.1.0/24") || got[2].Target.ID != igw.ID {
		t.Fatalf("expanded routes: %+v", got)
	}
	// The list's maximum counts against the table's 50 routes.
	_, err = c.ModifyPrefixList(acct, p.ID, PrefixListChange{MaxEntries: ptr(51)})
	wantCode(t, err, CodeLimitExceeded)
	if _, err := c.ModifyPrefixList(acct, p.ID, PrefixListChange{MaxEntries: ptr(50)}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.CreateRoute(acct, n.MainRouteTableID, pfx("172.16.0.0/16"), Target{Kind: TargetInternetGateway, ID: igw.ID}), CodeLimitExceeded)
	if err := c.DeletePrefixListRoute(acct, n.MainRouteTableID, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.RemoveRules(acct, FlavorSecurityGroup, sg.ID, RuleRemoval{Rules: []Rule{{Direction: Ingress, Protocol: "tcp", FromPort: 443, ToPort: 443, Peer: Peer{PrefixListID: p.ID}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePrefixList(acct, p.ID); err != nil {
		t.Fatal(err)
	}
}

func TestGatewayEndpoint(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	svc, ok := ServiceByName("us-east-1", "com.amazonaws.us-east-1.s3")
	if !ok || !ServiceSpace.Contains(svc.Addr) {
		t.Fatalf("S3 of us-east-1: %+v %v", svc, ok)
	}
	_, err := c.CreateVPCEndpoint(acct, EndpointSpec{NetworkID: n.ID, Type: EndpointGateway, ServiceName: "com.amazonaws.us-east-1.ec2"})
	wantCode(t, err, CodeNotFound)
	e, err := c.CreateVPCEndpoint(acct, EndpointSpec{NetworkID: n.ID, Type: EndpointGateway, ServiceName: svc.Name, RouteTableIDs: []string{n.MainRouteTableID}})
	if err != nil {
		t.Fatal(err)
	}
	if e.Policy != DefaultEndpointPolicy || !slices.Equal(e.RouteTableIDs, []string{n.MainRouteTableID}) {
		t.Fatalf("endpoint: %+v", e)
	}
	rt, _ := c.RouteTable(acct, n.MainRouteTableID)
	routes := c.ExpandRoutes(rt)
	if last := routes[len(routes)-1]; last.Destination != pfx(svc.Addr.String()+"/32") || last.Target.Kind != TargetVPCEndpoint || last.State != RouteActive {
		t.Fatalf("endpoint route: %+v", last)
	}
	wantCode(t, c.DeletePrefixListRoute(acct, n.MainRouteTableID, svc.PrefixListID), CodeInvalidParameter)
	wantCode(t, c.DeleteNetwork(acct, n.ID), CodeDependency)
	other, _ := c.CreateRouteTable(acct, n.ID, nil)
	e, err = c.ModifyVPCEndpoint(acct, e.ID, EndpointChange{AddRouteTables: []string{other.ID}, RemoveRouteTables: []string{n.MainRouteTableID}, Policy: ptr(`{"Statement":[]}`)})
	if err != nil || !slices.Equal(e.RouteTableIDs, []string{other.ID}) || e.Policy != `{"Statement":[]}` {
		t.Fatalf("modify: %v %+v", err, e)
	}
	_, err = c.ModifyVPCEndpoint(acct, e.ID, EndpointChange{Policy: ptr("{")})
	wantCode(t, err, CodeInvalidParameter)
	if e, _ = c.ModifyVPCEndpoint(acct, e.ID, EndpointChange{ResetPolicy: true}); e.Policy != DefaultEndpointPolicy {
		t.Fatalf("reset policy: %s", e.Policy)
	}
	snap, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	back := New()
	if err := back.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if got, err := back.VPCEndpoint(acct, e.ID); err != nil || !slices.Equal(got.RouteTableIDs, []string{other.ID}) {
		t.Fatalf("restored endpoint: %+v %v", got, err)
	}
	if err := c.DeleteVPCEndpoint(acct, e.ID); err != nil {
		t.Fatal(err)
	}
	if rt, _ := c.RouteTable(acct, other.ID); len(rt.Routes) != 1 {
		t.Fatalf("routes left after the endpoint's deletion: %+v", rt.Routes)
	}
}

func TestInterfaceEndpoint(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	a, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "us-east-1a", nil)
	a2, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.2.0/24"), "us-east-1a", nil)
	_, err := c.CreateVPCEndpoint(acct, EndpointSpec{NetworkID: n.ID, Type: EndpointInterface, ServiceName: "com.amazonaws.us-east-1.sts", SubnetIDs: []string{a.ID, a2.ID}})
	wantCode(t, err, CodeDuplicate) // DuplicateSubnetsInSameZone
	e, err := c.CreateVPCEndpoint(acct, EndpointSpec{NetworkID: n.ID, Type: EndpointInterface, ServiceName: "com.amazonaws.us-east-1.sts", SubnetIDs: []string{a.ID}, PrivateDNS: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.NetworkInterfaceIDs) != 1 || !slices.Equal(e.SecurityGroupIDs, []string{n.DefaultSecurityGroupID}) {
		t.Fatalf("endpoint: %+v", e)
	}
	if addrs := c.EndpointAddrs(acct, e.ID); len(addrs) != 1 || !a.Prefix.Contains(addrs[0]) {
		t.Fatalf("endpoint addresses: %v", addrs)
	}
	wantCode(t, c.DeleteSubnet(acct, a.ID), CodeDependency)
	// Move it to another zone's subnet, with a group of its own.
	b, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.3.0/24"), "us-east-1b", nil)
	sg, _ := c.CreateRuleSet(acct, RuleSetSpec{Flavor: FlavorSecurityGroup, NetworkID: n.ID, Name: "vpce"})
	_, err = c.ModifyVPCEndpoint(acct, e.ID, EndpointChange{AddSubnets: []string{a2.ID}})
	wantCode(t, err, CodeDuplicate) // a2 is in a's zone
	e, err = c.ModifyVPCEndpoint(acct, e.ID, EndpointChange{AddSubnets: []string{b.ID}, RemoveSubnets: []string{a.ID},
		AddGroups: []string{sg.ID}, RemoveGroups: []string{n.DefaultSecurityGroupID}})
	if err != nil || !slices.Equal(e.SubnetIDs, []string{b.ID}) || len(e.NetworkInterfaceIDs) != 1 || !slices.Equal(e.SecurityGroupIDs, []string{sg.ID}) {
		t.Fatalf("modify: %v %+v", err, e)
	}
	if enis := c.NetworkInterfaces(acct); len(enis) != 1 || enis[0].SubnetID != b.ID || !slices.Equal(enis[0].SecurityGroupIDs, []string{sg.ID}) {
		t.Fatalf("interfaces after the move: %+v", enis)
	}
	if err := c.DeleteSubnet(acct, a.ID); err != nil {
		t.Fatalf("the subnet the endpoint left: %v", err)
	}
	if err := c.DeleteVPCEndpoint(acct, e.ID); err != nil {
		t.Fatal(err)
	}
	if len(c.NetworkInterfaces(acct)) != 0 {
		t.Fatalf("interfaces left: %v", c.NetworkInterfaces(acct))
	}
}
