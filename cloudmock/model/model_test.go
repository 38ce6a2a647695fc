package model

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

const acct = "111111111111"

func newCloud(t *testing.T) *Cloud {
	t.Helper()
	c := New()
	c.AddAccount(Account{ID: acct, Limits: DefaultLimits()})
	return c
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	if CodeOf(err) != code {
		t.Fatalf("got error %v (code %q), want code %q", err, CodeOf(err), code)
	}
}

func mustNetwork(t *testing.T, c *Cloud, cidr string) Network {
	t.Helper()
	n, err := c.CreateNetwork(acct, pfx(cidr), map[string]string{"Name": "n"})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIDsLookLikeAWS(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	if len(n.ID) != len("vpc-")+17 || !strings.HasPrefix(n.ID, "vpc-") {
		t.Fatalf("network ID %q: want vpc- and 17 hex digits", n.ID)
	}
}

func TestNetworkPrefixSizes(t *testing.T) {
	c := newCloud(t)
	for _, tc := range []struct {
		cidr string
		code Code
	}{
		{"10.0.0.0/16", ""}, {"10.1.0.0/28", ""}, {"10.0.0.0/15", CodeInvalidRange},
		{"10.2.0.0/29", CodeInvalidRange}, {"10.3.0.1/16", CodeInvalidParameter},
	} {
		_, err := c.CreateNetwork(acct, pfx(tc.cidr), nil)
		if CodeOf(err) != tc.code {
			t.Errorf("CreateNetwork(%s): got %v, want code %q", tc.cidr, err, tc.code)
		}
	}
}

func TestNetworkDefaults(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	rt, err := c.RouteTable(acct, n.MainRouteTableID)
	if err != nil {
		t.Fatal(err)
	}
	if !rt.Main() || len(rt.Routes) != 1 || rt.Routes[0].Target.Kind != TargetLocal || rt.Routes[0].Destination != pfx("10.0.0.0/16") {
		t.Fatalf("main table = %+v, want main with one local route for 10.0.0.0/16", rt)
	}
	acl, err := c.RuleSet(acct, FlavorNetworkACL, n.DefaultNetworkACLID)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(acl.Rules)
	if len(acl.Rules) != 4 || acl.Rules[0].Priority != 100 || acl.Rules[0].Action != Allow || acl.Rules[1].Priority != DefaultDenyRuleNumber ||
		acl.Rules[1].Action != Deny || !acl.Rules[0].Stateless || !acl.Default {
		t.Fatalf("default ACL rules = %s, want 100 allow + 32767 deny per direction, stateless", got)
	}
	sg, err := c.RuleSet(acct, FlavorSecurityGroup, n.DefaultSecurityGroupID)
	if err != nil {
		t.Fatal(err)
	}
	if sg.Name != "default" || len(sg.In()) != 1 || sg.In()[0].Peer.RuleSetID != sg.ID || len(sg.Out()) != 1 || sg.Out()[0].Peer.Prefix != pfx("0.0.0.0/0") || sg.Out()[0].Stateless {
		t.Fatalf("default group = %+v", sg)
	}
	if !n.DNSSupport || n.DNSHostnames {
		t.Fatalf("DNS support/hostnames = %v/%v, want true/false", n.DNSSupport, n.DNSHostnames)
	}
}

func TestSecondaryCIDRs(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	_, err := c.AddNetworkCIDR(acct, n.ID, pfx("10.0.128.0/17"))
	wantCode(t, err, CodeConflict)
	_, err = c.AddNetworkCIDR(acct, n.ID, pfx("192.168.0.0/16"))
	wantCode(t, err, CodeInvalidRange)
	for i := 1; i <= 4; i++ {
		if _, err := c.AddNetworkCIDR(acct, n.ID, pfx(fmt.Sprintf("10.%d.0.0/16", i))); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.AddNetworkCIDR(acct, n.ID, pfx("10.9.0.0/16"))
	wantCode(t, err, CodeLimitExceeded)
	rt, _ := c.RouteTable(acct, n.MainRouteTableID)
	if len(rt.Routes) != 5 {
		t.Fatalf("main table has %d routes, want a local route per CIDR (5)", len(rt.Routes))
	}
}

func TestSubnetRules(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, err := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "us-east-1a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.AvailableIPs != 256-5 {
		t.Fatalf("available IPs = %d, want 251 (5 reserved)", s.AvailableIPs)
	}
	_, err = c.CreateSubnet(acct, n.ID, pfx("10.0.1.128/25"), "", nil)
	wantCode(t, err, CodeConflict)
	_, err = c.CreateSubnet(acct, n.ID, pfx("10.1.0.0/24"), "", nil)
	wantCode(t, err, CodeInvalidRange)
	_, err = c.CreateSubnet(acct, n.ID, pfx("10.0.2.0/29"), "", nil)
	wantCode(t, err, CodeInvalidRange)
	if _, err := c.CreateSubnet(acct, n.ID, pfx("10.0.2.0/28"), "", nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.DeleteNetwork(acct, n.ID), CodeDependency)
}

func TestReservedAddresses(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.0.0/28"), "", nil)
	insts, err := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, Count: 11})
	if err != nil {
		t.Fatal(err)
	}
	if insts[0].PrivateIP != netip.MustParseAddr("10.0.0.4") || insts[10].PrivateIP != netip.MustParseAddr("10.0.0.14") {
		t.Fatalf("addresses %v..%v, want 10.0.0.4..10.0.0.14", insts[0].PrivateIP, insts[10].PrivateIP)
	}
	_, err = c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, Count: 1})
	wantCode(t, err, CodeLimitExceeded)
	for _, ip := range []string{"10.0.0.1", "10.0.0.3", "10.0.0.15"} {
		s2, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/28"), "", nil)
		_, err = c.RunInstances(acct, LaunchSpec{SubnetID: s2.ID, Count: 1, PrivateIP: netip.MustParseAddr(strings.Replace(ip, "10.0.0", "10.0.1", 1))})
		wantCode(t, err, CodeInvalidParameter)
		_ = c.DeleteSubnet(acct, s2.ID)
	}
	wantCode(t, c.DeleteSubnet(acct, s.ID), CodeDependency)
	var ids []string
	for _, i := range insts {
		ids = append(ids, i.ID)
	}
	if _, err := c.TerminateInstances(acct, ids); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Subnet(acct, s.ID)
	if got.AvailableIPs != 11 {
		t.Fatalf("after terminate available = %d, want 11", got.AvailableIPs)
	}
}

