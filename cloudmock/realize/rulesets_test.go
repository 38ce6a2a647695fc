package realize

import (
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// The flavours without a front-end yet, made through the model and proved
// with packets: each is compiled by the same path as security groups and
// network ACLs.

func allowAll(dir model.Direction, prio int) model.Rule {
	return model.Rule{Direction: dir, Priority: prio, Action: model.Allow, Protocol: "-1", Peer: model.Peer{Prefix: anyIPv4}}
}

// An NSG on an interface: a deny of higher priority (a lower number) beats
// an allow; removing it lets the allow decide.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — rules are processed in priority order; processing stops at the first match
func TestNSGDenyAboveAllow(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	sa, sb := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	a, b := l.instance(sa, g.ID), l.instance(sb, g.ID)
	nsg := must[model.RuleSet](t)(l.cloud.CreateRuleSet(acct, model.RuleSetSpec{Flavor: model.FlavorNSG, NetworkID: v.ID, Name: "nsg"}))
	must[[]model.Rule](t)(l.cloud.AddRules(acct, model.FlavorNSG, nsg.ID, []model.Rule{
		{Direction: model.Ingress, Priority: 200, Action: model.Allow, Protocol: "-1", Peer: model.Peer{ServiceTag: "VirtualNetwork"}},
		allowAll(model.Egress, 65000),
	}))
	must[model.Attachment](t)(l.cloud.AttachRuleSet(acct, model.FlavorNSG, nsg.ID, model.Attachment{Kind: model.OnInterface, TargetID: b.NetworkInterfaceID}))
	l.sync()
	l.serve(l.ns(b), b.PrivateIP, 8080)
	l.pingOK(l.ns(a), b.PrivateIP)

	must[[]model.Rule](t)(l.cloud.AddRules(acct, model.FlavorNSG, nsg.ID, []model.Rule{
		{Direction: model.Ingress, Priority: 100, Action: model.Deny, Protocol: "icmp", ICMPType: -1, ICMPCode: -1, Peer: model.Peer{Prefix: sa.Prefix}}}))
	l.sync()
	l.pingFails(l.ns(a), b.PrivateIP)   // deny 100 beats allow 200
	l.tcpOK(l.ns(a), b.PrivateIP, 8080) // what the deny does not match, the allow passes

	l.ok(l.cloud.DeleteRule(acct, model.FlavorNSG, nsg.ID, model.Ingress, 100))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP)
}

// GCP firewall rules attached to the network for the instances with a
// target tag apply to those only; the network's implied deny (priority
// 65535, no target tag) applies to every instance.
// GCP: https://cloud.google.com/firewall/docs/firewalls#default_firewall_rules — implied deny ingress and allow egress at the lowest priority
// GCP: https://cloud.google.com/firewall/docs/firewalls#rule_assignment — a rule with target tags applies to the instances that carry one of them
func TestTagAttachedRuleSet(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	s := l.subnet(v, "10.0.1.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	run := func(tags map[string]string) model.Instance {
		return must[[]model.Instance](t)(l.cloud.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 1, SecurityGroupIDs: []string{g.ID}, Tags: tags}))[0]
	}
	client, web, other := run(map[string]string{"client": ""}), run(map[string]string{"web": ""}), run(nil)
	implied := must[model.RuleSet](t)(l.cloud.CreateRuleSet(acct, model.RuleSetSpec{Flavor: model.FlavorFirewall, NetworkID: v.ID, Name: "implied"}))
	must[[]model.Rule](t)(l.cloud.AddRules(acct, model.FlavorFirewall, implied.ID, []model.Rule{
		{Direction: model.Ingress, Priority: 65535, Action: model.Deny, Protocol: "-1", Peer: model.Peer{Prefix: anyIPv4}},
		allowAll(model.Egress, 65535)}))
	must[model.Attachment](t)(l.cloud.AttachRuleSet(acct, model.FlavorFirewall, implied.ID, model.Attachment{Kind: model.OnNetwork, TargetID: v.ID}))
	fw := must[model.RuleSet](t)(l.cloud.CreateRuleSet(acct, model.RuleSetSpec{Flavor: model.FlavorFirewall, NetworkID: v.ID, Name: "allow-web"}))
	must[[]model.Rule](t)(l.cloud.AddRules(acct, model.FlavorFirewall, fw.ID, []model.Rule{
		{Direction: model.Ingress, Priority: 1000, Action: model.Allow, Protocol: "tcp", FromPort: 8080, ToPort: 8080, Peer: model.Peer{Tag: "client"}}}))
	must[model.Attachment](t)(l.cloud.AttachRuleSet(acct, model.FlavorFirewall, fw.ID, model.Attachment{Kind: model.OnNetwork, TargetID: v.ID, Tags: []string{"web"}}))
	l.sync()
	for _, i := range []model.Instance{web, other} {
		l.serve(l.ns(i), i.PrivateIP, 8080)
		l.serve(l.ns(i), i.PrivateIP, 9090)
	}
	l.tcpOK(l.ns(client), web.PrivateIP, 8080)      // tagged target, tagged source
	l.tcpFails(l.ns(client), web.PrivateIP, 9090)   // the implied deny
	l.tcpFails(l.ns(client), other.PrivateIP, 8080) // no target tag: only the implied deny applies
	l.tcpFails(l.ns(other), web.PrivateIP, 8080)    // the source lacks the source tag
}

