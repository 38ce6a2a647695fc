package model

import "testing"

// The flavours without a front-end: what each accepts and attaches to.
func TestRuleSetFlavors(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "", nil)
	mk := func(f Flavor, name string) RuleSet {
		t.Helper()
		rs, err := c.CreateRuleSet(acct, RuleSetSpec{Flavor: f, NetworkID: n.ID, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	nsg, nsg2, fw, list := mk(FlavorNSG, "a"), mk(FlavorNSG, "b"), mk(FlavorFirewall, "fw"), mk(FlavorSecurityList, "l")
	ssh := Rule{Direction: Ingress, Priority: 100, Action: Deny, Protocol: "tcp", FromPort: 22, ToPort: 22, Peer: Peer{ServiceTag: "Internet"}}
	if _, err := c.AddRules(acct, FlavorNSG, nsg.ID, []Rule{ssh}); err != nil {
		t.Fatal(err)
	}
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — a priority is unique per direction
	_, err := c.AddRules(acct, FlavorNSG, nsg.ID, []Rule{ssh})
	wantCode(t, err, CodeAlreadyExists)
	two := ssh
	two.Priority, two.Peer.Prefix = 110, pfx("10.0.0.0/8")
	_, err = c.AddRules(acct, FlavorNSG, nsg.ID, []Rule{two})
	wantCode(t, err, CodeInvalidParameter) // two peers
	_, err = c.AddRules(acct, FlavorNSG, nsg.ID, []Rule{{Direction: Ingress, Priority: 120, Action: "maybe", Protocol: "-1", Peer: Peer{Tag: "x"}}})
	wantCode(t, err, CodeInvalidParameter)
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securitylists.htm — security list rules only allow
	got, err := c.AddRules(acct, FlavorSecurityList, list.ID, []Rule{{Direction: Egress, Priority: 7, Action: Deny, Stateless: true, Protocol: "udp", FromPort: 53, ToPort: 53, Peer: Peer{Prefix: pfx("0.0.0.0/0")}}})
	if err != nil || got[0].Action != Allow || got[0].Priority != 0 || !got[0].Stateless || got[0].ID == "" {
		t.Fatalf("security list rule = %+v, %v; want a stateless allow", got, err)
	}
	// Attachments: an NSG to a subnet (one per subnet), firewall rules to
	// the network only.
	a, err := c.AttachRuleSet(acct, FlavorNSG, nsg.ID, Attachment{Kind: OnSubnet, TargetID: s.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AttachRuleSet(acct, FlavorNSG, nsg2.ID, Attachment{Kind: OnSubnet, TargetID: s.ID})
	wantCode(t, err, CodeAlreadyAssociated)
	_, err = c.AttachRuleSet(acct, FlavorFirewall, fw.ID, Attachment{Kind: OnSubnet, TargetID: s.ID})
	wantCode(t, err, CodeInvalidParameter)
	_, err = c.AttachRuleSet(acct, FlavorFirewall, fw.ID, Attachment{Kind: OnNetwork, TargetID: "vpc-other"})
	wantCode(t, err, CodeInvalidParameter)
	wantCode(t, c.DeleteRuleSet(acct, FlavorNSG, nsg.ID), CodeDependency)
	if err := c.DetachRuleSet(acct, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRuleSet(acct, FlavorNSG, nsg.ID); err != nil {
		t.Fatal(err)
	}
	// A network ACL association is replaced, never removed.
	acl, _ := c.RuleSet(acct, FlavorNetworkACL, n.DefaultNetworkACLID)
	wantCode(t, c.DetachRuleSet(acct, acl.Attachments[0].ID), CodeInvalidParameter)
	// A network with rule sets left cannot be deleted.
	wantCode(t, c.DeleteNetwork(acct, n.ID), CodeDependency)
}