func TestLocalRoute(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	igw, _ := c.CreateInternetGateway(acct, nil)
	if err := c.AttachInternetGateway(acct, igw.ID, n.ID); err != nil {
		t.Fatal(err)
	}
	rtID := n.MainRouteTableID
	tgt := Target{Kind: TargetInternetGateway, ID: igw.ID}
	wantCode(t, c.CreateRoute(acct, rtID, pfx("10.0.0.0/16"), tgt), CodeAlreadyExists)
	wantCode(t, c.DeleteRoute(acct, rtID, pfx("10.0.0.0/16")), CodeInvalidParameter)
	wantCode(t, c.ReplaceRoute(acct, rtID, pfx("10.0.0.0/16"), tgt), CodeInvalidParameter)
	s, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "", nil)
	insts, _ := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, Count: 1})
	if err := c.CreateRoute(acct, rtID, pfx("10.0.1.0/24"), Target{Kind: TargetNetworkInterface, ID: insts[0].NetworkInterfaceID}); err != nil {
		t.Fatalf("more specific than local: %v", err)
	}
	if err := c.CreateRoute(acct, rtID, pfx("0.0.0.0/0"), tgt); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.CreateRoute(acct, rtID, pfx("0.0.0.0/0"), tgt), CodeAlreadyExists)
	wantCode(t, c.DeleteRoute(acct, rtID, pfx("192.0.2.0/24")), CodeNotFound)
	wantCode(t, c.CreateRoute(acct, rtID, pfx("192.0.2.0/24"), Target{Kind: TargetInternetGateway, ID: "igw-00000000000000000"}), CodeNotFound)
	if err := c.DetachInternetGateway(acct, igw.ID, n.ID); err != nil {
		t.Fatal(err)
	}
	rt, _ := c.RouteTable(acct, rtID)
	for _, r := range rt.Routes {
		if r.Destination == pfx("0.0.0.0/0") && r.State != RouteBlackhole {
			t.Fatalf("route to detached gateway is %s, want blackhole", r.State)
		}
	}
}