// An OCI security list on a subnet with a stateless ingress rule: the
// replies need a stateless egress rule of their own, also when the list
// has stateful rules too; a stateful ingress rule needs none.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm#stateful — stateless rules do not track connections; the response needs its own rule
func TestStatelessRuleSetNeedsReturnRule(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	sa, sb := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	a, b := l.instance(sa, g.ID), l.instance(sb, g.ID)
	list := must[model.RuleSet](t)(l.cloud.CreateRuleSet(acct, model.RuleSetSpec{Flavor: model.FlavorSecurityList, NetworkID: v.ID, Name: "list"}))
	icmp := func(dir model.Direction, stateless bool) model.Rule {
		return model.Rule{Direction: dir, Stateless: stateless, Protocol: "icmp", ICMPType: -1, ICMPCode: -1, Peer: model.Peer{Prefix: sa.Prefix}}
	}
	must[[]model.Rule](t)(l.cloud.AddRules(acct, model.FlavorSecurityList, list.ID, []model.Rule{icmp(model.Ingress, true)}))
	must[model.Attachment](t)(l.cloud.AttachRuleSet(acct, model.FlavorSecurityList, list.ID, model.Attachment{Kind: model.OnSubnet, TargetID: sb.ID}))
	l.sync()
	l.pingFails(l.ns(a), b.PrivateIP) // the echo gets in, the reply may not leave

	// A stateful rule in the same list: its connections' replies pass,
	// the stateless rule's still do not.
	must[[]model.Rule](t)(l.cloud.AddRules(acct, model.FlavorSecurityList, list.ID, []model.Rule{
		{Direction: model.Ingress, Protocol: "tcp", FromPort: 8080, ToPort: 8080, Peer: model.Peer{Prefix: sa.Prefix}}}))
	l.sync()
	l.serve(l.ns(b), b.PrivateIP, 8080)
	l.tcpOK(l.ns(a), b.PrivateIP, 8080)
	l.pingFails(l.ns(a), b.PrivateIP)

	must[[]model.Rule](t)(l.cloud.AddRules(acct, model.FlavorSecurityList, list.ID, []model.Rule{icmp(model.Egress, true)}))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP) // the return rule

	_, _, err := l.cloud.RemoveRules(acct, model.FlavorSecurityList, list.ID, model.RuleRemoval{Rules: []model.Rule{icmp(model.Ingress, true), icmp(model.Egress, true)}})
	l.ok(err)
	must[[]model.Rule](t)(l.cloud.AddRules(acct, model.FlavorSecurityList, list.ID, []model.Rule{icmp(model.Ingress, false)}))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP) // stateful: the reply of an admitted echo passes
}

// An appliance that sees only one direction of a flow (the replies are
// routed through it, the requests are not) forwards what its stateful
// rules allow although the packets have no connection to mark: a stateful
// allow still passes a packet without conntrack state.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-appliance-routing — route traffic through a middlebox appliance
func TestStatefulAllowPassesUntrackedPackets(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	sa, sb, sc := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24"), l.subnet(v, "10.0.3.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	a, x, b := l.instance(sa, g.ID), l.instance(sb, g.ID), l.instance(sc, g.ID)
	l.ok(l.cloud.SetSourceDestCheck(acct, x.ID, false))
	rt := must[model.RouteTable](t)(l.cloud.CreateRouteTable(acct, v.ID, nil))
	must[model.RouteTableAssociation](t)(l.cloud.AssociateRouteTable(acct, rt.ID, sc.ID))
	l.ok(l.cloud.CreateRoute(acct, rt.ID, sa.Prefix, model.Target{Kind: model.TargetInstance, ID: x.ID}))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP) // the echo goes direct, the reply through x
}
