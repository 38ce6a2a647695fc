package model

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// populated returns a cloud with objects of many kinds, tags and a raised
// limit.
func populated(t *testing.T) *Cloud {
	t.Helper()
	c := New()
	lim := DefaultLimits()
	if err := lim.Raise("vpcs-per-region", 9); err != nil {
		t.Fatal(err)
	}
	c.AddAccount(Account{ID: acct, Limits: lim})
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, err := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "us-east-1a", map[string]string{"tier": "web"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.CreateRuleSet(acct, RuleSetSpec{Flavor: FlavorSecurityGroup, NetworkID: n.ID, Name: "web", Description: "web servers", Tags: map[string]string{"Name": "web"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddRules(acct, FlavorSecurityGroup, g.ID, []Rule{{Direction: Ingress, Protocol: "tcp", FromPort: 443, ToPort: 443, Peer: Peer{Prefix: pfx("0.0.0.0/0")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, ImageID: "ami-1", Type: "t3.micro", Count: 2, SecurityGroupIDs: []string{g.ID}, Tags: map[string]string{"role": "app"}}); err != nil {
		t.Fatal(err)
	}
	populateRuleSets(t, c, n, s)
	igw, err := c.CreateInternetGateway(acct, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AttachInternetGateway(acct, igw.ID, n.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AllocateAddress(acct, map[string]string{"eip": "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTransitGateway(acct, TransitGatewayOptions{ASN: 64600, DefaultAssociation: true}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ProvisionDXConnection(acct, "line1", nil); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSnapshotRestoreKeepsEverything(t *testing.T) {
	c := populated(t)
	b, seq, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if seq != c.Seq() || seq == 0 {
		t.Fatalf("Snapshot seq %d, cloud Seq %d", seq, c.Seq())
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	if r.Seq() != seq {
		t.Errorf("restored Seq %d, want %d", r.Seq(), seq)
	}
	b2, _, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Errorf("the restored cloud's snapshot differs:\n%s\n%s", b, b2)
	}
	for name, get := range map[string]func(*Cloud) any{
		"accounts":  func(c *Cloud) any { return c.Accounts() },
		"networks":  func(c *Cloud) any { return c.Networks(acct) },
		"subnets":   func(c *Cloud) any { return c.Subnets(acct) },
		"ruleSets":  func(c *Cloud) any { return c.RuleSets(acct, "") },
		"instances": func(c *Cloud) any { return c.Instances(acct) },
		"enis":      func(c *Cloud) any { return c.NetworkInterfaces(acct) },
		"tables":    func(c *Cloud) any { return c.RouteTables(acct) },
		"eips":      func(c *Cloud) any { return c.ElasticIPs(acct) },
		"dx":        func(c *Cloud) any { return c.DXConnections(acct) },
		"tags":      func(c *Cloud) any { return c.Tags(acct) },
	} {
		if a, b := get(c), get(r); !reflect.DeepEqual(a, b) {
			t.Errorf("%s differ after restore:\n got  %+v\n want %+v", name, b, a)
		}
	}
	// The restored cloud goes on: a new network gets a new ID, the raised
	// quota still holds, and a subscriber sees Seq rise from the restored one.
	events := make(chan Event, 10)
	sub := r.Subscribe(func(e Event) { events <- e })
	defer sub.Close()
	n2, err := r.CreateNetwork(acct, pfx("10.1.0.0/16"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Networks(acct) {
		if n.ID == n2.ID {
			t.Fatalf("new network got the old ID %s", n.ID)
		}
	}
	if e := <-events; e.Seq != seq+1 {
		t.Errorf("first event after restore has Seq %d, want %d", e.Seq, seq+1)
	}
	if a, _ := r.Account(acct); a.Limits.NetworksPerRegion != 9 {
		t.Errorf("restored VPC quota %d, want 9", a.Limits.NetworksPerRegion)
	}
	// The line provisioned again by name is the same one.
	x, err := r.ProvisionDXConnection(acct, "line1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if x.ID != c.DXConnections(acct)[0].ID {
		t.Errorf("line1 provisioned again got ID %s, want %s", x.ID, c.DXConnections(acct)[0].ID)
	}
}

func TestRestoreRefusesOtherVersionsAndDamage(t *testing.T) {
	b, _, err := populated(t).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	other := bytes.Replace(b, []byte(`"version":`+strconv.Itoa(SnapshotVersion)), []byte(`"version":99`), 1)
	r := New()
	if err := r.Restore(other); !errors.Is(err, ErrSnapshotVersion) || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("restore of version 99: got %v, want ErrSnapshotVersion naming 99", err)
	}
	if err := r.Restore(b[:len(b)/2]); err == nil {
		t.Error("restore of half a snapshot succeeded")
	}
	unknown := bytes.Replace(b, []byte(`"seq":`), []byte(`"extra":1,"seq":`), 1)
	if err := r.Restore(unknown); err == nil || !strings.Contains(err.Error(), "extra") {
		t.Errorf("restore with an unknown field: got %v", err)
	}
	if len(r.Accounts()) != 0 {
		t.Errorf("a failed restore left %d accounts", len(r.Accounts()))
	}
}

// populateRuleSets adds rule sets of the flavours without a front-end (an
// NSG with a deny above an allow attached to the subnet, and firewall rules
// attached to the network's instances tagged "web"), and a route table with
// a priority route that applies to the instances tagged "web".
func populateRuleSets(t *testing.T, c *Cloud, n Network, s Subnet) {
	t.Helper()
	nsg, err := c.CreateRuleSet(acct, RuleSetSpec{Flavor: FlavorNSG, NetworkID: n.ID, Name: "nsg1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddRules(acct, FlavorNSG, nsg.ID, []Rule{
		{Direction: Ingress, Priority: 100, Action: Deny, Protocol: "tcp", FromPort: 22, ToPort: 22, Peer: Peer{ServiceTag: "Internet"}},
		{Direction: Ingress, Priority: 200, Action: Allow, Protocol: "-1", Peer: Peer{Prefix: pfx("0.0.0.0/0")}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRuleSet(acct, FlavorNSG, nsg.ID, Attachment{Kind: OnSubnet, TargetID: s.ID}); err != nil {
		t.Fatal(err)
	}
	fw, err := c.CreateRuleSet(acct, RuleSetSpec{Flavor: FlavorFirewall, NetworkID: n.ID, Name: "allow-web"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddRules(acct, FlavorFirewall, fw.ID, []Rule{{Direction: Ingress, Priority: 1000, Action: Allow, Protocol: "tcp", FromPort: 80, ToPort: 80, Peer: Peer{Tag: "lb"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRuleSet(acct, FlavorFirewall, fw.ID, Attachment{Kind: OnNetwork, TargetID: n.ID, Tags: []string{"web"}}); err != nil {
		t.Fatal(err)
	}
	rt, err := c.CreateRouteTable(acct, n.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := Target{Kind: TargetInstance, ID: c.Instances(acct)[0].ID}
	if err := c.AddRoute(acct, rt.ID, Route{Destination: pfx("192.0.2.0/24"), Target: x, Priority: 900}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociateRouteTableTags(acct, rt.ID, []string{"web"}); err != nil {
		t.Fatal(err)
	}
}

// The rule sets and the tag-scoped, prioritized routes of populated come
// back from a snapshot as they were.
func TestSnapshotKeepsRuleSetsAndRoutes(t *testing.T) {
	c := populated(t)
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	var nsg, fw RuleSet
	for _, rs := range r.RuleSets(acct, "") {
		switch rs.Flavor {
		case FlavorNSG:
			nsg = rs
		case FlavorFirewall:
			fw = rs
		}
	}
	if in := nsg.In(); len(in) != 2 || in[0].Action != Deny || in[0].Priority != 100 || in[0].Peer.ServiceTag != "Internet" ||
		len(nsg.Attachments) != 1 || nsg.Attachments[0].Kind != OnSubnet {
		t.Errorf("restored NSG = %+v", nsg)
	}
	if len(fw.Attachments) != 1 || fw.Attachments[0].Kind != OnNetwork || fw.Attachments[0].Tags[0] != "web" || fw.In()[0].Peer.Tag != "lb" {
		t.Errorf("restored firewall = %+v", fw)
	}
	found := false
	for _, rt := range r.RouteTables(acct) {
		for _, a := range rt.Associations {
			if len(a.Tags) == 1 && a.Tags[0] == "web" {
				found = true
				if best := BestRoutes(rt.Routes); best[len(best)-1].Priority != 900 {
					t.Errorf("restored route = %+v, want priority 900", best[len(best)-1])
				}
			}
		}
	}
	if !found {
		t.Error("the tag association did not come back")
	}
}

// A version 2 snapshot (security groups and network ACLs of their own)
// restores into rule sets with the same IDs, rules and associations.
func TestRestoreVersion2RuleSets(t *testing.T) {
	const v2 = `{"version":2,"seq":7,"accounts":[{"ID":"111111111111","Limits":{"RulesPerGroupDirection":60,"ACLEntriesPerDirection":20}}],
"owners":{"vpc-1":{"kind":"network","account":"111111111111"},"sg-1":{"kind":"security-group","account":"111111111111"},
"acl-1":{"kind":"network-acl","account":"111111111111"},"subnet-1":{"kind":"subnet","account":"111111111111"}},"tags":{},
"networks":[{"ID":"vpc-1","Account":"111111111111","CIDRs":[{"AssociationID":"a","Prefix":"10.0.0.0/16"}],"DefaultSecurityGroupID":"sg-1","DefaultNetworkACLID":"acl-1"}],
"subnets":[{"ID":"subnet-1","Account":"111111111111","NetworkID":"vpc-1","Prefix":"10.0.1.0/24"}],
"securityGroups":[{"ID":"sg-1","Account":"111111111111","NetworkID":"vpc-1","Name":"default","Ingress":[{"ID":"sgr-1","Protocol":"-1","FromPort":-1,"ToPort":-1,"Prefix":"","GroupID":"sg-1"}],
"Egress":[{"ID":"sgr-2","Protocol":"icmp","FromPort":8,"ToPort":-1,"Prefix":"0.0.0.0/0"}]}],
"networkACLs":[{"ID":"acl-1","Account":"111111111111","NetworkID":"vpc-1","Default":true,"Entries":[{"Number":32767,"Egress":false,"Protocol":"-1","Allow":false,"Prefix":"0.0.0.0/0","FromPort":-1,"ToPort":-1,"ICMPType":-1,"ICMPCode":-1},
{"Number":100,"Egress":false,"Protocol":"-1","Allow":true,"Prefix":"0.0.0.0/0","FromPort":-1,"ToPort":-1,"ICMPType":-1,"ICMPCode":-1}],"Associations":[{"ID":"aclassoc-1","SubnetID":"subnet-1"}]}]}`
	c := New()
	if err := c.Restore([]byte(v2)); err != nil {
		t.Fatal(err)
	}
	sg, err := c.RuleSet(acct, FlavorSecurityGroup, "sg-1")
	if err != nil {
		t.Fatal(err)
	}
	if !sg.Default || len(sg.In()) != 1 || sg.In()[0].Peer.RuleSetID != "sg-1" || sg.Out()[0].ICMPType != 8 || sg.Out()[0].FromPort != -1 {
		t.Errorf("restored group = %+v", sg)
	}
	acl, err := c.RuleSet(acct, FlavorNetworkACL, "acl-1")
	if err != nil {
		t.Fatal(err)
	}
	if in := acl.In(); len(in) != 2 || in[0].Priority != 100 || in[1].Action != Deny || !in[1].Stateless ||
		len(acl.Attachments) != 1 || acl.Attachments[0].TargetID != "subnet-1" || acl.Attachments[0].ID != "aclassoc-1" {
		t.Errorf("restored ACL = %+v", acl)
	}
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("securityGroups")) || !bytes.Contains(b, []byte(`"version":`+strconv.Itoa(SnapshotVersion))) {
		t.Errorf("a restored version 2 snapshot is written back in the old shape: %s", b)
	}
}