func TestRouteLimit(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	igw, _ := c.CreateInternetGateway(acct, nil)
	_ = c.AttachInternetGateway(acct, igw.ID, n.ID)
	tgt := Target{Kind: TargetInternetGateway, ID: igw.ID}
	for i := range 50 {
		if err := c.CreateRoute(acct, n.MainRouteTableID, pfx(fmt.Sprintf("192.168.%d.0/24", i)), tgt); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, c.CreateRoute(acct, n.MainRouteTableID, pfx("192.168.99.0/24"), tgt), CodeLimitExceeded)
}

func TestRouteTableAssociations(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "", nil)
	rt, _ := c.CreateRouteTable(acct, n.ID, nil)
	got, _ := c.RouteTableForSubnet(acct, s.ID)
	if got.ID != n.MainRouteTableID {
		t.Fatalf("unassociated subnet uses %s, want main %s", got.ID, n.MainRouteTableID)
	}
	a, err := c.AssociateRouteTable(acct, rt.ID, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AssociateRouteTable(acct, n.MainRouteTableID, s.ID)
	wantCode(t, err, CodeAlreadyAssociated)
	wantCode(t, c.DeleteRouteTable(acct, rt.ID), CodeDependency)
	if err := c.DisassociateRouteTable(acct, a.ID); err != nil {
		t.Fatal(err)
	}
	main, _ := c.RouteTable(acct, n.MainRouteTableID)
	wantCode(t, c.DisassociateRouteTable(acct, main.Associations[0].ID), CodeInvalidParameter)
	na, err := c.ReplaceRouteTableAssociation(acct, main.Associations[0].ID, rt.ID)
	if err != nil || !na.Main {
		t.Fatalf("replace main association: %+v %v", na, err)
	}
	nn, _ := c.Network(acct, n.ID)
	if nn.MainRouteTableID != rt.ID {
		t.Fatalf("main table = %s, want %s", nn.MainRouteTableID, rt.ID)
	}
}

func TestSecurityGroupRules(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	sg, err := c.CreateRuleSet(acct, RuleSetSpec{Flavor: FlavorSecurityGroup, NetworkID: n.ID, Name: "web", Description: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sg.In()) != 0 || len(sg.Out()) != 1 {
		t.Fatalf("new group: %d in / %d out rules, want 0/1", len(sg.In()), len(sg.Out()))
	}
	_, err = c.CreateRuleSet(acct, RuleSetSpec{Flavor: FlavorSecurityGroup, NetworkID: n.ID, Name: "web", Description: "again"})
	wantCode(t, err, CodeDuplicate)
	r := Rule{Direction: Ingress, Protocol: "6", FromPort: 443, ToPort: 443, Peer: Peer{Prefix: pfx("0.0.0.0/0")}}
	if _, err := c.AddRules(acct, FlavorSecurityGroup, sg.ID, []Rule{r}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AddRules(acct, FlavorSecurityGroup, sg.ID, []Rule{r})
	wantCode(t, err, CodeDuplicate)
	var many []Rule
	for i := range 60 {
		many = append(many, Rule{Direction: Ingress, Protocol: "tcp", FromPort: 1000 + i, ToPort: 1000 + i, Peer: Peer{Prefix: pfx("10.0.0.0/8")}})
	}
	_, err = c.AddRules(acct, FlavorSecurityGroup, sg.ID, many)
	wantCode(t, err, CodeLimitExceeded)
	if got, _ := c.RuleSet(acct, FlavorSecurityGroup, sg.ID); len(got.In()) != 1 || got.In()[0].Action != Allow {
		t.Fatalf("failed add changed the group: %d rules", len(got.In()))
	}
	removed, unknown, err := c.RemoveRules(acct, FlavorSecurityGroup, sg.ID, RuleRemoval{Rules: []Rule{r, {Direction: Ingress, Protocol: "udp", FromPort: 53, ToPort: 53, Peer: Peer{Prefix: pfx("0.0.0.0/0")}}}})
	if err != nil || len(removed) != 1 || len(unknown) != 1 {
		t.Fatalf("remove: %d removed, %d unknown, %v", len(removed), len(unknown), err)
	}
	wantCode(t, c.DeleteRuleSet(acct, FlavorSecurityGroup, n.DefaultSecurityGroupID), CodeCannotDelete)
	acl, _ := c.RuleSet(acct, FlavorNetworkACL, n.DefaultNetworkACLID)
	wantCode(t, c.DeleteRuleSet(acct, FlavorSecurityGroup, acl.ID), CodeNotFound) // a set of another flavour
	s, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "", nil)
	if _, err := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, Count: 1, SecurityGroupIDs: []string{sg.ID}}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.DeleteRuleSet(acct, FlavorSecurityGroup, sg.ID), CodeDependency)
}

func TestNetworkACLRules(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	acl, err := c.CreateRuleSet(acct, RuleSetSpec{Flavor: FlavorNetworkACL, NetworkID: n.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(acl.Rules) != 2 || acl.Rules[0].Action != Deny {
		t.Fatalf("custom ACL rules = %+v, want only the * deny per direction", acl.Rules)
	}
	add := func(e Rule) error { _, err := c.AddRules(acct, FlavorNetworkACL, acl.ID, []Rule{e}); return err }
	e := Rule{Direction: Ingress, Priority: 100, Protocol: "tcp", Action: Allow, Peer: Peer{Prefix: pfx("0.0.0.0/0")}, FromPort: 80, ToPort: 80}
	if err := add(e); err != nil {
		t.Fatal(err)
	}
	wantCode(t, add(e), CodeAlreadyExists)
	e.Direction = Egress
	if err := add(e); err != nil {
		t.Fatalf("same number in the other direction: %v", err)
	}
	for i := 1; i < 20; i++ {
		if err := add(Rule{Direction: Ingress, Priority: 200 + i, Action: Deny, Protocol: "-1", Peer: Peer{Prefix: pfx("10.0.0.0/8")}}); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, add(Rule{Direction: Ingress, Priority: 300, Action: Deny, Protocol: "-1", Peer: Peer{Prefix: pfx("10.0.0.0/8")}}), CodeLimitExceeded)
	wantCode(t, add(Rule{Direction: Ingress, Priority: 32767, Action: Deny, Protocol: "-1", Peer: Peer{Prefix: pfx("10.0.0.0/8")}}), CodeInvalidParameter)
	wantCode(t, c.DeleteRule(acct, FlavorNetworkACL, acl.ID, Ingress, DefaultDenyRuleNumber), CodeInvalidParameter)
	wantCode(t, c.DeleteRuleSet(acct, FlavorNetworkACL, n.DefaultNetworkACLID), CodeCannotDelete)
	got, _ := c.RuleSet(acct, FlavorNetworkACL, acl.ID)
	if in := got.In(); in[0].Priority != 100 || in[len(in)-1].Priority != DefaultDenyRuleNumber || !in[0].Stateless {
		t.Fatalf("ACL rules not in number order or not stateless: %+v", in)
	}
	s, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "", nil)
	def, _ := c.RuleSet(acct, FlavorNetworkACL, n.DefaultNetworkACLID)
	if len(def.Attachments) != 1 || def.Attachments[0].TargetID != s.ID || def.Attachments[0].Kind != OnSubnet {
		t.Fatalf("new subnet not attached to the default ACL: %+v", def.Attachments)
	}
	if _, err := c.ReplaceRuleSetAttachment(acct, FlavorNetworkACL, def.Attachments[0].ID, acl.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.DeleteRuleSet(acct, FlavorNetworkACL, acl.ID), CodeDependency)
}

func TestInternetGatewayAttachment(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	g1, _ := c.CreateInternetGateway(acct, nil)
	g2, _ := c.CreateInternetGateway(acct, nil)
	if err := c.AttachInternetGateway(acct, g1.ID, n.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.AttachInternetGateway(acct, g2.ID, n.ID), CodeAlreadyAssociated)
	wantCode(t, c.DeleteInternetGateway(acct, g1.ID), CodeDependency)
	wantCode(t, c.DeleteNetwork(acct, n.ID), CodeDependency)
	wantCode(t, c.DetachInternetGateway(acct, g2.ID, n.ID), CodeNotAssociated)
}

func TestAccountsAreIsolated(t *testing.T) {
	c := newCloud(t)
	c.AddAccount(Account{ID: "222222222222", Limits: DefaultLimits()})
	n := mustNetwork(t, c, "10.0.0.0/16")
	if _, err := c.Network("222222222222", n.ID); CodeOf(err) != CodeNotFound {
		t.Fatalf("other account sees network: %v", err)
	}
	if got := c.Networks("222222222222"); len(got) != 0 {
		t.Fatalf("other account lists %d networks", len(got))
	}
	wantCode(t, c.SetTags("222222222222", []string{n.ID}, map[string]string{"a": "b"}), CodeNotFound)
}

func TestSourceDestCheck(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "", nil)
	insts, _ := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, Count: 1})
	if !insts[0].SourceDestCheck {
		t.Fatal("source/dest check should default to on")
	}
	if err := c.SetSourceDestCheck(acct, insts[0].ID, false); err != nil {
		t.Fatal(err)
	}
	if got := c.Instances(acct); got[0].SourceDestCheck {
		t.Fatal("source/dest check still on")
	}
}

func TestPeeringRules(t *testing.T) {
	c := newCloud(t)
	c.AddAccount(Account{ID: "222222222222", Limits: DefaultLimits()})
	a := mustNetwork(t, c, "10.0.0.0/16")
	b, _ := c.CreateNetwork("222222222222", pfx("10.1.0.0/16"), nil)
	o := mustNetwork(t, c, "10.0.0.0/20")
	_, err := c.RequestPeering(acct, a.ID, acct, o.ID, nil)
	wantCode(t, err, CodeConflict)
	p, err := c.RequestPeering(acct, a.ID, "222222222222", b.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AcceptPeering(acct, p.ID)
	wantCode(t, err, CodeIncorrectState)
	if p, err = c.AcceptPeering("222222222222", p.ID); err != nil || p.State != PeeringActive {
		t.Fatalf("accept: %+v %v", p, err)
	}
}

func TestEventsInCommitOrder(t *testing.T) {
	c := newCloud(t)
	lim := DefaultLimits()
	if err := lim.Raise("vpcs-per-region", 8); err != nil { // 8 concurrent creates
		t.Fatal(err)
	}
	c.AddAccount(Account{ID: acct, Limits: lim})
	var mu sync.Mutex
	var got []Event
	sub := c.Subscribe(func(e Event) { mu.Lock(); got = append(got, e); mu.Unlock() })
	defer sub.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { _, _ = c.CreateNetwork(acct, pfx(fmt.Sprintf("10.%d.0.0/16", i)), nil) })
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 8*4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	nets := 0
	for i, e := range got {
		if i > 0 && e.Seq <= got[i-1].Seq {
			t.Fatalf("event %d seq %d after %d: out of order", i, e.Seq, got[i-1].Seq)
		}
		if e.Kind == KindNetwork && e.Op == OpCreate {
			nets++
		}
	}
	if nets != 8 || len(got) != 32 {
		t.Fatalf("got %d events, %d network creates; want 32 and 8", len(got), nets)
	}
}

func TestDeleteNetworkDeletesPeering(t *testing.T) {
	c := newCloud(t)
	a := mustNetwork(t, c, "10.0.0.0/16")
	b := mustNetwork(t, c, "10.1.0.0/16")
	p, _ := c.RequestPeering(acct, a.ID, "", b.ID, nil)
	if err := c.DeleteNetwork(acct, b.ID); err != nil {
		t.Fatal(err)
	}
	if got := c.Peerings(acct); got[0].ID != p.ID || got[0].State != PeeringDeleted {
		t.Fatalf("peering after network delete = %+v, want deleted", got)
	}
}

func TestTagsAreCopied(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	tags := map[string]string{"a": "1"}
	rt, _ := c.CreateRouteTable(acct, n.ID, tags)
	tags["a"] = "changed"
	if got, _ := c.RouteTable(acct, rt.ID); got.Tags["a"] != "1" {
		t.Fatalf("model kept the caller's map: tag a = %q", got.Tags["a"])
	}
}

func TestTagLimit(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16") // has the Name tag
	tags := map[string]string{}
	for i := range 49 {
		tags[fmt.Sprint("k", i)] = "v"
	}
	if err := c.SetTags(acct, []string{n.ID}, tags); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.SetTags(acct, []string{n.ID}, map[string]string{"one-more": "v"}), CodeLimitExceeded)
	if err := c.SetTags(acct, []string{n.ID}, map[string]string{"k1": "overwrite"}); err != nil {
		t.Fatalf("overwriting a tag at the limit: %v", err)
	}
}
